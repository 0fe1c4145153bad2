"""Benchmark of the console's dashboard on PostgreSQL at a million appointments (not a test).

Seeds N appointments (default 1,000,000 over 50 applications, quarter-hour starts spread
over two years around now) with two participants each (the agent and a customer, whose
confirmations and waiting states vary) and two deliveries each (an email on booking and
an SMS reminder an hour before the start: sent, failed with a few reasons, cancelled,
pending in the future, and a small late backlog). Rows are made by PostgreSQL itself
(INSERT … SELECT over generate_series, secondary indexes dropped first and rebuilt
after, then VACUUM ANALYZE), so the same N gives the same rows.

Then it times the dashboard's whole data assembly (notifications.admin.dashboard.
dashboard_read, the ten queries the index page runs for it) for a supervisor of one
application, a supervisor of five and a superuser (all fifty), each query on its own
too, and writes p50/p95 with each query's plan summary (index or sequential scans) to
--json.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dashboard_bench .venv/bin/python bench/dashboard.py

The database must be PostgreSQL and is emptied of tenants first: give it one of its own.
--small seeds 20,000 appointments and runs 5 rounds (a minute). --reuse keeps the rows of
an earlier run.
"""

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
import uuid
import zoneinfo
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

# The project on the path before bench and the apps are imported (run as a script, only bench/ is).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from appointments.models import Appointment  # noqa: E402
from notifications.admin.dashboard import dashboard_read  # noqa: E402
from notifications.models import Delivery  # noqa: E402
from participants.models import Participant  # noqa: E402
from tenants.models import Application  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "docs" / "bench" / "dashboard.json"
ZONE = zoneinfo.ZoneInfo("Europe/Berlin")
APPLICATIONS = 50
DAYS = 730
# The ten queries of dashboard_read, in the order it runs them.
QUERY_NAMES = [
    "applications (names)",
    "appointments per day by state, next 14 days",
    "deliveries per day by channel and status, last 14 days",
    "top failure reasons, last 14 days",
    "no-show rate per week, 8 weeks",
    "confirmation rate per week, 8 weeks (customers)",
    "customers waiting",
    "appointments starting within the hour",
    "backlog: due, not sent",
    "oldest due row",
]
SCENARIOS = {"supervisor of 1 application": 1, "supervisor of 5 applications": 5, "superuser (all 50)": None}


