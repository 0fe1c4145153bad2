"""The console's notification pages; importing a module registers its admins.

- templates, webhooks: notification settings, written through notifications.services;
- senders: sender identities and their verification, and the Applications page that shows them;
- deliveries: the delivery log and SMS opt-outs;
- appointments: what notifications add to the appointment page (the resend action).
"""

from notifications.admin import appointments, deliveries, senders, templates, webhooks  # noqa: F401
