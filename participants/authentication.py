"""`Authorization: Basic base64(<email or phone>:<code>)` for customer self-scheduling.

This only reads the credentials. The code is checked, and consumed, by the
service that schedules, in the same transaction as the appointment it creates.
"""

import base64
import binascii
from dataclasses import dataclass

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission

from participants.otp import Contact, contact_parse


@dataclass(frozen=True)
class OTPCredentials:
    """A customer's claimed contact and one-time code, not yet verified."""

    contact: Contact
    code: str

    is_authenticated = True
    is_anonymous = False


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
        if not separator or not user or not code:
            raise AuthenticationFailed("Basic credentials must be base64(<email or phone>:<code>).")
        try:
            contact = contact_parse(user)
        except ValueError:
            raise AuthenticationFailed("The user part must be an email address or a phone number.") from None
        return OTPCredentials(contact=contact, code=code), None

    def authenticate_header(self, request) -> str:
        return f'Basic realm="{self.www_authenticate_realm}"'


class HasOTPCredentials(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, OTPCredentials)
