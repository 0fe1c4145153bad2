from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        # The lower apps announce; this app acts (docs/architecture.md, "Events").
        from appointments.changes import APPOINTMENT_CHANGED
        from notifications.pipeline.participant_events import deliveries_plan_for_confirmation
        from notifications.pipeline.planning import deliveries_plan_for_change
        from notifications.senders.services import one_time_code_send
        from participants.confirmations import PARTICIPANT_CONFIRMATION_RECORDED
        from participants.otp import ONE_TIME_CODE_ISSUED

        APPOINTMENT_CHANGED.subscribe(deliveries_plan_for_change)
        ONE_TIME_CODE_ISSUED.subscribe(one_time_code_send)
        PARTICIPANT_CONFIRMATION_RECORDED.subscribe(deliveries_plan_for_confirmation)
        self._operations_register()

    @staticmethod
    def _operations_register() -> None:
        # The pipeline's gauges on the web's /metrics, the beat's freshness in /readyz (docs/operations.md).
        from core.health import readiness_check_register
        from core.metrics import scrape_collector_register
        from notifications.metrics import PipelineCollector
        from notifications.pipeline_status import beat_freshness_check

        scrape_collector_register(PipelineCollector())
        readiness_check_register("beat", beat_freshness_check)
