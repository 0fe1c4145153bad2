from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"

    def ready(self) -> None:
        # Registers the OpenAPI extensions (security schemes, lenient field types).
        from appointments import schema  # noqa: F401
