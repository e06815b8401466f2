"""What the email outbox and the push queue share: a row sent by a task after the commit, tried again with
a growing wait until NOTIFICATIONS_MAX_ATTEMPTS, and found again by the beat sweep when its task was lost.

Two deliveries of one row never send at once: a push is held locked (``select_for_update``) from the due check to
the save; an email is claimed by its batch (``notifications.delivery``), which makes it not due until sent."""

import datetime as dt
import logging

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from common.states import StateMachine
from notifications.models import EmailOutbox, PushMessage

log = logging.getLogger(__name__)

# The queues (each a QueuedDelivery, with its own status labels and sent time).
Queued = EmailOutbox | PushMessage

SENT = "sent"
SKIPPED = "skipped"
RETRY = "retry"
FAILED = "failed"
# A row never attempted this long after it was written: its task was probably lost (the sweep takes it).
LOST_AFTER = dt.timedelta(minutes=1)


def backoff_seconds(retries: int) -> int:
    """Seconds to wait after the ``retries``-th failure (0-based): base, 2×base, 4×base ... at most an hour."""
    return min(settings.NOTIFICATIONS_RETRY_BASE_SECONDS * 2**retries, 3600)


def not_due(row: Queued) -> bool:
    """A retry scheduled for later (a sweep and a scheduled retry both fired): leave it to the later one."""
    return row.next_attempt_at is not None and row.next_attempt_at > timezone.now()


def failure_mark(row: Queued, exc: Exception, machine: StateMachine) -> str:
    """Count a failed attempt on the row in memory (``row.attempts`` already counts it): FAILED after the last
    one, else RETRY with the next attempt's time. The caller saves it (alone, or with a batch's other rows)."""
    log.warning("%s %s attempt %s failed: %s", machine.name, row.pk, row.attempts, exc)
    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if row.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        row.status = machine.target("fail")
        return FAILED
    row.next_attempt_at = timezone.now() + dt.timedelta(seconds=backoff_seconds(row.attempts - 1))
    return RETRY


def failure_record(row: Queued, exc: Exception, machine: StateMachine) -> str:
    """``failure_mark``, then save the row."""
    outcome = failure_mark(row, exc, machine)
    row.save(update_fields=["attempts", "last_error", "status" if outcome == FAILED else "next_attempt_at"])
    return outcome


def sent_record(row: Queued, machine: StateMachine, now: dt.datetime) -> str:
    row.status = machine.target("send")
    row.sent_at = now
    row.last_error = ""
    row.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return SENT


def due_ids(model: type[Queued], machine: StateMachine, limit: int = 500) -> list[int]:
    """Rows to send now, oldest first: never attempted and older than LOST_AFTER, or a retry now due."""
    now = timezone.now()
    return list(
        model._default_manager.filter(status__in=machine.sources("send"))
        .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lte=now - LOST_AFTER))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
