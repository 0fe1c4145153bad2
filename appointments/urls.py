# Included under api/appointments/. Literal segments come before {id}, which
# would otherwise swallow them. Paths are spelled as the API document spells them.
from django.urls import re_path

from appointments import apis, participant_apis
from appointments.routes import both_slashes, undocumented

ID = r"(?P<id>[^/]+)"

urlpatterns = [
    *both_slashes(
        "participants/agents", participant_apis.ParticipantAgentsApi, name="participant-agents", slash=True
    ),
    *both_slashes(
        "participants/customers",
        participant_apis.ParticipantCustomersApi,
        name="participant-customers",
        slash=True,
    ),
    *both_slashes(
        rf"{ID}/participants/(?P<pid>[^/]+)",
        participant_apis.ParticipantDetailApi,
        name="participant-detail",
        slash=False,
    ),
    *both_slashes(
        rf"{ID}/confirmations",
        participant_apis.AppointmentConfirmationsApi,
        name="appointment-confirmations",
        slash=False,
    ),
    re_path(r"^$", apis.AppointmentCollectionApi.as_view(), name="appointment-collection"),
    *both_slashes("count", apis.AppointmentCountApi, name="appointment-count", slash=False),
    *both_slashes(
        "overlap/count", apis.AppointmentOverlapCountApi, name="appointment-overlap-count", slash=False
    ),
    *both_slashes("eligible", apis.AppointmentEligibleApi, name="appointment-eligible", slash=True),
    *both_slashes("basic/otp", apis.CustomerOTPApi, name="appointment-basic-otp", slash=False),
    *both_slashes("basic", apis.AppointmentBasicApi, name="appointment-basic", slash=False),
    *both_slashes(f"activate/{ID}", apis.AppointmentActivateApi, name="appointment-activate", slash=False),
    *both_slashes("reassign", apis.AppointmentReassignApi, name="appointment-reassign", slash=True),
    *both_slashes("reschedule", apis.AppointmentRescheduleApi, name="appointment-reschedule", slash=True),
    *both_slashes(f"{ID}/end", apis.AppointmentEndApi, name="appointment-end", slash=False),
    *both_slashes(ID, apis.AppointmentDetailApi, name="appointment-detail", slash=False),
]

# The collection without its slash lies outside this module's "api/appointments/"
# mount point; config/urls.py adds these patterns at its top level.
collection_without_slash = [
    re_path(r"^api/appointments$", undocumented(apis.AppointmentCollectionApi).as_view()),
]
