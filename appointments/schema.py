"""OpenAPI description of the customers' one-time-code Basic scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class OTPBasicScheme(OpenApiAuthenticationExtension):
    target_class = "participants.authentication.OTPBasicAuthentication"
    name = "customerOtpBasic"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "base64(<email or phone>:<one-time code>) from POST /api/appointments/basic/otp.",
        }
