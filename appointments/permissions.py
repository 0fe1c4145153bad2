"""Role rules per operation: each view lists, per HTTP method, the roles the document names."""

from rest_framework.permissions import BasePermission

from tenants.principal import Principal
from tenants.roles import Role


def operation_roles(view, request) -> tuple[Role, ...]:
    method = "GET" if request.method == "HEAD" else request.method
    return tuple(view.roles.get(method, ()))


class HasOperationRole(BasePermission):
    """Admit a caller holding one of the roles the view's `roles` grants for this method."""

    def has_permission(self, request, view) -> bool:
        if not hasattr(view, request.method.lower()):
            return True  # the view answers 405 Method Not Allowed itself
        return isinstance(request.user, Principal) and request.user.has_role(*operation_roles(view, request))
