"""Optional error reports to Sentry, with personal data scrubbed before an event leaves the process.

Called from the settings only when SENTRY_DSN is set: without it the SDK is never
initialised and nothing is sent. Events keep ids and code locations; they lose the
request body, cookies, headers that authenticate, query strings, local variables, and
anything shaped like an email address or phone number in messages, exception values
and breadcrumbs.
"""

from typing import Any

from core.logs import scrub

_KEPT_HEADERS = {"content-type", "content-length", "user-agent", "x-request-id", "accept"}


def sentry_init(
    *, dsn: str, environment: str, release: str | None = None, traces_sample_rate: float = 0.0
) -> None:
    """Start the SDK with its Django, Celery and logging integrations (ERROR lines become events)."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=event_scrub,
        before_breadcrumb=breadcrumb_scrub,
    )


def event_scrub(event: Any, hint: Any = None) -> Any:
    """Remove personal data from an event; ids and stack frames stay."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("data", None)
        request.pop("cookies", None)
        request.pop("query_string", None)
        request["url"] = str(request.get("url", "")).split("?")[0]
        headers = request.get("headers") or {}
        request["headers"] = {k: v for k, v in headers.items() if k.lower() in _KEPT_HEADERS}
    event.pop("user", None)
    if isinstance(event.get("logentry"), dict):
        _scrub_keys(event["logentry"], ("message", "formatted"))
        event["logentry"].pop("params", None)
    if isinstance(event.get("message"), str):
        event["message"] = scrub(event["message"])
    for exception in (event.get("exception") or {}).get("values") or []:
        _scrub_keys(exception, ("value",))
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for crumb in (event.get("breadcrumbs") or {}).get("values") or []:
        breadcrumb_scrub(crumb)
    return event


def breadcrumb_scrub(crumb: Any, hint: Any = None) -> Any:
    _scrub_keys(crumb, ("message",))
    crumb.pop("data", None)  # SQL parameters, HTTP bodies
    return crumb


def _scrub_keys(mapping: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        if isinstance(mapping.get(key), str):
            mapping[key] = scrub(mapping[key])
