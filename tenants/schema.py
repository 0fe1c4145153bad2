"""OpenAPI description of the bearer scheme, named as the API document names it."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class PrincipalJWTScheme(SimpleJWTScheme):
    target_class = "tenants.authentication.PrincipalJWTAuthentication"
    name = "jwtBearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Access token with the claims of CONTRACT.md section 2.",
        }
