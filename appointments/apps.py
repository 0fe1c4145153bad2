from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"

    def ready(self) -> None:
        # Registers the OpenAPI extension of the customers' Basic scheme.
        from appointments import schema  # noqa: F401
