"""Supervisor accounts of the admin console: who they are and which applications they run.

A supervisor is a staff user (never a superuser) in the "Supervisors" group with
one SupervisorMembership per application. The group carries the model
permissions, and only the group: none is given to a supervisor directly or through
another group, so the console shows them only what they manage. The memberships
decide which rows those permissions reach (tenants/admin_scoping.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q

from core.errors import Conflict, InvalidInput
from tenants.models import SupervisorMembership
from tenants.selectors import application_get

if TYPE_CHECKING:
    from django.contrib.auth.models import User  # settings.AUTH_USER_MODEL

SUPERVISORS_GROUP = "Supervisors"

_MANAGE = ("view", "add", "change", "delete")

# What a supervisor may do, per model label. Labels whose app or model is not
# installed yet are skipped, so the group grows as features land: run
# `create_supervisor` again (or supervisor_group_sync) after migrating.
SUPERVISOR_MODEL_PERMISSIONS: dict[str, tuple[str, ...]] = {
    # Supervisors tune their applications but never create or remove one.
    "tenants.application": ("view", "change"),
    "appointments.appointment": _MANAGE,
    "participants.participant": _MANAGE,
    "notifications.notificationtemplate": _MANAGE,
    "notifications.webhookendpoint": _MANAGE,
    # Sender identities change only through the verify/confirm flow.
    "notifications.channelsender": ("view",),
    # The delivery log is an audit trail: read it, never rewrite it.
    "notifications.delivery": ("view",),
    # Opting a number back in removes its opt-out row (notifications.pipeline.feedback.sms_opt_in).
    "notifications.smsoptout": ("view", "delete"),
}


def supervised_application_ids(*, user: User | AnonymousUser) -> frozenset[uuid.UUID]:
    """Ids of the applications `user` supervises (empty for anyone else)."""
    if not user.is_authenticated:
        return frozenset()
    return frozenset(SupervisorMembership.objects.filter(user=user).values_list("application_id", flat=True))


def supervisor_permission_filter() -> Q:
    """SUPERVISOR_MODEL_PERMISSIONS as a filter on Permission rows (a model not installed matches none).

    By app label and model name only, so that migrations can use it on their historical models.
    """
    wanted = Q(pk__in=[])
    for label, actions in SUPERVISOR_MODEL_PERMISSIONS.items():
        app_label, _, model_name = label.partition(".")
        codenames = [f"{action}_{model_name}" for action in actions]
        wanted |= Q(content_type__app_label=app_label, content_type__model=model_name, codename__in=codenames)
    return wanted


@transaction.atomic
def supervisor_group_sync() -> Group:
    """Create or refresh the Supervisors group so it holds exactly SUPERVISOR_MODEL_PERMISSIONS."""
    group, _ = Group.objects.get_or_create(name=SUPERVISORS_GROUP)
    group.permissions.set(Permission.objects.filter(supervisor_permission_filter()))
    return group


def _permissions_from_group_only(user, group: Group) -> None:
    # A permission ticked by hand (on the user, or through another group) would show
    # the supervisor models they cannot use: Celery beat's schedules, users, groups.
    user.user_permissions.clear()
    user.groups.set([group])


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(value.strip() for value in values))


def _validated_user(user, *, email: str, password: str | None):
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput.for_field("email", f"{email!r} is not an email address")
    user.email = email
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        fields = {name: list(messages) for name, messages in exc.message_dict.items()}
        summary = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in fields.items())
        raise InvalidInput(summary, fields=fields)
    if password is not None:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise InvalidInput.for_field("password", " ".join(exc.messages))
    return user


@transaction.atomic
def supervisor_upsert(
    *,
    username: str,
    email: str,
    application_ids: Sequence[str],
    password: str | None = None,
):
    """Create or update a staff user who supervises exactly `application_ids`.

    Running it again with another list moves the supervisor to those
    applications; the password is only changed when one is given, and a new
    account without one cannot log in until a superuser sets it. Permissions
    given to the user by hand are taken back: the Supervisors group is their only source.
    """
    username, email = username.strip(), email.strip()
    if not username:
        raise InvalidInput.for_field("username", "must not be empty")
    wanted_ids = _unique(application_ids)
    if not wanted_ids or not all(wanted_ids):
        raise InvalidInput.for_field("application", "give at least one application id")
    applications = [application_get(application_id=app_id) for app_id in wanted_ids]

    user_model = get_user_model()
    user = user_model.objects.select_for_update().filter(**{user_model.USERNAME_FIELD: username}).first()
    if user is not None and user.is_superuser:
        # Silently demoting a superuser would lock someone out of the whole console.
        raise Conflict(f"user {username} is a superuser; a supervisor must be a separate account")
    if user is None:
        user = user_model(**{user_model.USERNAME_FIELD: username})
    user.is_staff = True
    user.is_active = True
    _validated_user(user, email=email, password=password)
    if password is not None:
        user.set_password(password)
    elif user._state.adding:
        user.set_unusable_password()
    user.save()

    _permissions_from_group_only(user, supervisor_group_sync())
    SupervisorMembership.objects.filter(user=user).exclude(application__in=applications).delete()
    for application in applications:
        SupervisorMembership.objects.get_or_create(user=user, application=application)
    return user
