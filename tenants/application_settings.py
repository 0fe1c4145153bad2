"""An application's settings for reaching customers and supervising agents: one service, one event.

`GET/PATCH /api/applications/settings` (tenants/apis.py) and the Applications admin page
both change them through `application_settings_update`. Apps above tenants that must
react to a change, or refuse it (turning on `prevent_agent_overlap` while agents are
double-booked), subscribe to `APPLICATION_SETTINGS_CHANGED` in their `AppConfig.ready()`;
the handlers run in the update's transaction, so a refusal leaves nothing written.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Field

from core.errors import InvalidInput
from core.events import Event
from core.models import assign_changes
from tenants.models import Application

# The model fields the settings endpoint reads and writes, in the order it shows them.
SETTINGS_FIELDS = (
    "quiet_hours_start",
    "quiet_hours_end",
    "confirmation_requests",
    "sms_fallback_to_email",
    "short_links",
    "waiting_escalation_minutes",
    "prevent_agent_overlap",
)


@dataclass(frozen=True)
class ApplicationSettingsChanged:
    application: Application
    # Field name -> value before the change, for the fields that changed.
    previous: Mapping[str, Any]

    def turned_on(self, name: str) -> bool:
        return name in self.previous and not self.previous[name] and bool(getattr(self.application, name))


APPLICATION_SETTINGS_CHANGED: Event[ApplicationSettingsChanged] = Event(
    "tenants.application_settings_changed"
)


def quiet_hours(application: Application) -> tuple[time, time] | None:
    """The application's quiet window as (start, end) local wall-clock times, or None when off."""
    if application.quiet_hours_start is None or application.quiet_hours_end is None:
        return None
    return application.quiet_hours_start, application.quiet_hours_end


def application_setting_held(*, application_id: uuid.UUID, name: str) -> Any:
    """One setting as it is now, held against a change until the caller's transaction ends.

    For services that write by a setting and must not race a change of it. On PostgreSQL
    the row is read FOR KEY SHARE: it waits for an update in flight (which holds the row
    FOR UPDATE), holds off the next one until the caller commits, and lets other readers
    and writers of appointments go on. SQLite runs one writing transaction at a time
    (BEGIN IMMEDIATE, config/settings/base.py), so a plain read is already serialized.
    """
    if name not in SETTINGS_FIELDS:
        raise TypeError(f"{name} is not an application setting")
    if connection.vendor != "postgresql":
        return Application.objects.filter(pk=application_id).values_list(name, flat=True).first()
    quote = connection.ops.quote_name
    column = cast(Field, Application._meta.get_field(name)).column
    key = cast(Field, Application._meta.get_field("id")).column
    with connection.cursor() as cursor:
        # Django's ORM offers FOR UPDATE and FOR NO KEY UPDATE only; both would line up every writer.
        # The identifiers are the model's own (and `name` one of SETTINGS_FIELDS), quoted.
        cursor.execute(
            f"SELECT {quote(column)} FROM {quote(Application._meta.db_table)} "  # noqa: S608
            f"WHERE {quote(key)} = %s FOR KEY SHARE",
            [application_id],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


@transaction.atomic
def application_settings_update(*, application: Application, values: Mapping[str, Any]) -> Application:
    """Change some of the settings of SETTINGS_FIELDS; the others stay as they are.

    Validates the result as a whole (quiet hours need both ends), saves only the
    changed columns and publishes APPLICATION_SETTINGS_CHANGED when something
    changed. A subscriber's DomainError rolls the change back and reaches the caller.
    """
    locked = Application.objects.select_for_update().get(pk=application.pk)
    before = {name: getattr(locked, name) for name in SETTINGS_FIELDS}
    changed = assign_changes(locked, values, allowed=SETTINGS_FIELDS)
    if not changed:
        return locked
    try:
        locked.full_clean(exclude=[f.name for f in Application._meta.fields if f.name not in SETTINGS_FIELDS])
    except ValidationError as error:
        raise InvalidInput("; ".join(error.messages), fields=_camel_fields(error)) from error
    locked.save(update_fields=[*changed, "updated_at"])
    APPLICATION_SETTINGS_CHANGED.publish(
        ApplicationSettingsChanged(application=locked, previous={name: before[name] for name in changed})
    )
    return locked


def _camel_fields(error: ValidationError) -> dict[str, list[str]]:
    """Model validation errors keyed by the API's field names (quiet hours errors name quietHours)."""
    fields: dict[str, list[str]] = {}
    for name, messages in error.message_dict.items():
        key = "quietHours" if name.startswith("quiet_hours") or name == "__all__" else _camel(name)
        fields.setdefault(key, []).extend(messages)
    return fields


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
