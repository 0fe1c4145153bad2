"""The benchmarks' data: one application with verified senders, templates and due reminders."""

from datetime import datetime, timedelta

from django.utils import timezone


def seed_reminders(count: int, *, lead: float, spread: float) -> datetime:
    """N due reminders, half email half SMS, two per customer, ten customers an appointment.

    The first falls due `lead` seconds from now, the rest evenly over `spread` seconds.
    Every earlier delivery and the previous "bench" application are deleted first.
    """
    from appointments.models import Appointment
    from notifications.models import ChannelSender, Delivery, NotificationTemplate
    from participants.models import Participant
    from tenants.models import Application

    Delivery.objects.all().delete()
    Application.objects.filter(name="bench").delete()
    application = Application.objects.create(name="bench", organization_id="bench", notifications_active=True)
    now = timezone.now()
    ChannelSender.objects.create(
        application=application, channel="EMAIL", domain="bench.example", verified_at=now
    )
    ChannelSender.objects.create(
        application=application, channel="SMS", from_number="+302102234988", verified_at=now
    )
    templates = {
        channel: NotificationTemplate.objects.create(
            application=application, type="REMINDER", channel=channel, locale="en_US",
            period=timedelta(hours=1),
            subject="Reminder: {{title}}" if channel == "EMAIL" else "",
            text_body="Hi {{firstName}}, {{title}} starts at {{HH:mm}} {{zone}}. {{icsUrl}}",
        )
        for channel in ("EMAIL", "SMS")
    }  # fmt: skip
    customers = count // 2
    start = now + timedelta(hours=2)
    appointments = Appointment.objects.bulk_create(
        Appointment(
            application=application, organizer_id="agent", title=f"Call {n}", timezone="Europe/Berlin",
            start=start, duration=timedelta(minutes=30), end=start + timedelta(minutes=30),
            routing_type="GENESYS_CLOUD_FLOW",
        )
        for n in range(-(-customers // 10))
    )  # fmt: skip
    Participant.objects.bulk_create(
        Participant(
            application=application, appointment=appointments[i // 10], participant_id=f"c{i}",
            type="CUSTOMER",
            first_name=f"C{i}", email=f"c{i}@example.com", phone=f"+306931{i:06d}",
        )
        for i in range(customers)
    )  # fmt: skip
    first_due = now + timedelta(seconds=lead)
    rows = []
    for i in range(count):
        channel, person = ("EMAIL", "SMS")[i % 2], i // 2
        rows.append(
            Delivery(
                application=application, appointment_id=appointments[person // 10].pk, type="REMINDER",
                channel=channel, template=templates[channel], participant_id=f"c{person}", locale="en_US",
                recipient=f"c{person}@example.com" if channel == "EMAIL" else f"+306931{person:06d}",
                due_at=first_due + timedelta(seconds=spread * i / count), max_attempts=5,
            )
        )  # fmt: skip
    Delivery.objects.bulk_create(rows, batch_size=2000)
    return first_due