@contextmanager
def _secondary_indexes_dropped(table: str):
    """Drop the table's secondary indexes for a bulk insert and build them again after it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        try:
            yield cursor
        finally:
            # Even when the insert fails: a table left without its indexes would skew every later run.
            for _name, definition in indexes:
                cursor.execute(definition)


def seed(appointments: int, now: datetime) -> float:
    """Empty the tenant tables and fill them; returns the seconds it took."""
    began = time.perf_counter()
    window_start = now - timedelta(days=DAYS // 2)
    slots = DAYS * 24 * 4 - 8
    params = {"n": appointments, "apps": APPLICATIONS, "start": window_start, "slots": slots, "now": now}
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE tenants_application, appointments_appointment, participants_participant, "
            "notifications_delivery CASCADE"
        )
    # Ids as PostgreSQL's md5('app' || k)::uuid below makes them.
    Application.objects.bulk_create(
        Application(
            id=uuid.UUID(hashlib.md5(f"app{k}".encode(), usedforsecurity=False).hexdigest()),
            name=f"Bench application {k:02d}",
            organization_id=f"bench-org-{k:02d}",
            notifications_active=True,
            confirmation_requests=True,
        )
        for k in range(APPLICATIONS)
    )
    # Appointment i: application i mod 50; a pseudo-random quarter-hour slot; mostly ended when past.
    with _secondary_indexes_dropped("appointments_appointment") as cursor:
        cursor.execute(
            """
            INSERT INTO appointments_appointment (id, application_id, organizer_id, organizer_type,
                title, notes,
                metadata, notification_headers, locale, timezone, start, duration, "end",
                notifications_active, interaction_state, routing_type, routing_properties, custom_fields,
                room_url, activated_at, version, sequence, no_show_at, created_at, updated_at)
            SELECT md5('appt' || i)::uuid, md5('app' || (i %% %(apps)s))::uuid,
                   'agent-' || (i %% 2000), 'AGENT', 'Call ' || i, '', '{}', '{}', 'en_US', 'Europe/Berlin',
                   s, interval '30 minutes', s + interval '30 minutes', true,
                   CASE WHEN s + interval '30 minutes' < %(now)s AND i %% 10 <> 0
                        THEN 'COMPLETE' ELSE 'PENDING' END,
                   'GENESYS_CLOUD_FLOW', '{}', '{}',
                   CASE WHEN s < %(now)s OR i %% 3 = 0 THEN 'https://video.example/' || i ELSE '' END,
                   CASE WHEN s < %(now)s OR i %% 3 = 0 THEN s - interval '10 minutes' END,
                   1, 0,
                   CASE WHEN s + interval '30 minutes' < %(now)s AND i %% 20 = 0
                        THEN s + interval '30 minutes' END,
                   s - interval '7 days', s - interval '7 days'
            FROM (
                SELECT i, %(start)s::timestamptz
                       + interval '15 minutes'
                       * ((('x' || substr(md5('slot' || i), 1, 8))::bit(32)::bigint) %% %(slots)s) AS s
                FROM generate_series(1, %(n)s) AS i
            ) AS slots
            """,
            params,
        )
    # The agent and a customer; customers of appointments near now wait, some confirmed or declined.
    with _secondary_indexes_dropped("participants_participant") as cursor:
        cursor.execute(
            """
            INSERT INTO participants_participant (application_id, appointment_id, participant_id, type,
                state, username, first_name,
                last_name, email, phone, metadata, state_changed_at, confirmation, confirmation_at,
                confirmation_channel, created_at, updated_at)
            SELECT a.application_id, a.id, a.organizer_id, 'AGENT', 'active', '', '', '', '', '', '{}',
                   NULL, 'NONE', NULL, '', a.created_at, a.created_at
            FROM appointments_appointment a
            """
        )
        cursor.execute(
            """
            INSERT INTO participants_participant (application_id, appointment_id, participant_id, type,
                state, username, first_name,
                last_name, email, phone, metadata, state_changed_at, confirmation, confirmation_at,
                confirmation_channel, created_at, updated_at)
            SELECT a.application_id, a.id, md5('customer' || a.id)::uuid::text, 'CUSTOMER',
                   CASE WHEN a.start BETWEEN %(now)s - interval '20 minutes'
                                         AND %(now)s + interval '5 minutes'
                        THEN 'WAITING' ELSE 'active' END,
                   '', 'Pat', 'Doe', substr(md5(a.id::text), 1, 12) || '@example.com', '', '{}',
                   a.start - interval '3 minutes',
                   CASE get_byte(decode(md5(a.id::text), 'hex'), 0) %% 5
                        WHEN 0 THEN 'CONFIRMED' WHEN 1 THEN 'CONFIRMED' WHEN 2 THEN 'DECLINED'
                        ELSE 'NONE' END,
                   NULL, '', a.created_at, a.created_at
            FROM appointments_appointment a
            """,
            params,
        )
    # An email when booked and an SMS reminder an hour before; past ones sent, some failed or cancelled.
    with _secondary_indexes_dropped("notifications_delivery") as cursor:
        cursor.execute(
            """
            INSERT INTO notifications_delivery (id, application_id, appointment_id, type, channel, recipient,
                participant_id, participant_ids, locale, due_at, original_due_at, due_note, status, attempts,
                max_attempts, last_error, cancel_reason, provider_message_id, provider_status, sent_at,
                appointment_version, created_at, updated_at)
            SELECT md5(kind || a.id)::uuid, a.application_id, a.id,
                   CASE kind WHEN 'email' THEN 'CREATE' ELSE 'REMINDER' END,
                   CASE kind WHEN 'email' THEN 'EMAIL' ELSE 'SMS' END,
                   'someone@example.com', 'customer', '[]'::jsonb, 'en_US', due, NULL, '', status,
                   CASE WHEN status IN ('SENT', 'FAILED') THEN 1 ELSE 0 END, 5,
                   CASE WHEN status = 'FAILED' THEN (ARRAY[
                        '21211 invalid ''To'' number +4915123456' || (h %% 90),
                        '550 <p' || (h %% 70) || '@example.com>: no such user',
                        '30003 unreachable destination handset',
                        'timed out talking to the provider'])[h %% 4 + 1]
                        ELSE '' END,
                   CASE WHEN status = 'CANCELLED' THEN 'the appointment was rescheduled' ELSE '' END,
                   '', '', CASE WHEN status = 'SENT' THEN due + interval '2 seconds' END, 1, due, due
            FROM (
                SELECT a.*, kind,
                       CASE kind WHEN 'email' THEN a.created_at ELSE a.start - interval '1 hour' END AS due,
                       get_byte(decode(md5(kind || a.id), 'hex'), 0) AS h
                FROM appointments_appointment a CROSS JOIN (VALUES ('email'), ('sms')) AS kinds(kind)
            ) AS a
            CROSS JOIN LATERAL (
                SELECT CASE
                    WHEN a.due > %(now)s THEN 'PENDING'
                    WHEN a.due > %(now)s - interval '20 minutes' AND a.h %% 4 = 0 THEN 'PENDING'
                    WHEN a.h %% 50 = 0 THEN 'FAILED'
                    WHEN a.h %% 50 = 1 THEN 'CANCELLED'
                    ELSE 'SENT' END AS status
            ) AS outcome
            """,
            params,
        )
    with connection.cursor() as cursor:
        for table in (
            "tenants_application",
            "appointments_appointment",
            "participants_participant",
            "notifications_delivery",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - began


def _plan_summary(sql: str) -> dict:
    """What PostgreSQL does for `sql`: its scans, and the tables it reads whole."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0][0]["Plan"]
    scans: list[str] = []
    whole: list[str] = []

    def walk(node: dict) -> None:
        if "Scan" in node["Node Type"]:
            scans.append(
                f"{node['Node Type']} {node.get('Index Name') or node.get('Relation Name', '')}".strip()
            )
            if node["Node Type"] == "Seq Scan":
                whole.append(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    return {"scans": scans, "sequential_scans": whole}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def measure(application_ids, now: datetime, rounds: int) -> dict:
    totals: list[float] = []
    per_query: list[list[float]] = [[] for _ in QUERY_NAMES]
    sql: list[str] = []
    dashboard_read(application_ids=application_ids, zone=ZONE, now=now)  # warm the caches once
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            dashboard_read(application_ids=application_ids, zone=ZONE, now=now)
            totals.append((time.perf_counter() - began) * 1000)
        queries = captured.captured_queries
        if len(queries) != len(QUERY_NAMES):
            raise SystemExit(f"expected {len(QUERY_NAMES)} queries, the dashboard ran {len(queries)}")
        for index, query in enumerate(queries):
            per_query[index].append(float(query["time"]) * 1000)
        sql = [query["sql"] for query in queries]
    return {
        "queries": len(QUERY_NAMES),
        "p50_ms": round(statistics.median(totals), 1),
        "p95_ms": round(_percentile(totals, 0.95), 1),
        "each": [
            {
                "query": name,
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(_percentile(times, 0.95), 1),
                **_plan_summary(statement),
            }
            for name, times, statement in zip(QUERY_NAMES, per_query, sql, strict=True)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--appointments", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--small", action="store_true", help="20,000 appointments, 5 rounds")
    parser.add_argument("--reuse", action="store_true", help="keep the rows an earlier run seeded")
    parser.add_argument("--json", default=str(OUT), help="where the figures go (default: the file docs cite)")
    options = parser.parse_args()
    if options.small:
        options.appointments, options.rounds = 20_000, 5
    if connection.vendor != "postgresql":
        raise SystemExit("the dashboard benchmark needs PostgreSQL: set DATABASE_URL")
    call_command("migrate", verbosity=0)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    seconds = None
    if not options.reuse:
        print(f"seeding {options.appointments:,} appointments …", flush=True)
        seconds = round(seed(options.appointments, now), 1)
        print(f"seeded in {seconds}s", flush=True)
    every = list(Application.objects.order_by("name").values_list("pk", flat=True))
    counts = {
        "appointments": Appointment.objects.count(),
        "participants": Participant.objects.count(),
        "deliveries": Delivery.objects.count(),
    }
    report = {
        "rows": counts,
        "applications": len(every),
        "seed_seconds": seconds,
        "rounds": options.rounds,
        "zone": str(ZONE),
        "postgres": _server_version(),
        "scenarios": {},
    }
    for name, how_many in SCENARIOS.items():
        ids = None if how_many is None else every[:how_many]
        result = measure(ids, datetime.now(UTC), options.rounds)
        report["scenarios"][name] = result
        print(f"{name}: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms", flush=True)
        for query in result["each"]:
            seq = (
                f"  (sequential: {', '.join(query['sequential_scans'])})" if query["sequential_scans"] else ""
            )
            print(f"    {query['p50_ms']:>8} / {query['p95_ms']:>8} ms  {query['query']}{seq}")
    Path(options.json).parent.mkdir(parents=True, exist_ok=True)
    Path(options.json).write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {options.json}")


def _server_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


if __name__ == "__main__":
    main()
