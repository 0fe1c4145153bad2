"""Wrong guesses burn a code, never the customer; they are throttled per client address.

NIST SP 800-63B asks to throttle guessing rather than lock the account: anyone who
knows a customer's email or phone can make wrong guesses, so they must not keep the
customer from getting and using a new code.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from appointments.models import Appointment
from participants.models import CustomerCodeGuessCounter, CustomerOneTimeCode
from tests.appointments.helpers import schedule_body
from tests.participants.test_otp import basic_client, code_from_last_mail, request_code

BASIC_URL = "/api/appointments/basic"
ATTACKER = "198.51.100.66"
CUSTOMER = "203.0.113.5"


@pytest.fixture(autouse=True)
def _verified_email_sender(email_sender):
    """Codes travel through the application's verified email sender."""


def guess(application, code, *, user="bobby@example.com", address=ATTACKER):
    return basic_client(user, code).post(
        BASIC_URL, schedule_body(application), format="json", REMOTE_ADDR=address
    )


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_after_a_burnt_code_the_customer_gets_a_new_one_and_books(application, settings):
    request_code(application, address=CUSTOMER)
    burnt = code_from_last_mail()
    attacks = [guess(application, wrong(burnt)).status_code for _ in range(settings.OTP_MAX_ATTEMPTS)]

    renewed = request_code(application, address=CUSTOMER)
    booked = guess(application, code_from_last_mail(), address=CUSTOMER)

    assert attacks == [401] * settings.OTP_MAX_ATTEMPTS
    assert renewed.status_code == 200
    assert booked.status_code == 200, booked.json()


def test_wrong_guesses_are_limited_per_client_address(application, settings):
    settings.OTP_MAX_GUESSES_PER_ADDRESS = 3
    request_code(application, address=CUSTOMER)
    code = code_from_last_mail()

    statuses = [guess(application, wrong(code)).status_code for _ in range(3)]
    throttled = guess(application, code)  # even the right code, once the address is over its limit

    assert statuses == [401, 401, 401]
    assert throttled.status_code == 429
    body = throttled.json()
    assert (body["status"], body["error"]) == (429, "TooManyRequests")
    assert "guesses" in body["message"]
    assert not Appointment.objects.exists()
    # The throttled guess was not tried: it cost the code no attempt.
    assert CustomerOneTimeCode.objects.get().attempts == 3


def test_a_throttled_address_does_not_lock_the_customer_out(application, settings):
    settings.OTP_MAX_GUESSES_PER_ADDRESS = 2
    request_code(application, address=CUSTOMER)
    code = code_from_last_mail()
    for _ in range(3):
        guess(application, wrong(code))

    response = guess(application, code, address=CUSTOMER)

    assert response.status_code == 200, response.json()


def test_the_address_limit_spans_contacts_and_applications(application, other_application, settings):
    settings.OTP_MAX_GUESSES_PER_ADDRESS = 3
    request_code(application, address=CUSTOMER)
    code = code_from_last_mail()

    statuses = [
        guess(application, "000000", user="sue@example.com").status_code,
        guess(other_application, "000000", user="bobby@example.com").status_code,
        guess(application, "000000", user="+302102234988").status_code,  # no code was ever sent
        guess(application, code).status_code,
    ]

    assert statuses == [401, 401, 401, 429]


def test_right_guesses_do_not_use_up_the_address_limit(application, settings):
    settings.OTP_MAX_GUESSES_PER_ADDRESS = 1
    booked = []
    for email in ("ann@example.com", "ben@example.com", "cat@example.com"):
        request_code(application, email=email, address=CUSTOMER)
        booked.append(guess(application, code_from_last_mail(), user=email, address=CUSTOMER).status_code)

    assert booked == [200, 200, 200]


def test_the_address_limit_forgets_old_guesses(application, settings):
    settings.OTP_MAX_GUESSES_PER_ADDRESS = 1
    request_code(application, address=CUSTOMER)
    code = code_from_last_mail()
    guess(application, wrong(code))
    assert guess(application, wrong(code)).status_code == 429

    with time_machine.travel(timezone.now() + settings.OTP_RATE_WINDOW + timedelta(seconds=1)):
        request_code(application, address=CUSTOMER)
        response = guess(application, code_from_last_mail())

    assert response.status_code == 200, response.json()


def test_wrong_guesses_are_counted_in_the_database(application, settings):
    request_code(application, address=CUSTOMER)
    code = code_from_last_mail()

    guess(application, wrong(code))
    guess(application, wrong(code))

    counter = CustomerCodeGuessCounter.objects.get()
    assert (counter.client_address, counter.wrong_guesses) == (ATTACKER, 2)
