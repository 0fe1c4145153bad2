"""`Authorization: Basic base64(<email or phone>:<code>)` for customer self-scheduling.

This only reads the credentials. The code is checked, and consumed, by the
service that schedules, in the same transaction as the appointment it creates.

The user part is kept as written until the view knows the application (the body's
applicationId; the credential does not name one): a phone number written without
+ and country code is then read in that application's default region, the same way
its code request read it, so a customer may log in with the number as they typed it.
"""

import base64
import binascii
from dataclasses import dataclass

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from participants.otp import Contact, contact_parse
from tenants.models import Application

USER_PART_MALFORMED = "The user part must be an email address or a phone number."


@dataclass(frozen=True)
class OTPCredentials:
    """A customer's claimed contact, as written, and one-time code, not yet verified."""

    user: str
    code: str

    is_authenticated = True
    is_anonymous = False

    def contact(self, *, application: Application) -> Contact:
        """The claimed contact read for `application`; 401 when it is neither an email nor a phone number."""
        try:
            return contact_parse(self.user, application=application)
        except ValueError:
            raise AuthenticationFailed(USER_PART_MALFORMED) from None


class OTPBasicAuthentication(BaseAuthentication):
    www_authenticate_realm = "appointments"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"basic":
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Basic credentials must be base64(<email or phone>:<code>).")
        try:
            decoded = base64.b64decode(parts[1], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise AuthenticationFailed("Basic credentials are not valid base64.") from None
        user, separator, code = decoded.rpartition(":")
        if not separator or not user.strip() or not code:
            raise AuthenticationFailed("Basic credentials must be base64(<email or phone>:<code>).")
        return OTPCredentials(user=user, code=code), None

    def authenticate_header(self, request) -> str:
        return f'Basic realm="{self.www_authenticate_realm}"'


class HasOTPCredentials(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, OTPCredentials)
