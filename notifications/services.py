"""Writes of notification settings (templates, webhook endpoints) and test sends of a template text.

Senders and their verification are in notifications.senders; the delivery
pipeline in notifications.pipeline.
"""

import copy
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.api.fields import format_duration
from core.errors import Conflict, InvalidInput
from core.models import assign_changes
from notifications.backends.base import SendResult
from notifications.backends.webhook import url_refusal_reason
from notifications.models import (
    TIMED_TYPES,
    Channel,
    NotificationTemplate,
    WebhookEndpoint,
    WebhookEvent,
)
from notifications.pipeline.policy import policy_load, policy_with_template
from notifications.pipeline.replan import ReplanSummary, replan_impact
from notifications.senders.services import direct_message_send
from notifications.templating import rendering
from notifications.templating.replies import reply_prompt_wanted
from notifications.templating.samples import (
    sample_appointment,
    sample_organizer,
    sample_recipient,
    sample_start,
)
from tenants.models import Application

# Errors name fields as the API does; services are the API's vocabulary.
API_FIELD_NAMES = {"subject": "subject", "text_body": "textBody", "html_body": "htmlBody"}
TEMPLATE_FIELDS = frozenset(
    {"type", "channel", "locale", "subject", "text_body", "html_body", "period", "active"}
)
WEBHOOK_FIELDS = frozenset({"url", "events", "secret", "active"})
MIN_SECRET_LENGTH = 16


def _refuse(errors: dict[str, list[str]]) -> None:
    if errors:
        summary = "; ".join(f"{field}: {messages[0]}" for field, messages in errors.items())
        raise InvalidInput(summary, fields=errors)


def _tag_errors(*, subject: str, text_body: str, html_body: str) -> dict[str, list[str]]:
    errors = rendering.template_errors(subject=subject, text_body=text_body, html_body=html_body)
    return {API_FIELD_NAMES[field]: messages for field, messages in errors.items()}


# --- templates -----------------------------------------------------------------


def template_create(
    *,
    application: Application,
    type: str,
    channel: str,
    locale: str,
    subject: str = "",
    text_body: str = "",
    html_body: str = "",
    period: timedelta | None = None,
    active: bool = True,
) -> NotificationTemplate:
    template = NotificationTemplate(
        application=application,
        type=type,
        channel=channel,
        locale=locale,
        subject=subject,
        text_body=text_body,
        html_body=html_body,
        period=period,
        active=active,
    )
    _template_check(template)
    _template_save(template)
    return template


def template_update(*, template: NotificationTemplate, **changes: Any) -> NotificationTemplate:
    changed = assign_changes(template, changes, allowed=TEMPLATE_FIELDS)
    _template_check(template)
    _template_save(template, update_fields=[*changed, "updated_at"])
    return template


def template_delete(*, template: NotificationTemplate) -> None:
    template.delete()


def template_change_impact(
    *,
    application: Application,
    template: NotificationTemplate | None,
    values: Mapping[str, Any],
    delete: bool = False,
) -> ReplanSummary:
    """What saving `values` onto `template` (None: a new one), or deleting it, does to booked appointments.

    Checked as saving it would be (400 naming the field, 409 for a duplicate); nothing
    is written. Only a replan (`appointments_replan`) changes the appointments' rows.
    """
    proposed = template_proposed(application=application, template=template, values=values, delete=delete)
    policy = policy_with_template(policy_load(application=application), template=proposed, delete=delete)
    return replan_impact(application=application, policy=policy)


def template_proposed(
    *,
    application: Application,
    template: NotificationTemplate | None,
    values: Mapping[str, Any],
    delete: bool = False,
) -> NotificationTemplate:
    """The template as a save of `values` would leave it, checked like one; not saved."""
    if template is None:
        if delete:
            raise InvalidInput.for_field("id", "name the template whose deletion to preview")
        proposed = NotificationTemplate(application=application, **values)
    else:
        proposed = copy.copy(template)
        assign_changes(proposed, values, allowed=TEMPLATE_FIELDS)
    if not delete:
        _template_check(proposed)
        try:
            proposed.validate_constraints()
        except ValidationError as error:
            raise Conflict("; ".join(error.messages)) from None
    return proposed


