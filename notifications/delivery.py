"""Sending one outbox row: at least once, with a stable Message-ID.

Concurrent deliveries of one row send it once (the row lock below). The one window that can send
twice: the mail server accepted the message and the worker died before the transaction that marks
the row committed; the row is then still pending and is sent again, with the same Message-ID
(``<outbox-<id>@campus-attendance>``) so mail servers and mail programs can drop the duplicate.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications.models import EmailOutbox
from notifications.states import OUTBOX

log = logging.getLogger(__name__)

SENT = "sent"
SKIPPED = "skipped"
RETRY = "retry"
FAILED = "failed"
LOST_AFTER = dt.timedelta(minutes=1)


def max_attempts() -> int:
    return settings.NOTIFICATIONS_MAX_ATTEMPTS


def backoff_seconds(retries: int) -> int:
    """Seconds to wait after the ``retries``-th failure (0-based): base, 2×base, 4×base ... at most an hour."""
    return min(settings.NOTIFICATIONS_RETRY_BASE_SECONDS * 2**retries, 3600)


def deliver(outbox_id: int) -> str:
    # The row lock serialises concurrent deliveries of the same row (a retry racing the beat
    # sweep): the second one waits, then sees SENT and skips. The lock is held while the SMTP
    # conversation runs, which is short, and it is what keeps concurrent deliveries from sending twice
    # (a crash between the server's acceptance and the commit still can: see the module docstring).
    with transaction.atomic():
        row = EmailOutbox.objects.select_for_update().filter(pk=outbox_id).first()
        if row is None or not OUTBOX.allows(row.status, "send"):
            return SKIPPED
        if row.next_attempt_at is not None and row.next_attempt_at > timezone.now():
            # Not due yet (a sweep and a scheduled retry both fired): leave it to the later one.
            return SKIPPED
        row.attempts += 1
        message = EmailMessage(
            subject=row.subject,
            body=row.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[row.to],
            headers={"Message-ID": f"<outbox-{row.pk}@campus-attendance>"},
        )
        try:
            message.send()
        except Exception as exc:  # SMTP errors, refused connections, timeouts: all retried
            log.warning("email %s attempt %s failed: %s", row.pk, row.attempts, exc)
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if row.attempts >= max_attempts():
                row.status = OUTBOX.target("fail")
                row.save(update_fields=["attempts", "last_error", "status"])
                return FAILED
            row.next_attempt_at = timezone.now() + dt.timedelta(seconds=backoff_seconds(row.attempts - 1))
            row.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            return RETRY
        row.status = OUTBOX.target("send")
        row.sent_at = timezone.now()
        row.last_error = ""
        row.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        return SENT


def due_outbox_ids(limit: int = 500) -> list[int]:
    now = timezone.now()
    return list(
        EmailOutbox.objects.filter(status__in=OUTBOX.sources("send"))
        # Never-attempted rows older than a minute (their task was probably lost), or retries now due.
        .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, created_at__lte=now - LOST_AFTER))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )

