"""A large, realistic appointment history loaded into PostgreSQL with COPY (for the API benchmark).

Applications own equal shares of the agents and appointments; every agent
organizes the same number of appointments, spread over `days` around now in
quarter-hour slots, each with its agent and a customer as participants. Rows are
generated with a fixed seed, so two loads of the same size hold the same data.
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import connection

from appointments.models import Appointment
from participants.models import Participant
from tenants.models import Application

TIME_ZONES = ["Europe/Berlin", "America/New_York", "Europe/London", "Asia/Tokyo", "America/Sao_Paulo"]
DURATIONS = [timedelta(minutes=minutes) for minutes in (15, 30, 45, 60)]
SLOT = timedelta(minutes=15)


@dataclass
class Agent:
    user_id: str
    application: Application
    appointments: list[tuple[uuid.UUID, datetime]] = field(default_factory=list)  # (id, start)


@dataclass
class Dataset:
    applications: list[Application]
    agents: list[Agent]

    @property
    def appointments(self) -> int:
        return sum(len(agent.appointments) for agent in self.agents)


def load(*, appointments: int, applications: int, agents: int, days: int = 730, seed: int = 1) -> Dataset:
    """Empty the tenant tables and COPY a fresh history of `appointments` into them."""
    if agents % applications or appointments % agents:
        raise ValueError("agents must divide evenly over applications, and appointments over agents")
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    window_start, window_end = now - timedelta(days=days // 2), now + timedelta(days=days - days // 2)
    slots = int((window_end - window_start) / SLOT) - 8  # the longest duration still ends in the window
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE tenants_application, appointments_appointment, participants_participant CASCADE"
        )
    apps = [
        Application(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            name=f"Bench application {n:02d}",
            organization_id=f"bench-org-{n:02d}",
            created_at=window_start,
            updated_at=window_start,
        )
        for n in range(applications)
    ]
    Application.objects.bulk_create(apps)
    people = [
        Agent(user_id=f"agent-{n:02d}-{k:03d}", application=app)
        for n, app in enumerate(apps)
        for k in range(agents // applications)
    ]
    per_agent = appointments // agents
    _copy(
        Appointment,
        [
            "id",
            "application_id",
            "organizer_id",
            "organizer_type",
            "title",
            "notes",
            "metadata",
            "notification_headers",
            "locale",
            "timezone",
            "start",
            "duration",
            "end",
            "notifications_active",
            "interaction_state",
            "routing_type",
            "routing_properties",
            "custom_fields",
            "room_url",
            "version",
            "sequence",
            "created_at",
            "updated_at",
        ],
        _appointment_rows(people, per_agent, rng, window_start, slots, now),
    )
    _copy(
        Participant,
        [
            "application_id",
            "appointment_id",
            "participant_id",
            "type",
            "state",
            "username",
            "first_name",
            "last_name",
            "email",
            "phone",
            "metadata",
            "created_at",
            "updated_at",
        ],
        _participant_rows(people, rng, window_start),
    )
    with connection.cursor() as cursor:
        for model in (Application, Appointment, Participant):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return Dataset(applications=apps, agents=people)


def _appointment_rows(people, per_agent, rng, window_start, slots, now):
    for agent in people:
        for _ in range(per_agent):
            key = uuid.UUID(int=rng.getrandbits(128), version=4)
            start = window_start + SLOT * rng.randrange(slots)
            agent.appointments.append((key, start))
            duration = rng.choice(DURATIONS)
            end = start + duration
            state = "COMPLETE" if end < now and rng.random() < 0.9 else "PENDING"
            yield (
                key, agent.application.pk, agent.user_id, "AGENT", f"Call {key.hex[:8]}", "", "{}",
                "{}", "en_US", rng.choice(TIME_ZONES), start, duration, end, True, state,
                "GENESYS_CLOUD_FLOW", '{"deploymentId": "bench"}', "{}", "", 1, 0,
                start - timedelta(days=7), start - timedelta(days=7),
            )  # fmt: skip


def _participant_rows(people, rng, window_start):
    for agent in people:
        for key, _start in agent.appointments:
            yield (agent.application.pk, key, agent.user_id, "AGENT", "active", "", "", "", "", "", "{}",
                   window_start, window_start)  # fmt: skip
            customer = uuid.UUID(int=rng.getrandbits(128), version=4)
            yield (agent.application.pk, key, str(customer), "CUSTOMER", "active", "", "Pat", "Doe",
                   f"{customer.hex[:12]}@example.com", "", "{}", window_start, window_start)  # fmt: skip


def _copy(model, columns: list[str], rows) -> None:
    """COPY rows into the model's table, its secondary indexes dropped first and rebuilt after."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        names = ", ".join(f'"{column}"' for column in columns)
        with cursor.cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        for _name, definition in indexes:
            cursor.execute(definition)


def existing() -> Dataset:
    """The history a previous load left in the database (plus whatever the benchmark created since)."""
    apps = {app.pk: app for app in Application.objects.filter(name__startswith="Bench application ")}
    people: dict[str, Agent] = {}
    rows = (
        Appointment.objects.filter(application__in=list(apps))
        .order_by("organizer_id", "start", "id")
        .values_list("application_id", "organizer_id", "id", "start")
    )
    for application_id, organizer_id, key, start in rows.iterator(chunk_size=20_000):
        agent = people.get(organizer_id)
        if agent is None:
            agent = people[organizer_id] = Agent(user_id=organizer_id, application=apps[application_id])
        agent.appointments.append((key, start))
    return Dataset(applications=list(apps.values()), agents=list(people.values()))
