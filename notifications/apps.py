from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self):
        # Registers the OpenAPI extension (drf-spectacular finds extensions by import).
        from notifications import schema  # noqa: F401
