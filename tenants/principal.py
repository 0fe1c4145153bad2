from dataclasses import dataclass, field

from tenants.models import Application
from tenants.roles import Role


@dataclass(frozen=True)
class Principal:
    """The caller of an API request, read from a verified JWT (CONTRACT.md section 2)."""

    user_id: str
    roles: frozenset[str]
    application: Application = field(repr=False, compare=False)
    organization_id: str
    conference_id: str | None = None

    # DRF and Django ask these of request.user.
    is_authenticated = True
    is_anonymous = False

    @property
    def application_id(self):
        return self.application.pk

    @property
    def pk(self) -> str:
        return self.user_id

    def has_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)
