"""Thin Celery adapters over attendance.services."""

import datetime as dt

from celery import shared_task
from django.conf import settings

from attendance import services
from attendance.services import school_batches
from staff.selectors import schools as all_schools


@shared_task
def send_missing_punch_reminders(day: str | None = None) -> int:
    """Beat, 18:00 (config/celery.py): remind everyone whose day still lacks a punch, once per person and day."""
    return services.missing_punch_reminders_send(day=dt.date.fromisoformat(day) if day else None)


@shared_task(acks_late=True)
def recompute_pending_results() -> int:
    """After punches (one task for all those committed while it waited): recompute the queued days; again
    at once while a whole batch was taken. Returns the number of days taken."""
    taken = services.pending_results_recompute()
    if taken >= settings.ATTENDANCE_RESULT_BATCH:
        recompute_pending_results.delay()
    return taken


@shared_task
def sweep_daily_results(day: str | None = None) -> int:
    """Beat, every few minutes (config/celery.py): the window-end sweep of every school, queued as
    one task per batch of schools. Returns the number of tasks queued."""
    ids = list(all_schools().order_by("pk").values_list("pk", flat=True))
    recompute_pending_results.delay()  # days a lost task left queued (a quiet queue costs one query)
    queued = 0
    for batch in school_batches(ids):
        finalise_daily_results.delay(batch, day)
        queued += 1
    return queued


@shared_task(acks_late=True)
def finalise_daily_results(school_ids: list[int], day: str | None = None) -> int:
    """The window-end sweep of a batch of schools (attendance.services.daily_results_finalise)."""
    return services.daily_results_finalise(
        schools=all_schools(ids=school_ids), day=dt.date.fromisoformat(day) if day else None
    )


@shared_task
def plan_recompute(job_id: int, school_ids: list[int] | None, staff_ids: list[int] | None) -> int:
    """A city-scale recompute (attendance.services.recompute_job_start): one task per batch of schools
    and month. Returns the number of tasks queued."""
    pieces = services.recompute_job_plan(job_id=job_id, school_ids=school_ids, staff_ids=staff_ids)
    for batch, first, last in pieces:
        recompute_schools.delay(job_id, batch, first.isoformat(), last.isoformat(), staff_ids)
    return len(pieces)


@shared_task(acks_late=True)
def recompute_schools(
    job_id: int, school_ids: list[int], start: str, end: str, staff_ids: list[int] | None = None
) -> int:
    """One piece of a city-scale recompute: a few schools, at most a month. Idempotent."""
    return services.recompute_job_piece(
        job_id=job_id,
        school_ids=school_ids,
        start=dt.date.fromisoformat(start),
        end=dt.date.fromisoformat(end),
        staff_ids=staff_ids,
    )
