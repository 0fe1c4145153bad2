import uuid

from django.core.management.base import BaseCommand, CommandError

from core.api.fields import parse_datetime_utc
from notifications.management.progress import progress_bar
from notifications.models import DeliveryChannel, NotificationType
from notifications.pipeline.resend import notifications_resend
from notifications.serializers import PUBLIC_DELIVERY_STATUSES


class Command(BaseCommand):
    help = (
        "Queue fresh deliveries (new ids, due now) of the notifications that match; "
        "the matched ones are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--appointment", action="append", default=[], help="appointment id; repeatable")
        parser.add_argument("--type", help=", ".join(NotificationType.values))
        parser.add_argument("--channel", help=", ".join(DeliveryChannel.values))
        parser.add_argument("--status", help=", ".join(PUBLIC_DELIVERY_STATUSES))
        parser.add_argument("--since", help="due at or after this ISO 8601 time")
        parser.add_argument("--until", help="due before this ISO 8601 time")
        parser.add_argument("--dry-run", action="store_true", help="count the matches, queue nothing")
        parser.add_argument(
            "--include-unknown-outcome",
            action="store_true",
            help="also send again failures whose worker was lost during the provider call "
            "(they may have been delivered; held back by default)",
        )

    def handle(self, *args, **options):
        criteria = {
            "appointment_ids": [_uuid(value) for value in options["appointment"]],
            "type": _choice(options["type"], NotificationType.values, "--type"),
            "channel": _choice(options["channel"], DeliveryChannel.values, "--channel"),
            "status": _choice(options["status"], PUBLIC_DELIVERY_STATUSES, "--status"),
            "since": _moment(options["since"], "--since"),
            "until": _moment(options["until"], "--until"),
        }
        if criteria["since"] and criteria["until"] and criteria["since"] >= criteria["until"]:
            raise CommandError("--since must be before --until")
        criteria["include_outcome_unknown"] = options["include_unknown_outcome"]
        if options["dry_run"]:
            summary = notifications_resend(**criteria, dry_run=True)
            self.stdout.write(f"{summary.matched} deliveries match; dry run, nothing queued")
            self._held_back(summary.held_back)
            return
        with progress_bar(desc="resending", unit="delivery") as bar:
            summary = notifications_resend(**criteria, progress=bar.update if bar else None)
        self.stdout.write(
            f"{summary.matched} deliveries matched, {summary.queued} queued again, "
            f"{summary.skipped} skipped (appointment deleted)"
        )
        self._held_back(summary.held_back)

    def _held_back(self, count: int) -> None:
        if count:
            self.stdout.write(
                f"{count} held back: their worker was lost during the provider call, so they may have "
                "been delivered; --include-unknown-outcome sends them again too"
            )


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value.strip().strip('"'))
    except ValueError:
        raise CommandError(f"--appointment {value!r} is not an appointment id (a UUID)") from None


def _choice(value, choices, option: str):
    if value is None:
        return None
    value = value.strip().upper()
    if value not in choices:
        raise CommandError(f"{option} must be one of {', '.join(choices)}")
    return value


def _moment(value, option: str):
    if value is None:
        return None
    try:
        return parse_datetime_utc(value)
    except ValueError as exc:
        raise CommandError(f"{option}: {exc}") from None
