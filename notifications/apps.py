from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        # The lower apps announce; this app acts (docs/architecture.md, "Events").
        from appointments.changes import APPOINTMENT_CHANGED
        from notifications.pipeline.planning import deliveries_plan_for_change
        from notifications.senders.services import one_time_code_send
        from participants.otp import ONE_TIME_CODE_ISSUED

        APPOINTMENT_CHANGED.subscribe(deliveries_plan_for_change)
        ONE_TIME_CODE_ISSUED.subscribe(one_time_code_send)
