"""`{% console_dashboard %}`: the dashboard at the top of the console's index (templates/admin/index.html).

The admin's index view is Django's own; this tag is the dashboard's view: it reads the
request's user, scope and time zone and hands them to notifications.admin.dashboard.
"""

from django import template
from django.utils import timezone

from notifications.admin.dashboard import dashboard_read
from tenants.admin_scoping import allowed_application_ids

register = template.Library()


@register.inclusion_tag("admin/console/dashboard.html", takes_context=True)
def console_dashboard(context: template.Context) -> dict:
    request = context["request"]
    ids = allowed_application_ids(request)
    dashboard = dashboard_read(application_ids=ids, zone=timezone.get_current_timezone(), now=timezone.now())
    return {"dashboard": dashboard, "zone": timezone.get_current_timezone_name()}
