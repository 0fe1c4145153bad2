"""Permission classes named after the roles of CONTRACT.md section 2; compose with |."""

from rest_framework.permissions import BasePermission

from tenants.principal import Principal
from tenants.roles import Role


class IsAuthenticatedPrincipal(BasePermission):
    """Any verified token, whatever its roles (the default for every API view)."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, Principal)


class _HasRole(BasePermission):
    role: Role

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, Principal) and request.user.has_role(self.role)


class IsAgent(_HasRole):
    role = Role.AGENT


class IsSupervisor(_HasRole):
    role = Role.SUPERVISOR


class IsClientService(_HasRole):
    role = Role.CLIENT_SERVICE


class IsCustomer(_HasRole):
    role = Role.CUSTOMER


class IsAdmin(_HasRole):
    role = Role.ADMIN
