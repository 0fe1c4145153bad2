"""Contact details in the one form the service stores, compares and sends to: the whole tree's normaliser.

Customers' phones and emails (participants), senders' numbers and recipients
(notifications) all pass through here, so that one number is spelled one way.
"""

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from tenants.models import Application

E164_EXAMPLE = "+302102234988"


def normalize_phone(value: str, *, region: str | None = None) -> str:
    """A phone number in E.164 (+302102234988); ValueError when it is not a valid number.

    A number written without + and its country code is read as a number of
    `region` (ISO 3166 alpha-2); without a region such a number is refused.
    """
    text = (value or "").strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        hint = "" if region else f" in E.164 format such as {E164_EXAMPLE}"
        raise ValueError(f"{text!r} is not a phone number{hint}") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{text!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_customer_phone(value: str, *, application: Application | None) -> str:
    """A customer's number: one written nationally is read in the application's default region.

    Never a guessed region: 2102234988 is Greek to a Greek application and
    American to an American one, so an application without a region refuses it.
    """
    region = application.default_region if application is not None else ""
    try:
        return normalize_phone(value, region=region or None)
    except ValueError:
        text = (value or "").strip()
        if region or text.startswith("+"):
            raise
        raise ValueError(
            f"{text!r} has no country code and the application has no default region to read it in: "
            f"write it with + and its country code, such as {E164_EXAMPLE}"
        ) from None


def normalize_email(value: str) -> str:
    value = value.strip()
    try:
        validate_email(value)
    except ValidationError:
        raise ValueError(f"{value!r} is not an email address") from None
    return value
