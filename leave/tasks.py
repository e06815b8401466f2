"""Thin Celery adapters over leave.services."""

from celery import shared_task

from leave.services import overtimes_settle_due
from leave.services import pending_attachments_sweep as sweep_pending


@shared_task
def settle_overtime() -> int:
    """Beat, 00:30 (config/celery.py): settle from the punches the approved overtime of the days that have ended."""
    return overtimes_settle_due()


@shared_task
def pending_attachments_sweep() -> int:
    """Beat, 03:10 (config/celery.py): forget proofs kept from forms that were never submitted."""
    return sweep_pending()
