"""OpenAPI description of the JWT bearer scheme, so `spectacular --fail-on-warn` passes.

It belongs with tenants.authentication; it lives here (at low priority, so a
definition in tenants wins) until the lead moves it there.
"""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class PrincipalJWTScheme(SimpleJWTScheme):
    target_class = "tenants.authentication.PrincipalJWTAuthentication"
    name = "jwtBearerToken"  # the API document's name for it
    priority = -1
