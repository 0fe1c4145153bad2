"""Phone numbers in E.164, the only form Twilio and our senders take."""

import phonenumbers


def normalize_phone_number(value: str, *, region: str | None = None) -> str:
    """Return the number as E.164 (+302102234988); raise ValueError when it is not a valid number.

    Without a region the number must start with + and its country code.
    """
    text = (value or "").strip()
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValueError("must be a phone number in E.164 format such as +302102234988") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(f"{text!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
