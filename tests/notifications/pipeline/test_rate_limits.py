"""Per-provider rate limits: a burst waits for the next second instead of meeting the provider's 429s."""

import os
import socket
import time

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_counts
from notifications.pipeline import rate_limits
from notifications.pipeline.rate_limits import RateLimiter


class FakeClock:
    """Time that passes only when someone sleeps."""

    def __init__(self, start: float = 1_000.25):
        self.now = start
        self.pauses: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.pauses.append(round(seconds, 3))
        self.now += seconds


def test_a_burst_waits_for_the_next_second_once_the_budget_is_spent():
    clock = FakeClock()
    limiter = RateLimiter({"SMS": 3, "EMAIL": 0}, clock=clock.time, sleep=clock.sleep)

    waits = [limiter.wait("SMS") for _ in range(7)]

    assert waits[:3] == [0, 0, 0] and waits[3] == pytest.approx(0.75)
    assert clock.pauses == [0.75, 1.0]  # seconds 1000, 1001 full; the 7th goes out at 1002
    assert limiter.wait("EMAIL") == 0 and limiter.wait("WEBHOOK") == 0  # uncapped channels never wait


def test_an_unreachable_store_falls_back_to_counting_in_the_process():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clock = FakeClock()
    limiter = RateLimiter(
        {"SMS": 1}, redis_url=f"redis://127.0.0.1:{port}/0", clock=clock.time, sleep=clock.sleep
    )

    assert [limiter.wait("SMS") for _ in range(2)] == [0, pytest.approx(0.75)]


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real Redis (REDIS_URL; CI starts one)")
def test_workers_share_one_budget_through_redis():
    clock = FakeClock(start=float(int(time.time())) + 0.5)  # a second no earlier run used
    url = os.environ["REDIS_URL"]
    first = RateLimiter({"SMS": 2}, redis_url=url, clock=clock.time, sleep=clock.sleep)
    second = RateLimiter({"SMS": 2}, redis_url=url, clock=clock.time, sleep=clock.sleep)

    assert first.wait("SMS") == 0 and second.wait("SMS") == 0
    assert second.wait("SMS") == pytest.approx(0.5)  # the other worker's send counted too


def test_the_pipeline_waits_before_taking_a_row(templates, schedule, twilio_fake, time_machine, monkeypatch):
    from datetime import timedelta

    from notifications.models import Delivery
    from notifications.pipeline.sending import deliveries_send
    from participants.services import CustomerDetails
    from tests.notifications.pipeline.conftest import NOW

    for n in range(3):
        schedule(customer=CustomerDetails(first_name="C", phone=f"+30693122{n:04d}"))
    time_machine.move_to(NOW + timedelta(seconds=1), tick=False)
    clock = FakeClock()
    limiter = RateLimiter({"SMS": 1}, clock=clock.time, sleep=clock.sleep)
    monkeypatch.setattr(rate_limits, "_limiter", [limiter])

    creates = Delivery.objects.filter(type="CREATE", channel="SMS")
    assert deliveries_send(delivery_ids=[d.pk for d in creates]) == {"sent": 3}
    assert clock.pauses == [0.75, 1.0] and len(twilio_fake.requests) == 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", {}), ("SMS=100", {"SMS": 100}), ("sms=5, EMAIL=0", {"SMS": 5, "EMAIL": 0})],
)
def test_rates_are_read_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("NOTIFICATIONS_RATE_LIMITS", value)
    assert env_counts("NOTIFICATIONS_RATE_LIMITS", {}) == expected


@pytest.mark.parametrize("value", ["SMS", "SMS=fast", "=3", "SMS=-1"])
def test_a_bad_rate_is_refused_by_name(monkeypatch, value):
    monkeypatch.setenv("NOTIFICATIONS_RATE_LIMITS", value)
    with pytest.raises(ImproperlyConfigured, match="NOTIFICATIONS_RATE_LIMITS"):
        env_counts("NOTIFICATIONS_RATE_LIMITS", {})
