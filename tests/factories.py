"""factory_boy factories for the project's models, shared by every test package."""

from datetime import UTC, datetime, timedelta

import factory

from appointments.models import Appointment
from participants.models import Participant, ParticipantType
from tenants.models import Application


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    name = factory.Sequence(lambda n: f"Application {n}")
    organization_id = factory.Sequence(lambda n: f"org-{n}")


class AppointmentFactory(factory.django.DjangoModelFactory):
    """An appointment with its organizer as an AGENT participant."""

    class Meta:
        model = Appointment
        skip_postgeneration_save = True

    application = factory.SubFactory(ApplicationFactory)
    organizer_id = factory.Sequence(lambda n: f"agent-{n}")
    title = factory.Sequence(lambda n: f"Appointment {n}")
    timezone = "Europe/Berlin"
    locale = "en_US"
    start = factory.LazyFunction(lambda: datetime(2030, 1, 31, 19, 0, tzinfo=UTC))
    duration = timedelta(minutes=30)
    end = factory.LazyAttribute(lambda o: o.start + o.duration)
    routing_type = "GENESYS_CLOUD_FLOW"

    @factory.post_generation
    def with_organizer(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            ParticipantFactory(appointment=obj, participant_id=obj.organizer_id, type=ParticipantType.AGENT)


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    appointment = factory.SubFactory(AppointmentFactory)
    application = factory.SelfAttribute("appointment.application")
    participant_id = factory.Faker("uuid4")
    type = ParticipantType.CUSTOMER
    first_name = "Bobby"
    last_name = "Ewing"
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = "+302102234988"


class CustomerFactory(ParticipantFactory):
    type = ParticipantType.CUSTOMER
