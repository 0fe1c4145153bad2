import json
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications.models import Channel, ChannelSender, DomainProof, NotificationTemplate, NotificationType
from notifications.senders.domains import dns_token_new
from notifications.services import template_create
from tenants.models import Application
from tenants.roles import Role
from tenants.services import application_create, token_mint
from tenants.supervisors import supervised_application_ids, supervisor_upsert

DEMO_NAME = "Demo application"
DEMO_ORG = "demo-org"
DEMO_SUPERVISOR = "supervisor"
# The sample booking starts so that its first reminder falls due this long after the demo runs.
SAMPLE_REMINDER_AFTER = timedelta(minutes=3)
CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
SMTP_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


class Command(BaseCommand):
    help = (
        "Development only: ensure a demo application, its supervisor and an admin user, then print "
        "the URLs, logins, tokens and a sample booking to try the service."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument("--worker-log", default="", help="where the Celery worker's output goes")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo is for development: run it with DEBUG=1")
        application = Application.objects.filter(name=DEMO_NAME, organization_id=DEMO_ORG).first()
        if application is None:
            application = application_create(
                name=DEMO_NAME, organization_id=DEMO_ORG, notifications_active=True
            )
            _seed_notifications(application)
        admin_password = self._ensure_admin()
        supervisor_password = _ensure_supervisor(application)
        tokens = {
            role: token_mint(
                user_id=f"demo-{role.name.lower()}",
                application=application,
                roles=[role],
                ttl_seconds=7 * 24 * 3600,
            )
            for role in Role
            if role is not Role.CUSTOMER
        }
        base = options["base_url"]
        lines = [
            f"Demo application: {application.pk} (organization {DEMO_ORG})",
            "",
            f"API docs:        {base}/api/docs/",
            f"Admin console:   {base}/admin/",
            _login_line("supervisor", DEMO_SUPERVISOR, supervisor_password),
            _login_line("superuser", "admin", admin_password),
            "",
            "Tokens (valid 7 days):",
            *[f"  {role.value:<20} {token}" for role, token in tokens.items()],
            "",
            *_sample_booking_lines(application, base=base, token=tokens[Role.AGENT]),
            "",
            *_sent_messages_lines(base=base, worker_log=options["worker_log"]),
        ]
        self.stdout.write("\n".join(lines))

    @staticmethod
    def _ensure_admin() -> str | None:
        user_model = get_user_model()
        if user_model.objects.filter(username="admin").exists():
            return None
        password = secrets.token_urlsafe(9)
        user_model.objects.create_superuser("admin", "admin@localhost", password)
        return password


def _ensure_supervisor(application: Application) -> str | None:
    """Make the demo supervisor supervise the demo application; its password only when created now."""
    user = get_user_model().objects.filter(username=DEMO_SUPERVISOR).first()
    if user is None:
        password = secrets.token_urlsafe(12)
        supervisor_upsert(
            username=DEMO_SUPERVISOR,
            email="supervisor@demo.localhost",
            application_ids=[str(application.pk)],
            password=password,
        )
        return password
    supervised = supervised_application_ids(user=user)
    if application.pk not in supervised:  # a demo application made again after a reset
        ids = [str(app_id) for app_id in (*supervised, application.pk)]
        supervisor_upsert(username=DEMO_SUPERVISOR, email=user.email, application_ids=ids)
    return None


def _login_line(label: str, username: str, password: str | None) -> str:
    if password:
        return f"  {label + ':':<13} user '{username}', password '{password}'"
    reset = f".venv/bin/python manage.py changepassword {username}"
    return f"  {label + ':':<13} user '{username}' (password unchanged; to reset: {reset})"


def _first_reminder_period(application: Application) -> timedelta | None:
    """The longest period of the application's reminder templates: the first reminder to fall due."""
    return (
        NotificationTemplate.objects.filter(application=application, type=NotificationType.REMINDER)
        .filter(active=True, period__isnull=False)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )


def _spelled(period: timedelta) -> str:
    minutes = int(period.total_seconds() // 60)
    if minutes % 60:
        return f"{minutes} minutes"
    return "1 hour" if minutes == 60 else f"{minutes // 60} hours"


def _next_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)


def _sample_booking_lines(application: Application, *, base: str, token: str) -> list[str]:
    """A curl that books a call whose first reminder falls due a few minutes from now."""
    now = timezone.now()
    period = _first_reminder_period(application)
    start = _next_minute(now + (period or timedelta(hours=1)) + SAMPLE_REMINDER_AFTER)
    body = {
        "applicationId": str(application.pk),
        "start": f"{start:%Y-%m-%dT%H:%M:%SZ}",
        "duration": "PT30M",
        "timezone": "Europe/Berlin",
        "title": "Demo call",
        "customer": {
            "name": {"firstName": "Bobby", "lastName": "Ewing"},
            "contact": {"primaryEmail": "bobby@example.com", "primaryPhone": "+12025550123"},
        },
    }
    lines = [
        f"Book a call at {start:%H:%M} UTC for a customer with an email address and a phone (as the agent):",
        f"  curl -s -H 'Authorization: Bearer {token}' \\",
        f"       -H 'Content-Type: application/json' {base}/api/appointments/ \\",
        f"       -d '{json.dumps(body, ensure_ascii=False)}'",
        "  The booking email goes out at once.",
    ]
    if period is not None:
        due = start - period
        minutes = round((due - now).total_seconds() / 60)
        lines.append(
            f"  Its reminder ({_spelled(period)} before the start) at {due:%H:%M} UTC,"
            f" in about {minutes} minutes (at once if you book later, until the call starts)."
        )
    lines.append(f"Your appointments: curl -s -H 'Authorization: Bearer {token}' {base}/api/appointments/")
    return lines


def _sent_messages_lines(*, base: str, worker_log: str) -> list[str]:
    """Where the messages the worker sends can be seen, by the backends the settings chose."""
    where = worker_log or "the Celery worker's output"
    lines = ["Sent messages:", f"  {_email_destination(where)}", f"  {_sms_destination(where)}"]
    if worker_log:
        lines.append(f"  Follow them: tail -f {worker_log}")
    lines.append(f"  Each delivery and its status: {base}/admin/notifications/delivery/")
    return lines


def _email_destination(where: str) -> str:
    if not settings.NOTIFICATION_BACKENDS.get("EMAIL"):
        return "Email is switched off (NOTIFICATIONS_EMAIL_BACKEND is empty)."
    if settings.EMAIL_BACKEND == CONSOLE_EMAIL_BACKEND:
        return f"Emails are printed to {where} (no EMAIL_HOST is set)."
    if settings.EMAIL_BACKEND == SMTP_EMAIL_BACKEND:
        return f"Emails go to the mail server at {settings.EMAIL_HOST}:{settings.EMAIL_PORT}."
    return f"Emails go to {settings.EMAIL_BACKEND}."


def _sms_destination(where: str) -> str:
    backend = settings.NOTIFICATION_BACKENDS.get("SMS") or ""
    if not backend:
        return "SMS is switched off (NOTIFICATIONS_SMS_BACKEND is empty)."
    if backend.endswith(".LogSmsBackend"):
        return f"SMS are written to {where} (no Twilio credentials are set)."
    if backend.endswith(".TwilioSmsBackend"):
        return "SMS are sent by Twilio."
    return f"SMS go to {backend}."


def _seed_notifications(application: Application) -> None:
    """Development only: verified senders and a few templates, so bookings notify at once.

    With no EMAIL_HOST and no Twilio credentials the messages land in the worker's log.
    """
    now = timezone.now()
    # Seeded as if demo.localhost published its TXT record, so development mail is From that domain.
    ChannelSender.objects.create(
        application=application,
        channel=Channel.EMAIL,
        domain="demo.localhost",
        from_name="Demo Appointments",
        verified_at=now,
        verified_with="demo seed",
        domain_proven_by=DomainProof.DNS,
        dns_token=dns_token_new(),
    )
    ChannelSender.objects.create(
        application=application,
        channel=Channel.SMS,
        from_number="+15005550006",
        verified_at=now,
        verified_with="demo seed",
    )
    for locale, texts in DEMO_TEMPLATES.items():
        for (type_, channel), (subject, text) in texts.items():
            template_create(
                application=application,
                type=type_,
                channel=channel,
                locale=locale,
                subject=subject,
                text_body=text.replace("<when>", DEMO_WHEN[locale]),
                period=DEMO_REMINDER_PERIOD if type_ == NotificationType.REMINDER else None,
            )


# The built-in templates the demo seeds: the same set in each locale, so a booking in
# any of them is answered in its own language (tests/notifications/test_builtin_templates.py
# renders each in every appointment state). A "Join: {{roomUrl}}" line is left out until
# the appointment has a room; a cancellation has no join link.
DEMO_REMINDER_PERIOD = timedelta(hours=1)
DEMO_WHEN = {
    "en_US": "{{EEEE, MMMM d, yyyy}} at {{time12hr}} ({{zone}})",
    "en_GB": "{{EEEE d MMMM yyyy}} at {{time24}} ({{zone}})",
    "de_DE": "{{EEEE, d. MMMM yyyy}} um {{HH:mm}} Uhr ({{zone}})",
    "el_GR": "{{EEEE d MMMM yyyy}}, {{HH:mm}} ({{zone}})",
}
_EMAIL, _SMS = Channel.EMAIL, Channel.SMS
_CREATE, _UPDATE, _CANCEL, _REMINDER = (
    NotificationType.CREATE,
    NotificationType.UPDATE,
    NotificationType.CANCEL,
    NotificationType.REMINDER,
)
_EN_LINKS = "\n\nJoin: {{roomUrl}}\nCalendar: {{icsUrl}}"
_DE_LINKS = "\n\nTeilnehmen: {{roomUrl}}\nKalender: {{icsUrl}}"
_EL_LINKS = "\n\nΣύνδεση: {{roomUrl}}\nΗμερολόγιο: {{icsUrl}}"
# locale -> (type, channel) -> (subject, text); <when> stands for DEMO_WHEN[locale].
DEMO_TEMPLATES: dict[str, dict[tuple[str, str], tuple[str, str]]] = {
    "en_US": {
        (_CREATE, _EMAIL): (
            "Your video appointment: {{title}}",
            "Dear {{firstName}},\n\nYour video call is booked for <when>." + _EN_LINKS,
        ),
        (_UPDATE, _EMAIL): (
            "Changed: {{title}}",
            "Dear {{firstName}},\n\nYour video call now takes place on <when>." + _EN_LINKS,
        ),
        (_CANCEL, _EMAIL): (
            "Canceled: {{title}}",
            "Dear {{firstName}},\n\nYour video call on <when> has been canceled.",
        ),
        (_REMINDER, _SMS): (
            "",
            "Reminder: your video call {{title}} starts at {{time12hr}} ({{zone}}).\nJoin: {{roomUrl}}",
        ),
    },
    "en_GB": {
        (_CREATE, _EMAIL): (
            "Your video appointment: {{title}}",
            "Dear {{firstName}},\n\nYour video call is booked for <when>." + _EN_LINKS,
        ),
        (_UPDATE, _EMAIL): (
            "Changed: {{title}}",
            "Dear {{firstName}},\n\nYour video call now takes place on <when>." + _EN_LINKS,
        ),
        (_CANCEL, _EMAIL): (
            "Cancelled: {{title}}",
            "Dear {{firstName}},\n\nYour video call on <when> has been cancelled.",
        ),
        (_REMINDER, _SMS): (
            "",
            "Reminder: your video call {{title}} starts at {{time24}} ({{zone}}).\nJoin: {{roomUrl}}",
        ),
    },
    "de_DE": {
        (_CREATE, _EMAIL): (
            "Ihr Videotermin: {{title}}",
            "Hallo {{firstName}},\n\nIhr Videotermin ist für <when> gebucht." + _DE_LINKS,
        ),
        (_UPDATE, _EMAIL): (
            "Geändert: {{title}}",
            "Hallo {{firstName}},\n\nIhr Videotermin findet jetzt am <when> statt." + _DE_LINKS,
        ),
        (_CANCEL, _EMAIL): (
            "Abgesagt: {{title}}",
            "Hallo {{firstName}},\n\nIhr Videotermin am <when> wurde abgesagt.",
        ),
        (_REMINDER, _SMS): (
            "",
            "Erinnerung: Ihr Videotermin {{title}} beginnt um {{HH:mm}} Uhr ({{zone}}).\n"
            "Teilnehmen: {{roomUrl}}",
        ),
    },
    "el_GR": {
        (_CREATE, _EMAIL): (
            "Η βιντεοκλήση σας: {{title}}",
            "Γεια σας {{firstName}},\n\nΗ βιντεοκλήση σας κλείστηκε.\nΠότε: <when>" + _EL_LINKS,
        ),
        (_UPDATE, _EMAIL): (
            "Αλλαγή: {{title}}",
            "Γεια σας {{firstName}},\n\nΗ βιντεοκλήση σας άλλαξε.\nΠότε: <when>" + _EL_LINKS,
        ),
        (_CANCEL, _EMAIL): (
            "Ακύρωση: {{title}}",
            "Γεια σας {{firstName}},\n\nΗ βιντεοκλήση σας ακυρώθηκε.\nΠρογραμματισμένη ώρα: <when>",
        ),
        (_REMINDER, _SMS): (
            "",
            "Υπενθύμιση: η βιντεοκλήση σας {{title}} ξεκινά στις {{HH:mm}} ({{zone}}).\nΣύνδεση: {{roomUrl}}",
        ),
    },
}
