import uuid
from dataclasses import dataclass, field
from functools import cached_property
from typing import cast

from rest_framework.request import Request
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from tenants.models import Application
from tenants.roles import Role


@dataclass(frozen=True)
class Principal:
    """The caller of an API request, read from a verified JWT (CONTRACT.md section 2).

    Most operations need only the application's id, which the token carries; the
    Application row itself is read the first time an operation asks for it.
    """

    user_id: str
    roles: frozenset[str]
    application_id: uuid.UUID
    organization_id: str
    conference_id: str | None = None
    known_application: Application | None = field(default=None, repr=False, compare=False)

    # DRF and Django ask these of request.user.
    is_authenticated = True
    is_anonymous = False

    @cached_property
    def application(self) -> Application:
        if self.known_application is not None:
            return self.known_application
        application = Application.objects.filter(pk=self.application_id).first()
        if application is None:  # deleted since the token was checked
            raise AuthenticationFailed("Token names an unknown application.", code="token_not_valid")
        return application

    @property
    def pk(self) -> str:
        return self.user_id

    def has_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)


def request_principal(request: Request) -> Principal:
    """`request.user` in a view whose permission classes admit only a Principal."""
    return cast(Principal, request.user)
