"""The calendar links read the appointment id only as a 36-character hyphenated UUID (either case).

Another spelling is the documented 400 naming `id`, as for any id that is not a UUID.
"""

import pytest

ICAL = "/api/cal/events/ical/{}/event"
GOOGLE = "/api/cal/events/google/{}/event"
SUCCESS = {ICAL: 200, GOOGLE: 302}
SPELLINGS = {
    "braces": lambda value: f"{{{value}}}",
    "urn": lambda value: f"urn:uuid:{value}",
    "bare-hex": lambda value: str(value).replace("-", ""),
}


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("path", [ICAL, GOOGLE])
def test_an_id_spelled_otherwise_is_named(api_client, appointment, path, spelling):
    response = api_client.get(path.format(SPELLINGS[spelling](appointment.pk)))

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["id"]


@pytest.mark.parametrize("path", [ICAL, GOOGLE])
def test_upper_case_hex_is_the_same_appointment(api_client, appointment, path):
    response = api_client.get(path.format(str(appointment.pk).upper()))

    assert response.status_code == SUCCESS[path]
