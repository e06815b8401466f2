"""Thin Celery adapters over attendance.services."""

import datetime as dt

from celery import shared_task

from attendance import services


@shared_task
def send_missing_punch_reminders(day: str | None = None) -> int:
    """Beat, 18:00 (config/celery.py): remind everyone whose day still lacks a punch, once per person and day."""
    return services.missing_punch_reminders_send(day=dt.date.fromisoformat(day) if day else None)
