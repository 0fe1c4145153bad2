from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        # The lower apps announce; this app acts (docs/architecture.md, "Events").
        from appointments.attendance import APPOINTMENT_NO_SHOW, CUSTOMER_WAITING
        from appointments.changes import APPOINTMENT_CHANGED
        from notifications.pipeline.attendance import deliveries_plan_for_no_show, deliveries_plan_for_waiting
        from notifications.pipeline.fallback import sms_fallback_for_undelivered
        from notifications.pipeline.feedback import SMS_UNDELIVERED
        from notifications.pipeline.participant_events import deliveries_plan_for_confirmation
        from notifications.pipeline.planning import deliveries_plan_for_change
        from notifications.pipeline.quiet_replanning import deliveries_quiet_replan_for_settings
        from notifications.senders.services import one_time_code_send
        from participants.confirmations import PARTICIPANT_CONFIRMATION_RECORDED
        from participants.otp import ONE_TIME_CODE_ISSUED
        from tenants.application_settings import APPLICATION_SETTINGS_CHANGED

        APPOINTMENT_CHANGED.subscribe(deliveries_plan_for_change)
        CUSTOMER_WAITING.subscribe(deliveries_plan_for_waiting)
        APPOINTMENT_NO_SHOW.subscribe(deliveries_plan_for_no_show)
        ONE_TIME_CODE_ISSUED.subscribe(one_time_code_send)
        APPLICATION_SETTINGS_CHANGED.subscribe(deliveries_quiet_replan_for_settings)
        # Within this app: the send ledger and the status callback announce, the email fallback acts.
        SMS_UNDELIVERED.subscribe(sms_fallback_for_undelivered)
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
