from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        # Registers the OpenAPI extensions of the lenient field types.
        from core.api import schema  # noqa: F401
