"""/readyz: the database, the broker and the beat's freshness, each timed; 503 naming what failed."""

import shutil
import socket
import subprocess
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from notifications.metrics import tick_heartbeat_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def filesystem_broker(settings, tmp_path):
    folder = tmp_path / "broker" / "queue"
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    return folder


@pytest.fixture
def fresh_tick():
    tick_heartbeat_record()


def readyz():
    response = Client().get("/readyz")
    return response.status_code, response.json()


def test_ready_when_every_check_passes(filesystem_broker, fresh_tick):
    status, body = readyz()

    assert status == 200, body
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "broker", "beat"}
    for check in body["checks"].values():
        assert check["ok"] is True and isinstance(check["ms"], float) and "error" not in check


def test_a_stale_beat_fails_readiness(filesystem_broker, settings):
    settings.READINESS_BEAT_MAX_AGE_SECONDS = 60
    tick_heartbeat_record(now=timezone.now() - timedelta(seconds=61))

    status, body = readyz()

    assert status == 503
    assert body["failing"] == ["beat"]
    assert "the last dispatch tick ran 61s ago (limit 60s)" in body["checks"]["beat"]["error"]


def test_no_tick_yet_is_not_ready(filesystem_broker):
    status, body = readyz()

    assert (status, body["failing"]) == (503, ["beat"])
    assert body["checks"]["beat"]["error"] == "no dispatch tick has run yet"


def test_the_embedded_broker_fails_when_its_folder_cannot_take_a_message(filesystem_broker, fresh_tick):
    assert readyz()[0] == 200
    # The filesystem broker's equivalent of a stopped server: its queue folder is gone and a
    # file stands in its place, so no message can be written (root ignores permission bits).
    shutil.rmtree(filesystem_broker)
    filesystem_broker.write_text("not a folder")

    status, body = readyz()

    assert status == 503 and body["failing"] == ["broker"]
    assert body["checks"]["broker"]["ok"] is False and "not writable" in body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["ok"] is True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path):
    """A Redis server of this test's own, so stopping it disturbs no other test."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (CI installs it with .ci/services.sh)")
    port = _free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield server, f"redis://127.0.0.1:{port}/0"
    if server.poll() is None:
        server.kill()
    server.wait(timeout=10)


def test_a_stopped_redis_broker_fails_readiness_naming_it(own_redis, settings, fresh_tick):
    server, url = own_redis
    settings.CELERY_BROKER_URL = url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    settings.READINESS_CHECK_TIMEOUT_SECONDS = 1
    assert readyz()[0] == 200

    server.terminate()
    server.wait(timeout=10)
    started = time.monotonic()
    status, body = readyz()

    assert status == 503 and body["failing"] == ["broker"]
    assert "Connection refused" in body["checks"]["broker"]["error"]
    assert time.monotonic() - started < 5  # a dead broker costs the probe about its timeout at most


def test_healthz_stays_cheap_and_ignores_the_broker_and_beat(filesystem_broker):
    shutil.rmtree(filesystem_broker, ignore_errors=True)
    filesystem_broker.parent.mkdir(parents=True, exist_ok=True)
    filesystem_broker.write_text("not a folder")

    response = Client().get("/healthz")

    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}
