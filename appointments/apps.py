from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "appointments"

    def ready(self) -> None:
        # Registers the OpenAPI extension of the customers' Basic scheme.
        from appointments import schema  # noqa: F401
        from appointments.overlaps import settings_changed
        from tenants.application_settings import APPLICATION_SETTINGS_CHANGED

        # Turning prevent_agent_overlap on is refused while agents are double-booked.
        APPLICATION_SETTINGS_CHANGED.subscribe(settings_changed)
