"""Stateless JWT authentication: a verified token becomes a Principal, no database user."""

import uuid

from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.tokens import Token

from tenants.principal import Principal
from tenants.selectors import application_organization_id


class PrincipalJWTAuthentication(JWTStatelessUserAuthentication):
    """Bearer tokens signed with HS256 or RS256; the token's application must exist."""

    www_authenticate_realm = "api"

    # simplejwt annotates get_user with a TypeVar bound to its own user classes, which no
    # override can name: a Principal is what DRF's request.user holds here.
    def get_user(self, validated_token: Token) -> Principal:  # type: ignore[override]
        user_id = validated_token.get("user_id")
        if not user_id:
            raise AuthenticationFailed("Token has no user_id claim.", code="token_not_valid")
        application_id, organization_id = self._application(validated_token.get("application_id"))
        roles = validated_token.get("roles") or []
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise AuthenticationFailed("Token roles must be a list of strings.", code="token_not_valid")
        conference_id = validated_token.get("conference_id")
        return Principal(
            user_id=str(user_id),
            roles=frozenset(roles),
            application_id=application_id,
            organization_id=str(validated_token.get("organization_id") or organization_id),
            conference_id=str(conference_id) if conference_id else None,
        )

    @staticmethod
    def _application(application_id: object) -> tuple[uuid.UUID, str]:
        """The application's id and organization; an application we do not know fails the token."""
        if not application_id:
            raise AuthenticationFailed("Token has no application_id claim.", code="token_not_valid")
        try:
            key = uuid.UUID(str(application_id))
        except ValueError:
            raise AuthenticationFailed(
                "Token application_id is not a UUID.", code="token_not_valid"
            ) from None
        organization_id = application_organization_id(application_id=key)
        if organization_id is None:
            # Never trust role or tenant claims for an application we do not know.
            raise AuthenticationFailed("Token names an unknown application.", code="token_not_valid")
        return key, organization_id
