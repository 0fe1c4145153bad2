import uuid

from django.core.management.base import BaseCommand, CommandError

from notifications.management.progress import progress_bar
from notifications.pipeline.policy import policy_load
from notifications.pipeline.replan import appointments_replan, future_appointment_count, replan_impact
from tenants.models import Application


class Command(BaseCommand):
    help = (
        "Re-plan the pending REMINDER and ROOM deliveries of an application's future appointments "
        "under its templates and settings as they are now. Safe to run again: a second run changes "
        "nothing, and a run that was interrupted is finished by running it again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--application", required=True, help="application id")
        parser.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
        parser.add_argument("--batch-size", type=int, help="appointments per transaction (default 500)")

    def handle(self, *args, **options):
        application = _application(options["application"])
        batch_size = options["batch_size"]
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if options["dry_run"]:
            summary = replan_impact(
                application=application, policy=policy_load(application=application), batch_size=batch_size
            )
            self.stdout.write(f"dry run, nothing changed: {summary.line()}")
        else:
            total = future_appointment_count(application=application)
            with progress_bar(desc="re-planning", unit="appointment", total=total) as bar:
                summary = appointments_replan(
                    application=application, batch_size=batch_size, progress=bar.update if bar else None
                )
            self.stdout.write(summary.line())
        for line in _by_type_and_channel(summary.by_type_and_channel()):
            self.stdout.write(line)


def _by_type_and_channel(rows: list[dict[str, object]]) -> list[str]:
    return [
        f"  {row['type']} {row['channel']}: {row['added']} added, {row['moved']} moved, "
        f"{row['cancelled']} cancelled"
        for row in rows
    ]


def _application(value: str) -> Application:
    try:
        application_id = uuid.UUID(value.strip().strip('"'))
    except ValueError:
        raise CommandError(f"--application {value!r} is not an application id (a UUID)") from None
    application = Application.objects.filter(pk=application_id).first()
    if application is None:
        raise CommandError(f"no application {application_id}")
    return application
