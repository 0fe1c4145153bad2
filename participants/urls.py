# Included under api/appointments/, before appointments.urls.
from appointments.routes import both_slashes
from participants import apis

urlpatterns = [
    *both_slashes("participants/agents", apis.ParticipantAgentsApi, name="participant-agents", slash=True),
    *both_slashes(
        "participants/customers", apis.ParticipantCustomersApi, name="participant-customers", slash=True
    ),
    *both_slashes(
        r"(?P<id>[^/]+)/participants/(?P<pid>[^/]+)",
        apis.ParticipantDetailApi,
        name="participant-detail",
        slash=False,
    ),
]
