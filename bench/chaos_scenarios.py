"""The scenarios of bench/chaos.py: seed a batch, inject one fault, wait, count (Django is set up)."""

import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.metadata import version

from django.conf import settings
from django.db import DatabaseError, InterfaceError, connection
from django.utils import timezone

from bench.chaos_fleet import PROJECT, Fleet, LogWatch, Services

OPEN = ("PENDING", "CLAIMED", "SENDING")
CUSTOMERS_PER_APPOINTMENT = 5
LEAD = 3.0  # seconds between seeding and the first row falling due


@dataclass
class Batch:
    application_id: object
    index: int
    first_due: datetime
    last_due: datetime
    appointments: list[tuple[object, datetime]]  # (appointment id, due time of its first row)

    def email(self, person: int) -> str:
        return f"s{self.index}c{person}@example.com"

    def phone(self, person: int) -> str:
        return f"+30693{self.index}{person:06d}"

    def owns(self, recipient: str) -> bool:
        return recipient.startswith((f"s{self.index}c", f"+30693{self.index}"))


def seed(*, name: str, index: int, count: int, spread: float) -> Batch:
    """`count` REMINDER rows, half email half SMS, one per recipient, due over `spread` s from now + LEAD."""
    from appointments.models import Appointment
    from notifications.models import ChannelSender, Delivery, NotificationTemplate
    from participants.models import Participant
    from tenants.models import Application

    application = Application.objects.create(
        name=f"chaos-{name}", organization_id=f"chaos-{index}", notifications_active=True
    )
    now = timezone.now()
    senders = ChannelSender.objects
    senders.create(application=application, channel="EMAIL", domain="chaos.example", verified_at=now)
    senders.create(application=application, channel="SMS", from_number="+302102234988", verified_at=now)
    templates = {
        channel: NotificationTemplate.objects.create(
            application=application, type="REMINDER", channel=channel, locale="en_US",
            period=timedelta(hours=1),
            subject="Reminder: {{title}}" if channel == "EMAIL" else "",
            text_body="Hi {{firstName}}, {{title}} starts at {{HH:mm}} {{zone}}.",
        )
        for channel in ("EMAIL", "SMS")
    }  # fmt: skip
    batch = Batch(application.pk, index, now, now, [])
    customers = count // 2
    start = now + timedelta(hours=2)
    appointments = Appointment.objects.bulk_create(
        Appointment(
            application=application, organizer_id="agent", title=f"Call {n}", timezone="Europe/Berlin",
            start=start, duration=timedelta(minutes=30), end=start + timedelta(minutes=30),
            routing_type="GENESYS_CLOUD_FLOW",
        )
        for n in range(-(-customers // CUSTOMERS_PER_APPOINTMENT))
    )  # fmt: skip
    Participant.objects.bulk_create(
        Participant(
            application=application, appointment=appointments[p // CUSTOMERS_PER_APPOINTMENT],
            participant_id=f"c{p}", type="CUSTOMER", first_name=f"C{p}",
            email=batch.email(p), phone=batch.phone(p),
        )
        for p in range(customers)
    )  # fmt: skip
    first_due = timezone.now() + timedelta(seconds=LEAD)
    rows = []
    for i in range(count):
        channel, person = ("EMAIL", "SMS")[i % 2], i // 2
        appointment = appointments[person // CUSTOMERS_PER_APPOINTMENT]
        due = first_due + timedelta(seconds=spread * i / count)
        if not batch.appointments or batch.appointments[-1][0] != appointment.pk:
            batch.appointments.append((appointment.pk, due))
        rows.append(
            Delivery(
                application=application, appointment_id=appointment.pk, type="REMINDER", channel=channel,
                template=templates[channel], participant_id=f"c{person}", participant_ids=[f"c{person}"],
                locale="en_US", recipient=batch.email(person) if channel == "EMAIL" else batch.phone(person),
                due_at=due, max_attempts=5,
            )
        )  # fmt: skip
    Delivery.objects.bulk_create(rows, batch_size=2000)
    batch.first_due, batch.last_due = first_due, rows[-1].due_at
    return batch


def _sleep_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - timezone.now()).total_seconds()))


# --- faults: each returns (recovery time, notes) --------------------------------------------


def fault_baseline(batch: Batch, args, fleet: Fleet, services: Services):
    return batch.last_due, {}


def fault_worker_kill(batch: Batch, args, fleet: Fleet, services: Services):
    """kill -9 the worker (its whole process group) that has just received a dispatch tick."""
    _sleep_until(batch.first_due + timedelta(seconds=args.spread * 0.4))
    watches = {name: LogWatch(fleet.log(name)) for name in fleet.workers()}
    victim, mid_tick = None, False
    deadline = time.monotonic() + 5 * args.interval
    while victim is None and time.monotonic() < deadline:
        for name, watch in watches.items():
            lines = watch.new_lines()
            received = {_task_id(line) for line in lines if "dispatch_tick[" in line and "received" in line}
            done = {_task_id(line) for line in lines if "dispatch_tick[" in line and "succeeded" in line}
            if received - done:
                victim, mid_tick = name, True
                break
        time.sleep(0.005)
    victim = victim or fleet.workers()[0]
    _wait_for_claim(batch, since=timezone.now() - timedelta(seconds=0.5))
    fleet.kill9(victim)
    killed_at = timezone.now()
    at_kill = _open_counts(batch)
    time.sleep(1.0)  # compose's restart policy brings the container back about this fast
    fleet.start(victim)
    notes = {"killed": victim, "mid_tick": mid_tick, "killed_at": killed_at.isoformat()}
    return timezone.now(), {**notes, "rows_open_at_kill": at_kill}


def fault_redis_outage(batch: Batch, args, fleet: Fleet, services: Services):
    _sleep_until(batch.first_due + timedelta(seconds=args.spread * 0.3))
    services.run("stop-redis")
    stopped = timezone.now()
    time.sleep(args.redis_outage)
    services.run("start-redis")
    return timezone.now(), {"redis_down_s": round((timezone.now() - stopped).total_seconds(), 1)}


def fault_pg_restart(batch: Batch, args, fleet: Fleet, services: Services):
    """Stop PostgreSQL right after a worker logged a finished tick; start it again --pg-outage s later."""
    _sleep_until(batch.first_due + timedelta(seconds=args.spread * 0.4))
    watches = [LogWatch(fleet.log(name)) for name in fleet.workers()]
    deadline = time.monotonic() + 5 * args.interval
    after_tick = False
    while not after_tick and time.monotonic() < deadline:
        lines = [line for watch in watches for line in watch.new_lines()]
        after_tick = any("dispatch_tick[" in line and "succeeded" in line for line in lines)
        time.sleep(0.005)
    connection.close()
    services.run("stop-pg")
    stopped = timezone.now()
    time.sleep(args.pg_outage)
    services.run("start-pg")
    down = round((timezone.now() - stopped).total_seconds(), 1)
    return timezone.now(), {"after_tick": after_tick, "pg_down_s": down}


def fault_reschedule_delete_race(batch: Batch, args, fleet: Fleet, services: Services):
    """Each appointment, just as its reminders fall due: even ones moved a day on, odd ones deleted."""
    from appointments.models import Appointment
    from appointments.services import appointment_delete, appointment_reschedule

    rng = random.Random(batch.index)
    plan = sorted(
        (due + timedelta(seconds=rng.uniform(0, args.interval + 0.5)), n, pk)
        for n, (pk, due) in enumerate(batch.appointments)
    )
    done = Counter()
    for moment, n, pk in plan:
        _sleep_until(moment)
        appointment = Appointment.objects.get(pk=pk)
        if n % 2 == 0:
            appointment_reschedule(
                appointment=appointment, start=appointment.start + timedelta(days=1),
                duration=appointment.duration, timezone=appointment.timezone,
            )  # fmt: skip
            done["rescheduled"] += 1
        else:
            appointment_delete(appointment=appointment)
            done["deleted"] += 1
    return timezone.now(), dict(done)


def _wait_for_claim(batch: Batch, *, since: datetime, timeout: float = 1.0) -> None:
    """Until the tick has committed a claim (rows CLAIMED since `since`): its sends are being queued."""
    from notifications.models import Delivery

    claimed = Delivery.objects.filter(
        application_id=batch.application_id, status="CLAIMED", updated_at__gte=since
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not claimed.exists():
        time.sleep(0.002)


def _task_id(line: str) -> str:
    return line.partition("[")[2].partition("]")[0]


def _open_counts(batch: Batch) -> dict[str, int]:
    from notifications.models import Delivery

    for _ in range(3):
        try:
            rows = Delivery.objects.filter(application_id=batch.application_id, status__in=OPEN)
            return dict(Counter(rows.values_list("status", flat=True)))
        except (DatabaseError, InterfaceError):
            connection.close()
            time.sleep(0.5)
    return {}


# --- one scenario ---------------------------------------------------------------------------


def run(name: str, *, index: int, args, fleet: Fleet, services: Services, smtp, twilio) -> dict:
    batch = seed(name=name, index=index, count=args.rows, spread=args.spread)
    recovered, notes = globals()[f"fault_{name}"](batch, args, fleet, services)
    connection.close()  # the fault may have cut it
    settled_at = _wait(batch, end_by=max(recovered, batch.last_due) + timedelta(seconds=args.settle))
    result = measure(batch, smtp=smtp, twilio=twilio)
    result["recovered_at"] = recovered.isoformat()
    result["settled_after_recovery_s"] = (
        None if settled_at is None else round(max(0.0, (settled_at - recovered).total_seconds()), 1)
    )
    result["exited"] = [vars(exit) for exit in fleet.exits()]
    result.update(notes)
    return result


def _wait(batch: Batch, *, end_by: datetime) -> datetime | None:
    """Until every row of the batch is due and settled (its time), or `end_by` (None)."""
    from notifications.models import Delivery

    while timezone.now() < end_by:
        try:
            open_rows = Delivery.objects.filter(
                application_id=batch.application_id, status__in=OPEN, due_at__lte=timezone.now()
            ).exists()
        except (DatabaseError, InterfaceError):
            connection.close()
            open_rows = True
        if not open_rows and timezone.now() > batch.last_due:
            return timezone.now()
        time.sleep(0.5)
    return None


def measure(batch: Batch, *, smtp, twilio) -> dict:
    from notifications.models import Delivery

    now = timezone.now()
    rows = list(
        Delivery.objects.filter(application_id=batch.application_id, due_at__lte=now).values(
            "recipient", "status", "due_at", "last_error"
        )
    )
    arrivals: dict[str, list[float]] = {}
    for recipient, at in [*smtp.arrivals, *twilio.arrivals]:
        if batch.owns(recipient):
            arrivals.setdefault(recipient, []).append(at)
    due_per_recipient = Counter(row["recipient"] for row in rows)
    received = {row["recipient"] for row in rows if arrivals.get(row["recipient"])}
    lateness = sorted(
        min(arrivals[row["recipient"]]) - row["due_at"].timestamp()
        for row in rows
        if row["status"] != "CANCELLED" and row["recipient"] in received
    )
    statuses = Counter(row["status"] for row in rows)
    return {
        "rows_due": len(rows),
        "received": sum(len(times) for times in arrivals.values()),
        "duplicates": sum(max(0, len(times) - due_per_recipient[r]) for r, times in arrivals.items()),
        "lost": sum(1 for row in rows if row["status"] != "CANCELLED" and row["recipient"] not in received),
        "stale": sum(1 for row in rows if row["status"] == "CANCELLED" and row["recipient"] in received),
        "stuck_after_recovery": sum(statuses[status] for status in OPEN),
        "statuses": dict(statuses),
        "failed_delivered_anyway": sum(
            1 for row in rows if row["status"] == "FAILED" and row["recipient"] in received
        ),
        "failed_errors": dict(Counter(row["last_error"][:90] for row in rows if row["status"] == "FAILED")),
        "p50_lateness_s": _round(statistics.median(lateness)) if lateness else None,
        "p99_lateness_s": _round(_p99(lateness)) if lateness else None,
        "max_lateness_s": _round(lateness[-1]) if lateness else None,
        "late_over_60s": sum(1 for late in lateness if late > 60),
    }  # fmt: skip


def _p99(ordered: list[float]) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _round(seconds: float) -> float:
    return round(seconds, 2)


# --- the report -----------------------------------------------------------------------------


def report(args, results: dict, *, wall_time_s: float) -> dict:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git("rev-parse", "HEAD"),
        "working_tree_changed": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "command": "bench/chaos.py " + " ".join(sys.argv[1:]),
        "versions": _versions(),
        "settings": {
            "rows_per_scenario": args.rows,
            "spread_s": args.spread,
            "redis_outage_s": args.redis_outage,
            "pg_outage_s": args.pg_outage,
            "settle_s": args.settle,
            "workers": args.workers,
            "worker_concurrency": args.concurrency,
            "beats": args.beats,
            "tick_interval_s": args.interval,
            "claim_lease_s": settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS,
            "send_lease_s": settings.NOTIFICATIONS_SEND_LEASE_SECONDS,
        },  # fmt: skip
        "wall_time_s": round(wall_time_s),
        "scenarios": results,
    }


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=PROJECT, capture_output=True, text=True)
    return done.stdout.strip()


def _versions() -> dict[str, str]:
    found = {"python": sys.version.split()[0]}
    for package in ("celery", "kombu", "redis", "django", "django-celery-beat", "psycopg"):
        found[package] = version(package)
    found["redis-server"] = (
        subprocess.run(["redis-server", "--version"], capture_output=True, text=True)
        .stdout.split()[2]
        .removeprefix("v=")
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        found["postgresql"] = cursor.fetchone()[0].split()[0]
    return found


def print_table(report: dict) -> None:
    print("| scenario | due | duplicates | lost | stale | stuck | p50 / p99 / max lateness | exited |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in report["scenarios"].items():
        exited = ", ".join(f"{e['name']} ({e['code']})" for e in r["exited"]) or "none"
        print(
            f"| {name} | {r['rows_due']} | {r['duplicates']} | {r['lost']} | {r['stale']} | "
            f"{r['stuck_after_recovery']} | {r['p50_lateness_s']} / {r['p99_lateness_s']} / "
            f"{r['max_lateness_s']} s | {exited} |"
        )
