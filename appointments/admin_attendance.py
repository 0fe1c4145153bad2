"""What the appointment list shows of attendance: the no-show filter and the attendance column.

Both read the marks appointments/attendance.py sets once: `no_show_at` (no customer
ever joined) and `waiting_escalated_at` (customer.waiting was raised).
"""

from django.contrib import admin
from django.db.models import Q

from appointments.models import Appointment

NO_SHOW, CUSTOMER_WAITED = "no_show", "customer_waited"
ATTENDANCE_FILTERS = {
    NO_SHOW: Q(no_show_at__isnull=False),
    CUSTOMER_WAITED: Q(waiting_escalated_at__isnull=False),
}


class AttendanceFilter(admin.SimpleListFilter):
    title = "attendance"
    parameter_name = "attendance"

    def lookups(self, request, model_admin):
        return [(NO_SHOW, "No-show"), (CUSTOMER_WAITED, "Customer waited for an agent")]

    def queryset(self, request, queryset):
        value = self.value()
        condition = None if value is None else ATTENDANCE_FILTERS.get(value)
        return queryset if condition is None else queryset.filter(condition)


def attendance_of(appointment: Appointment) -> str:
    """ "no-show", "customer waited", both, or "" for the list's attendance column."""
    marks = []
    if appointment.no_show_at is not None:
        marks.append("no-show")
    if appointment.waiting_escalated_at is not None:
        marks.append("customer waited")
    return ", ".join(marks)
