"""Thin Celery adapters over attendance.services."""

import datetime as dt

from celery import shared_task

from attendance import services
from staff.models import School


@shared_task
def send_missing_punch_reminders(day: str | None = None) -> int:
    """Beat, 18:00: remind everyone whose day still lacks a punch (once per person and day)."""
    return services.missing_punch_reminders_send(day=dt.date.fromisoformat(day) if day else None)


@shared_task
def recompute_daily_results(school_id: int, start: str, end: str) -> int:
    """Recompute a school's results for a date range (ISO dates), e.g. after an import."""
    school = School.objects.get(pk=school_id)
    return services.daily_results_recompute(
        school=school, start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end)
    )
