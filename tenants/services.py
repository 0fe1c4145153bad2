"""Writes for applications and the tokens that act in them."""

from datetime import timedelta

from django.db import transaction
from rest_framework_simplejwt.tokens import AccessToken

from tenants.models import Application, ApplicationKind
from tenants.roles import Role


@transaction.atomic
def application_create(
    *,
    name: str,
    organization_id: str,
    kind: str = ApplicationKind.GENESYS,
    auto_activate: bool = False,
    notifications_active: bool = False,
    default_region: str = "",
) -> Application:
    application = Application(
        name=name,
        organization_id=organization_id,
        kind=kind,
        auto_activate=auto_activate,
        notifications_active=notifications_active,
        default_region=default_region,
    )
    application.full_clean()
    application.save()
    return application


def token_mint(
    *,
    user_id: str,
    application: Application,
    roles: list[str],
    organization_id: str | None = None,
    conference_id: str | None = None,
    ttl_seconds: int | None = None,
) -> str:
    """An access token carrying the claims of CONTRACT.md section 2."""
    unknown = sorted(set(roles) - {role.value for role in Role})
    if unknown:
        raise ValueError(f"unknown role {', '.join(unknown)}")
    token = AccessToken()
    if ttl_seconds is not None:
        token.set_exp(lifetime=timedelta(seconds=ttl_seconds))
    token["user_id"] = user_id
    token["roles"] = list(roles)
    token["application_id"] = str(application.pk)
    token["organization_id"] = organization_id or application.organization_id
    if conference_id:
        token["conference_id"] = conference_id
    return str(token)
