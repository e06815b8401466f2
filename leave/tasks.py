"""Thin Celery adapters over leave.services."""

from celery import shared_task

from leave.services import overtimes_settle_due


@shared_task
def settle_overtime() -> int:
    """Beat, 00:30 (config/celery.py): settle from the punches the approved overtime of the days that have ended."""
    return overtimes_settle_due()
