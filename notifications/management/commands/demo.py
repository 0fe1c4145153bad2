import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications.models import Channel, ChannelSender, DomainProof, NotificationType
from notifications.senders.domains import dns_token_new
from notifications.services import template_create
from tenants.models import Application
from tenants.roles import Role
from tenants.services import application_create, token_mint

DEMO_NAME = "Demo application"
DEMO_ORG = "demo-org"


class Command(BaseCommand):
    help = "Development only: ensure a demo application and admin user, then print tokens to try the API."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo is for development: run it with DEBUG=1")
        application = Application.objects.filter(name=DEMO_NAME, organization_id=DEMO_ORG).first()
        if application is None:
            application = application_create(
                name=DEMO_NAME, organization_id=DEMO_ORG, notifications_active=True
            )
            _seed_notifications(application)
        password = self._ensure_admin()
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
            "Tokens (valid 7 days):",
            *[f"  {role.value:<20} {token}" for role, token in tokens.items()],
            "",
            "Try it:",
            f"  curl -s -H 'Authorization: Bearer {tokens[Role.AGENT]}' \\",
            f"       -H 'Content-Type: application/json' {base}/api/appointments/ \\",
            f'       -d \'{{"applicationId": "{application.pk}", "start": "2030-01-31T19:00:00Z",'
            f' "duration": "PT30M", "timezone": "Europe/Berlin", "title": "Demo call"}}\'',
            f"  curl -s -H 'Authorization: Bearer {tokens[Role.AGENT]}' {base}/api/appointments/",
            "",
            "Bookings with a customer email or phone send notifications; with no EMAIL_HOST or",
            "Twilio credentials they are printed in var/log/worker.log.",
            "",
            f"Admin console: {base}/admin/  user 'admin'"
            + (f", password '{password}'" if password else " (password unchanged)"),
            f"API docs:      {base}/api/docs/",
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
    greeting = "Dear {{firstName}},\n\n"
    when = "{{EEEE dd MMMM yyyy}} at {{time24}} ({{zone}})"
    emails = {
        NotificationType.CREATE: (
            "Your video appointment: {{title}}",
            f"your video call is booked for {when}.",
        ),
        NotificationType.UPDATE: ("Changed: {{title}}", f"your video call now takes place on {when}."),
        NotificationType.CANCEL: ("Cancelled: {{title}}", f"your video call of {when} is cancelled."),
    }
    for type_, (subject, sentence) in emails.items():
        template_create(
            application=application,
            type=type_,
            channel=Channel.EMAIL,
            locale="en_US",
            subject=subject,
            text_body=f"{greeting}{sentence}\n\nJoin: {{{{roomUrl}}}}\nCalendar: {{{{icsUrl}}}}",
        )
    template_create(
        application=application,
        type=NotificationType.REMINDER,
        channel=Channel.SMS,
        locale="en_US",
        text_body=f"Reminder: your video call {{{{title}}}} starts {when}. {{{{roomUrl}}}}",
        period=timedelta(hours=1),
    )
