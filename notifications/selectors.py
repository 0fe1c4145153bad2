"""Reads of notification settings: through the caller's application, or for one appointment."""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from appointments.models import Appointment
from core.errors import NotFound
from core.pages import Page, page_of
from notifications.models import (
    PUBLIC_STATUS,
    Delivery,
    NotificationTemplate,
    WebhookEndpoint,
    internal_statuses,
)
from notifications.templating import rendering
from notifications.templating.replies import reply_prompt_wanted
from notifications.templating.samples import (
    sample_appointment,
    sample_organizer,
    sample_recipient,
    sample_start,
)
from tenants.models import Application
from tenants.principal import Principal
from tenants.selectors import get_scoped_or_404, scoped


def application_for_request(*, principal: Principal, application_id: uuid.UUID | str) -> Application:
    """The application a request body names: only the caller's own; any other is not found."""
    if str(application_id) != str(principal.application_id):
        raise NotFound(f"application {application_id} not found")
    return principal.application


def template_list(
    *, principal: Principal, type: str | None = None, channel: str | None = None, locale: str | None = None
) -> QuerySet[NotificationTemplate]:
    queryset = scoped(NotificationTemplate.objects.all(), principal)
    filters = {"type": type, "channel": channel, "locale": locale}
    return queryset.filter(**{key: value for key, value in filters.items() if value})


def template_get(*, principal: Principal, template_id: uuid.UUID | str) -> NotificationTemplate:
    return get_scoped_or_404(NotificationTemplate.objects.all(), principal, label="template", pk=template_id)


def webhook_endpoint_list(*, principal: Principal) -> QuerySet[WebhookEndpoint]:
    return scoped(WebhookEndpoint.objects.all(), principal)


def webhook_endpoint_get(*, principal: Principal, endpoint_id: uuid.UUID | str) -> WebhookEndpoint:
    return get_scoped_or_404(WebhookEndpoint.objects.all(), principal, label="webhook", pk=endpoint_id)


def templates_for_appointment(
    *, appointment: Appointment, type: str, channel: str
) -> list[NotificationTemplate]:
    """The active templates to send for an appointment, each in the best locale available."""
    candidates = NotificationTemplate.objects.filter(
        application_id=appointment.application_id, type=type, channel=channel, active=True
    )
    return templates_chosen(list(candidates), appointment=appointment)


def templates_chosen(
    candidates: Iterable[NotificationTemplate], *, appointment: Appointment
) -> list[NotificationTemplate]:
    """Of the active templates of one type and channel, those to send for the appointment; reads nothing.

    REMINDER and ROOM may have several templates with different periods; the
    locale is chosen for each period on its own, so a reminder missing in one
    language still goes out in the fallback language.
    """
    by_period: defaultdict[timedelta | None, dict[str, NotificationTemplate]] = defaultdict(dict)
    for template in candidates:
        by_period[template.period][template.locale] = template
    chosen = []
    for templates in by_period.values():
        locale = rendering.choose_locale(
            requested=appointment.locale,
            available=templates,
            application_default=appointment.application.default_locale,
        )
        if locale:
            chosen.append(templates[locale])
    return sorted(chosen, key=lambda template: template.period or timedelta(0))


# Where a preview's sample customer is reached; never written to.
SAMPLE_EMAIL = "bobby.ewing@example.com"
SAMPLE_PHONE = "+302102234988"


def template_preview(template: NotificationTemplate, *, timezone_name: str) -> rendering.RenderedMessage:
    """The template rendered with the sample appointment, in the template's locale."""
    start = sample_start(now=timezone.now(), period=template.period)
    appointment = sample_appointment(
        application=template.application, start=start, timezone=timezone_name, locale=template.locale
    )
    recipient = sample_recipient(appointment, email=SAMPLE_EMAIL, phone=SAMPLE_PHONE)
    context = rendering.build_context(
        appointment=appointment,
        recipient=recipient,
        organizer=sample_organizer(appointment),
        locale=template.locale,
        with_reply_prompt=reply_prompt_wanted(template.application, template.channel),
    )
    return rendering.render_message(
        subject=template.subject, text_body=template.text_body, html_body=template.html_body, context=context
    )


