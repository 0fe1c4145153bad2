"""Permission classes from the roles of CONTRACT.md section 2: per view (compose with |) or per operation."""

from typing import TYPE_CHECKING

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from tenants.principal import Principal
from tenants.roles import Role

if TYPE_CHECKING:  # rest_framework.views imports this module for its default permissions
    from rest_framework.views import APIView


class IsAuthenticatedPrincipal(BasePermission):
    """Any verified token, whatever its roles (the default for every API view)."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, Principal)


class _HasRole(BasePermission):
    role: Role

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, Principal) and request.user.has_role(self.role)


class IsSupervisor(_HasRole):
    role = Role.SUPERVISOR


class IsAdmin(_HasRole):
    role = Role.ADMIN


def operation_roles(view: "APIView", request: Request) -> tuple[Role, ...]:
    """The roles `view.roles` grants for the request's method (HEAD as GET)."""
    method = "GET" if request.method == "HEAD" else request.method
    return tuple(getattr(view, "roles", {}).get(method, ()))


class HasOperationRole(BasePermission):
    """Admit a caller holding one of the roles the view's `roles` grants for this method.

    The API document names the roles per operation; a view lists them per HTTP
    method, e.g. `roles = {"GET": (Role.AGENT, Role.SUPERVISOR)}`.
    """

    def has_permission(self, request: Request, view: "APIView") -> bool:
        if not hasattr(view, (request.method or "").lower()):
            return True  # the view answers 405 Method Not Allowed itself
        return isinstance(request.user, Principal) and request.user.has_role(*operation_roles(view, request))
