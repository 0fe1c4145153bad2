"""Overlap counting agrees with a brute-force oracle over random schedules."""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appointments.models import Appointment, InteractionState
from appointments.selectors import appointment_overlap_count
from tests.appointments.helpers import later
from tests.factories import ApplicationFactory

# Minutes on a small grid, so that touching and nested intervals come up often.
slots = st.tuples(
    st.integers(min_value=0, max_value=48),  # start, in 5-minute steps
    st.integers(min_value=1, max_value=12),  # duration, in 5-minute steps
    st.booleans(),  # completed
)


def oracle(rows, start, end) -> int:
    return sum(1 for s, e, completed in rows if not completed and s < end and e > start)


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(slots, max_size=12), query=slots, noise=st.lists(slots, max_size=3))
def test_overlap_count_matches_the_oracle(db, rows, query, noise):
    application = ApplicationFactory()
    elsewhere = ApplicationFactory()  # another tenant's appointments must never count
    intervals = []
    for target, items in ((application, rows), (elsewhere, noise)):
        for step, length, completed in items:
            start, end = later(5 * step), later(5 * (step + length))
            Appointment.objects.create(
                application=target,
                organizer_id="agent-1",
                start=start,
                duration=end - start,
                end=end,
                timezone="UTC",
                routing_type="GENESYS_CLOUD_FLOW",
                interaction_state=InteractionState.COMPLETE if completed else InteractionState.PENDING,
            )
            if target is application:
                intervals.append((start, end, completed))
    query_start, query_length, _ = query

    counted = appointment_overlap_count(
        application_id=application.pk,
        organization_id=application.organization_id,
        start=later(5 * query_start),
        duration=timedelta(minutes=5 * query_length),
    )

    assert counted == oracle(intervals, later(5 * query_start), later(5 * (query_start + query_length)))
