"""OpenAPI description of the bearer scheme, named as the API document names it."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class PrincipalJWTScheme(SimpleJWTScheme):
    target_class = "tenants.authentication.PrincipalJWTAuthentication"
    name = "jwtBearerToken"
