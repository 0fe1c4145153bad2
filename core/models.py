from collections.abc import Collection, Mapping
from typing import Any

from django.db import models


class TimeStampedModel(models.Model):
    """Every row knows when it was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def assign_changes(
    instance: models.Model, values: Mapping[str, Any], *, allowed: Collection[str] | None = None
) -> list[str]:
    """Set the fields of `instance` whose stored value differs from `values`; return their names.

    The names are what `save(update_fields=[*changed, "updated_at"])` needs, so
    that a write touches only the columns it changed. `allowed` refuses (TypeError)
    a field a service does not let its callers change.
    """
    if allowed is not None:
        unknown = set(values) - set(allowed)
        if unknown:
            raise TypeError(f"{type(instance).__name__} fields {sorted(unknown)} cannot be changed here")
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    return changed
