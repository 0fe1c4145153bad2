"""Helpers for the appointment and participant API tests: the document's own ids and bodies, clients."""

import json
import uuid
from datetime import UTC, datetime, timedelta

from rest_framework.test import APIClient

from participants.models import ParticipantType
from tenants.services import token_mint

# Ids that the API document's examples use, so that its bodies can be sent verbatim.
DOC_APPLICATION_ID = uuid.UUID("bf8215e5-a39e-490a-a0e2-07df6a3d8c1f")
DOC_ORGANIZATION_ID = "mypurecloud.de_9da4d7e6-38c4-4a90-be39-0942f9843645"
DOC_APPOINTMENT_ID = uuid.UUID("f46f165d-383a-4432-9a3e-9c805a152e0c")
DOC_AGENT_ID = "36c1r718-9ab5-48c9-aeab-fas5f37b0ec4"

# Request bodies exactly as the document prints them (quoted strings and all).
DOC_SCHEDULE_BODY = r"""{
"applicationId": "bf8215e5-a39e-490a-a0e2-07df6a3d8c1f",
"customer": {
"contact": {
"primaryEmail": "user@provider.net",
"primaryPhone": "2102234988"
},
"metadata": {
"refNo": "CS-9838"
},
"name": {
"firstName": "Bobby",
"lastName": "Ewing"
},
"username": "ewingb@myorg.com"
},
"duration": "\"PT5M\"",
"interaction": {
"customFields": {
"property1": "string",
"property2": "string"
},
"routing": {
"properties": "{\"deploymentId\": \"c461a74-af3a-4b55-a461-bafbf077a34e\"} or {\"touchpointId\": \"c461a74-af3a-4b55-a461-bafbf077a34e\"}",
"type": "GENESYS_CLOUD_FLOW or TALKDESK_DIGITAL_CONNECT"
}
},
"locale": "\"en-GB\"",
"metadata": {
"prop1": "value1"
},
"notes": "\"CRM ref: 3nv-1gt-4rt\"",
"notificationHeaders": "{\"x-channel\": widget\"}",
"start": "\"2022-01-31T19:00:00.0Z\"",
"timezone": "\"Europe/Berlin\"",
"title": "\"Product installation review\""
}"""  # noqa: E501 (the document's own lines, verbatim)

DOC_UPDATE_BODY = r"""{
"id": "f46f165d-383a-4432-9a3e-9c805a152e0c",
"metadata": {
"prop1": {}
},
"notes": "CRM ref: 3nv-1gt-4rt",
"notificationHeaders": {
"property1": "string",
"property2": "string"
},
"title": "Product installation review"
}"""

DOC_RESCHEDULE_BODY = r"""{
"duration": "\"PT5M\"",
"id": "f46f165d-383a-4432-9a3e-9c805a152e0c",
"locale": "\"en-GB\"",
"start": "\"2022-01-31T19:00:00.0Z\"",
"timezone": "\"Europe/Berlin\""
}"""

DOC_ADD_AGENT_BODY = r"""{
"id": "f46f165d-383a-4432-9a3e-9c805a152e0c",
"userId": "36c1r718-9ab5-48c9-aeab-fas5f37b0ec4"
}"""

DOC_ADD_CUSTOMER_BODY = r"""{
"customer": {
"contact": {
"primaryEmail": "user@provider.net",
"primaryPhone": "2102234988"
},
"metadata": {
"refNo": "CS-9838"
},
"name": {
"firstName": "Bobby",
"lastName": "Ewing"
},
"username": "ewingb@myorg.com"
},
"id": "f46f165d-383a-4432-9a3e-9c805a152e0c"
}"""

DOC_PARTICIPANT_STATE_BODY = r"""{
"state": "\"JOINED\""
}"""

DOC_COUNT_QUERY = (
    "applicationId=bf8215e5-a39e-490a-a0e2-07df6a3d8c1f"
    "&organizationId=mypurecloud.de_9da4d7e6-38c4-4a90-be39-0942f9843645"
    "&start=%222022-01-31T19%3A00%3A00.0Z%22&timeFrame=%22PT10H%22"
)
DOC_OVERLAP_QUERY = (
    "applicationId=bf8215e5-a39e-490a-a0e2-07df6a3d8c1f"
    "&organizationId=mypurecloud.de_9da4d7e6-38c4-4a90-be39-0942f9843645"
    "&start=%222022-01-31T19%3A00%3A00.0Z%22&duration=%22PT5M%22"
)

FUTURE = datetime(2030, 1, 31, 19, 0, tzinfo=UTC)


def doc_body(text: str) -> dict:
    return json.loads(text)


def client_with(*roles, application, user_id="agent-1", conference_id=None) -> APIClient:
    client = APIClient()
    token = token_mint(
        user_id=user_id, application=application, roles=list(roles), conference_id=conference_id
    )
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def schedule_body(application, **overrides) -> dict:
    body = {
        "applicationId": str(application.pk),
        "start": "2030-01-31T19:00:00Z",
        "duration": "PT30M",
        "timezone": "Europe/Berlin",
    }
    body.update(overrides)
    return body


def customer_of(appointment):
    return appointment.participants.get(type=ParticipantType.CUSTOMER)


def customer_client(appointment) -> APIClient:
    """A customer's token: user_id is its participant id, conference_id its appointment."""
    customer = customer_of(appointment)
    return client_with(
        "ROLE_CUSTOMER",
        application=appointment.application,
        user_id=customer.participant_id,
        conference_id=str(appointment.pk),
    )


def later(minutes: int) -> datetime:
    return FUTURE + timedelta(minutes=minutes)
