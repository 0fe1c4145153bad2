"""Twenty requests at once, over real HTTP, on a real SQLite file with its real locks.

The suite's SQLite test database lives in memory, in a shared cache whose table locks
do not wait like a file's; this module copies it into a file and serves the API from a
threaded WSGI server on loopback, whose request threads each open their own
connection with the project's DATABASES options, as a web server in production
does. On PostgreSQL the test database is used as it is.
"""

import base64
import json
import sqlite3
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connections
from django.test.testcases import LiveServerThread, _StaticFilesHandler

from appointments.models import Appointment
from participants.models import CustomerCodeGuessCounter, CustomerOneTimeCode
from tests.appointments.helpers import schedule_body
from tests.participants.test_otp import code_from_last_mail, request_code

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PARALLEL = 20


@pytest.fixture
def database_for_threads(transactional_db, email_sender, tmp_path):
    """The test database as threads of a real server see it: on SQLite, a file of its own."""
    original = connections["default"]
    if original.vendor != "sqlite" or not original.is_in_memory_db():
        yield
        return
    original.ensure_connection()
    path = tmp_path / "otp.sqlite3"
    copy = sqlite3.connect(path)
    original.connection.backup(copy)  # the migrated schema and the fixtures' rows
    copy.close()
    settings_dict = {**original.settings_dict, "NAME": str(path)}
    connections.settings["default"] = settings_dict  # what every new thread connects with
    connections["default"] = original.__class__(settings_dict, alias="default")
    yield
    connections["default"].close()
    connections.settings["default"] = original.settings_dict
    connections["default"] = original


@pytest.fixture
def server_url(database_for_threads):
    """A threaded WSGI server on loopback; each request thread opens and closes its own connection."""
    server = LiveServerThread("127.0.0.1", _StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    yield f"http://127.0.0.1:{server.port}"
    server.terminate()


def post_json(url: str, body: dict, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def post_basic(url: str, user: str, code: str, body: dict) -> int:
    credentials = base64.b64encode(f"{user}:{code}".encode()).decode()
    return post_json(f"{url}/api/appointments/basic", body, {"Authorization": f"Basic {credentials}"})


def in_parallel(send: Callable[[], int], count: int) -> Counter[int]:
    """Call `send` from `count` threads released at once; the count of each status."""
    barrier = threading.Barrier(count)
    statuses: list[int] = []

    def run() -> None:
        barrier.wait(timeout=30)
        statuses.append(send())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == count, "a request did not finish"
    return Counter(statuses)


def guess_in_parallel(url: str, user: str, codes: list[str], body: dict) -> Counter[int]:
    """Send one guess per code, all at once; the count of each status."""
    pending = iter(codes)
    return in_parallel(lambda: post_basic(url, user, next(pending), body), len(codes))


def wrong_codes(code: str, count: int) -> list[str]:
    return [f"{(int(code) + offset) % 10**6:06d}" for offset in range(1, count + 1)]


def test_parallel_wrong_guesses_are_each_counted_and_none_fails(application, server_url, settings):
    settings.OTP_MAX_ATTEMPTS = 100
    settings.OTP_MAX_GUESSES_PER_ADDRESS = 100
    request_code(application)
    code = code_from_last_mail()

    statuses = guess_in_parallel(
        server_url, "bobby@example.com", wrong_codes(code, PARALLEL), schedule_body(application)
    )

    assert statuses == {401: PARALLEL}
    assert CustomerOneTimeCode.objects.get().attempts == PARALLEL


def test_parallel_wrong_guesses_stop_at_the_attempt_limit(application, server_url, settings):
    settings.OTP_MAX_ATTEMPTS = 5
    settings.OTP_MAX_GUESSES_PER_ADDRESS = 100
    request_code(application)
    code = code_from_last_mail()

    statuses = guess_in_parallel(
        server_url, "bobby@example.com", wrong_codes(code, PARALLEL), schedule_body(application)
    )

    assert statuses == {401: PARALLEL}
    assert CustomerOneTimeCode.objects.get().attempts == settings.OTP_MAX_ATTEMPTS
    # Burnt: the right code comes too late.
    assert post_basic(server_url, "bobby@example.com", code, schedule_body(application)) == 401


def test_the_right_code_sent_in_parallel_books_once(application, server_url, settings):
    settings.OTP_MAX_ATTEMPTS = 100
    request_code(application)
    code = code_from_last_mail()

    statuses = guess_in_parallel(
        server_url, "bobby@example.com", [code] * PARALLEL, schedule_body(application)
    )

    assert statuses == {200: 1, 401: PARALLEL - 1}
    assert Appointment.objects.count() == 1
    assert CustomerOneTimeCode.objects.get().used_at is not None


def test_parallel_guesses_stop_at_the_address_limit(application, server_url, settings):
    settings.OTP_MAX_ATTEMPTS = 100
    settings.OTP_MAX_GUESSES_PER_ADDRESS = 10
    request_code(application)
    code = code_from_last_mail()

    statuses = guess_in_parallel(
        server_url, "bobby@example.com", wrong_codes(code, PARALLEL), schedule_body(application)
    )

    assert statuses == {401: 10, 429: PARALLEL - 10}
    assert CustomerCodeGuessCounter.objects.get(client_address="127.0.0.1").wrong_guesses == 10
    # Only the admitted guesses were tried against the code.
    assert CustomerOneTimeCode.objects.get().attempts == 10


def test_parallel_code_requests_all_succeed(application, server_url, settings):
    settings.OTP_MAX_PER_ADDRESS = 100
    emails = iter([f"customer{n}@example.com" for n in range(PARALLEL)])
    url = f"{server_url}/api/appointments/basic/otp"

    statuses = in_parallel(
        lambda: post_json(url, {"applicationId": str(application.pk), "email": next(emails)}), PARALLEL
    )

    assert statuses == {200: PARALLEL}
    assert CustomerOneTimeCode.objects.count() == PARALLEL
