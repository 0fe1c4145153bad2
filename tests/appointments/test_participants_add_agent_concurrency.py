"""Two simultaneous requests adding the same agent: the database constraint lets one through."""

import threading

import pytest
from django.db import connection, connections

from participants.models import Participant
from tests.appointments.helpers import client_with
from tests.factories import ApplicationFactory, AppointmentFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite runs one writer at a time, so the two requests cannot race",
)


def post_in_thread(client, body, barrier, results):
    try:
        barrier.wait(timeout=10)
        results.append(client.post("/api/appointments/participants/agents/", body, format="json").status_code)
    finally:
        connections.close_all()  # each thread used its own connection


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_two_concurrent_adds_give_one_200_and_one_409(round_):
    application = ApplicationFactory()
    appointment = AppointmentFactory(application=application, organizer_id="agent-1")
    body = {"id": str(appointment.pk), "userId": "agent-2"}
    clients = [client_with("ROLE_AGENT", application=application) for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list[int] = []
    threads = [threading.Thread(target=post_in_thread, args=(c, body, barrier, results)) for c in clients]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == [200, 409]
    assert Participant.objects.filter(appointment=appointment, participant_id="agent-2").count() == 1
