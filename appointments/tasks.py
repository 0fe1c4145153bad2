"""Celery tasks of appointments: thin, beat's attendance tick (appointments/attendance.py)."""

from celery import shared_task

from appointments.attendance import attendance_tick


@shared_task(name="appointments.attendance_tick", ignore_result=True)
def attendance_tick_task() -> dict[str, int]:
    return attendance_tick()