def _template_check(template: NotificationTemplate) -> None:
    errors = _tag_errors(subject=template.subject, text_body=template.text_body, html_body=template.html_body)
    if template.locale not in rendering.supported_locales():
        errors["locale"] = [
            f"{template.locale} is not a supported locale (see GET /api/notifications/locales)"
        ]
    if template.type in TIMED_TYPES:
        if template.period is None:
            errors["period"] = ["is required for REMINDER and ROOM templates"]
        elif template.period <= timedelta(0):
            errors["period"] = ["must be longer than zero"]
    elif template.period is not None:
        errors["period"] = ["applies only to REMINDER and ROOM templates"]
    if template.channel == Channel.SMS:
        if not template.text_body:
            errors.setdefault("textBody", ["is required for SMS templates"])
        if template.html_body:
            errors.setdefault("htmlBody", ["is not used by SMS templates; leave it empty"])
        if template.subject:
            errors.setdefault("subject", ["is not used by SMS templates; leave it empty"])
    else:
        if not template.subject:
            errors.setdefault("subject", ["is required for EMAIL templates"])
        if not (template.text_body or template.html_body):
            errors.setdefault("textBody", ["textBody or htmlBody is required for EMAIL templates"])
    _refuse(errors)


def _template_save(template: NotificationTemplate, update_fields: Sequence[str] | None = None) -> None:
    try:
        with transaction.atomic():
            template.save(update_fields=update_fields)
    except IntegrityError:
        period = f" and period {format_duration(template.period)}" if template.period else ""
        raise Conflict(
            f"a {template.type} {template.channel} template for {template.locale}{period} already exists"
        ) from None


# --- webhook endpoints ---------------------------------------------------------


def webhook_endpoint_create(
    *, application: Application, url: str, events: list[str], secret: str = "", active: bool = True
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(application=application, url=url, events=events, secret=secret, active=active)
    _webhook_endpoint_check(endpoint)
    endpoint.events = list(dict.fromkeys(endpoint.events))
    endpoint.save()
    return endpoint


def webhook_endpoint_update(*, endpoint: WebhookEndpoint, **changes: Any) -> WebhookEndpoint:
    changed = assign_changes(endpoint, changes, allowed=WEBHOOK_FIELDS)
    _webhook_endpoint_check(endpoint)
    endpoint.events = list(dict.fromkeys(endpoint.events))
    endpoint.save(update_fields=[*changed, "updated_at"])
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


def _webhook_endpoint_check(endpoint: WebhookEndpoint) -> None:
    errors: dict[str, list[str]] = {}
    reason = url_refusal_reason(endpoint.url)
    if reason:
        errors["url"] = [reason]
    unknown = [event for event in endpoint.events if event not in WebhookEvent.values]
    if not endpoint.events:
        errors["events"] = ["name at least one event"]
    elif unknown:
        errors["events"] = [f"unknown event {unknown[0]}; events are {', '.join(WebhookEvent.values)}"]
    if not endpoint.secret:
        errors["secret"] = ["is required: every delivery is signed with it"]
    elif len(endpoint.secret) < MIN_SECRET_LENGTH:
        errors["secret"] = [f"must be at least {MIN_SECRET_LENGTH} characters long"]
    _refuse(errors)


def notification_test_send(
    *,
    application: Application,
    channel: str,
    to: str,
    type: str,
    locale: str,
    timezone_name: str,
    period: timedelta | None = None,
    subject: str = "",
    text_body: str = "",
    html_body: str = "",
) -> SendResult:
    """Render a template text with a sample appointment and send it to `to` now."""
    errors = _tag_errors(subject=subject, text_body=text_body, html_body=html_body)
    if type in TIMED_TYPES and period is None:
        errors["period"] = ["is required for REMINDER and ROOM notifications"]
    _refuse(errors)
    start = sample_start(now=timezone.now(), period=period if type in TIMED_TYPES else None)
    appointment = sample_appointment(
        application=application, start=start, timezone=timezone_name, locale=locale
    )
    recipient = sample_recipient(
        appointment, email=to if channel == Channel.EMAIL else "", phone=to if channel == Channel.SMS else ""
    )
    context = rendering.build_context(
        appointment=appointment,
        recipient=recipient,
        organizer=sample_organizer(appointment),
        locale=locale,
        with_reply_prompt=reply_prompt_wanted(application, channel),
    )
    rendered = rendering.render_message(
        subject=subject, text_body=text_body, html_body=html_body, context=context
    )
    return direct_message_send(
        application=application,
        channel=channel,
        to=to,
        subject=rendered.subject,
        text_body=rendered.text_body,
        html_body=rendered.html_body,
    )


def template_test_send(template: NotificationTemplate, *, to: str, timezone_name: str) -> SendResult:
    """Send the template now, exactly as POST /api/notifications/emails/test (or sms/test) would."""
    return notification_test_send(
        application=template.application,
        channel=template.channel,
        to=to,
        type=template.type,
        locale=template.locale,
        timezone_name=timezone_name,
        period=template.period,
        subject=template.subject,
        text_body=template.text_body,
        html_body=template.html_body,
    )