def tag_catalogue(*, locale: str = rendering.FALLBACK_LOCALE) -> list[dict[str, str]]:
    """Every tag with its example, rendered at the fixed reference time."""
    appointment = sample_appointment(
        application=None, start=rendering.REFERENCE_MOMENT, timezone=rendering.REFERENCE_ZONE, locale=locale
    )
    context = rendering.build_context(
        appointment=appointment,
        recipient=sample_recipient(appointment),
        organizer=sample_organizer(appointment),
        locale=locale,
        with_reply_prompt=True,  # the example shows what the tag says when it is on
    )
    names = [
        *rendering.VALUE_TAGS,
        *rendering.NAMED_PATTERNS,
        rendering.ZONE_TAG,
        *rendering.EXAMPLE_PATTERNS,
    ]
    return [{"format": name, "example": rendering.render(f"{{{{{name}}}}}", context)} for name in names]


def locale_list(*, principal: Principal | None = None) -> list[dict[str, Any]]:
    """The locales templates may be written in; for a caller, how many active templates each has.

    The count shows an admin where a locale falls back (0: an appointment in it
    gets the next locale of the chain, see rendering.choose_locale). One query.
    """
    counts = _active_templates_by_locale(principal) if principal is not None else None
    listed: list[dict[str, Any]] = []
    for locale in rendering.supported_locales():
        item: dict[str, Any] = {"locale": locale, "description": rendering.locale_description(locale)}
        if counts is not None:
            item["activeTemplates"] = counts.get(locale, 0)
        listed.append(item)
    return listed


def _active_templates_by_locale(principal: Principal) -> dict[str, int]:
    rows = (
        scoped(NotificationTemplate.objects.filter(active=True), principal)
        .values_list("locale")
        .annotate(count=Count("id"))
        .order_by()
    )
    return dict(rows)


# --- deliveries ------------------------------------------------------------------------


def delivery_status_counts(*, appointment: Appointment) -> dict[str, int]:
    """The appointment's deliveries by public status (PENDING covers CLAIMED and SENDING); one query."""
    counts: dict[str, int] = {}
    rows = (
        Delivery.objects.filter(application_id=appointment.application_id, appointment_id=appointment.pk)
        .values_list("status")
        .annotate(count=Count("id"))
        .order_by()
    )
    for status, count in rows:
        public = PUBLIC_STATUS.get(status, status)
        counts[public] = counts.get(public, 0) + count
    return dict(sorted(counts.items()))


DELIVERY_SORT_FIELDS = {"dueAt": "due_at", "createdAt": "created_at", "sentAt": "sent_at"}


@dataclass(frozen=True)
class DeliveryFilters:
    appointment_id: uuid.UUID | None = None
    type: str | None = None
    channel: str | None = None
    status: str | None = None  # public: PENDING also matches CLAIMED and SENDING
    sort_field: str = "dueAt"
    sort_order: str = "desc"
    page_size: int = 25
    page_number: int = 1


DeliveryPage = Page[Delivery, DeliveryFilters]


def delivery_list(*, principal: Principal, filters: DeliveryFilters) -> DeliveryPage:
    """One page of the caller's application's deliveries; at most two queries whatever the page size."""
    queryset = scoped(Delivery.objects.all(), principal)
    if filters.appointment_id is not None:
        queryset = queryset.filter(appointment_id=filters.appointment_id)
    if filters.type:
        queryset = queryset.filter(type=filters.type)
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.status:
        queryset = queryset.filter(status__in=internal_statuses(filters.status))
    return page_of(queryset, order_by=DELIVERY_SORT_FIELDS[filters.sort_field], filters=filters)
