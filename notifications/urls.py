"""Routes under /api/notifications/; each path also answers with or without a trailing slash."""

from django.urls import path

from notifications import apis, crud_apis, delivery_apis


def _route(route: str, view, name: str) -> list:
    """The path as the documents spell it, plus its slash twin, kept out of the schema."""
    twin = route[:-1] if route.endswith("/") else f"{route}/"
    return [
        path(route, view.as_view(), name=name),
        path(twin, view.as_view(schema=None)),
    ]


urlpatterns = [
    *_route("emails/verify", apis.EmailVerifyApi, "notifications-emails-verify"),
    *_route("emails/confirm", apis.EmailConfirmApi, "notifications-emails-confirm"),
    *_route("emails/test", apis.EmailTestApi, "notifications-emails-test"),
    *_route("sms/verify", apis.SmsVerifyApi, "notifications-sms-verify"),
    *_route("sms/confirm", apis.SmsConfirmApi, "notifications-sms-confirm"),
    *_route("sms/test", apis.SmsTestApi, "notifications-sms-test"),
    *_route("tags", apis.TagListApi, "notifications-tags"),
    *_route("locales", apis.LocaleListApi, "notifications-locales"),
    *_route("templates/", crud_apis.TemplateListApi, "notifications-templates"),
    *_route("templates/impact", crud_apis.TemplateImpactApi, "notifications-templates-impact"),
    *_route("templates/<str:template_id>", crud_apis.TemplateDetailApi, "notifications-template"),
    *_route("webhooks/", crud_apis.WebhookListApi, "notifications-webhooks"),
    *_route("webhooks/<str:endpoint_id>", crud_apis.WebhookDetailApi, "notifications-webhook"),
    *_route("deliveries/", delivery_apis.DeliveryListApi, "notifications-deliveries"),
    *_route("twilio/status", delivery_apis.TwilioStatusApi, "notifications-twilio-status"),
    *_route("sms/inbound", delivery_apis.TwilioInboundApi, "notifications-sms-inbound"),
]
