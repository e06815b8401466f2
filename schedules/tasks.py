"""Thin Celery adapters over the schedules services."""

import logging

from celery import shared_task
from django.conf import settings

from schedules.cap import CapError
from schedules.cap_services import cap_alert_import_url

logger = logging.getLogger(__name__)


@shared_task
def poll_cap_feed() -> dict[str, int]:
    """Beat (config/celery.py): read CAP_FEED_URL and propose what its alerts announce; off when it is empty.

    Idempotent: an alert already received is skipped by its identifier, so polling every few minutes
    stores and proposes each announcement once."""
    url = settings.CAP_FEED_URL
    if not url:
        return {}
    try:
        report = cap_alert_import_url(actor=None, url=url)
    except CapError as exc:
        logger.warning("CAP feed %s: %s (%s)", url, exc.message, exc.code)
        return {"error": 1}
    counts: dict[str, int] = {}
    for outcome in report.outcomes:
        counts[outcome.outcome] = counts.get(outcome.outcome, 0) + 1
        if outcome.outcome == "error":
            logger.warning("CAP feed entry %s: %s", outcome.identifier, outcome.message)
    return counts
