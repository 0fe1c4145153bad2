"""Reads of an application's verified senders."""

from core.errors import ServiceUnavailable
from notifications.models import ChannelSender
from tenants.models import Application


def sender_get(*, application: Application, channel: str) -> ChannelSender | None:
    """The application's verified sender for a channel, or None."""
    return ChannelSender.objects.filter(application=application, channel=channel).first()


def sender_require(*, application: Application, channel: str) -> ChannelSender:
    """The application's verified sender; 404 (ServiceUnavailable) when the channel is not set up."""
    sender = sender_get(application=application, channel=channel)
    if sender is None:
        raise ServiceUnavailable(f"the {channel} channel of application {application.pk} is not verified")
    return sender
