from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Applications (tenants)"

    def ready(self):
        # Registers the OpenAPI extension for our authentication class.
        from tenants import schema  # noqa: F401
