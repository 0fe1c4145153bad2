"""core.events: handlers run in order, in the publisher's call, and their failures reach the publisher."""

import pytest

from core.events import Event, NoSubscriber


def test_handlers_run_in_the_order_they_subscribed_with_the_payload():
    event: Event[str] = Event("test.ordered")
    heard = []
    event.subscribe(lambda payload: heard.append(("first", payload)))
    event.subscribe(lambda payload: heard.append(("second", payload)))

    event.publish("hello")

    assert heard == [("first", "hello"), ("second", "hello")]


def test_subscribing_twice_runs_the_handler_once_and_unsubscribe_stops_it():
    event: Event[int] = Event("test.once")
    heard = []
    event.subscribe(heard.append)
    event.subscribe(heard.append)

    event.publish(1)
    event.unsubscribe(heard.append)
    event.publish(2)

    assert heard == [1]


def test_a_failing_handler_stops_the_rest_and_reaches_the_publisher():
    event: Event[str] = Event("test.failing")
    heard = []

    def refuse(payload: str) -> None:
        raise ValueError(f"refused {payload}")

    event.subscribe(refuse)
    event.subscribe(heard.append)

    with pytest.raises(ValueError, match="refused x"):
        event.publish("x")
    assert heard == []


def test_an_optional_event_may_go_unheard_a_required_one_may_not():
    Event("test.optional").publish("nobody listens")

    with pytest.raises(NoSubscriber, match="test.required"):
        Event("test.required", required=True).publish("nobody listens")


def test_the_apps_subscribe_at_start_up():
    from appointments.changes import APPOINTMENT_CHANGED
    from notifications.pipeline.planning import deliveries_plan_for_change
    from notifications.senders.services import one_time_code_send
    from participants.otp import ONE_TIME_CODE_ISSUED

    assert deliveries_plan_for_change in APPOINTMENT_CHANGED.handlers
    assert one_time_code_send in ONE_TIME_CODE_ISSUED.handlers
