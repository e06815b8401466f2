"""Sending the outbox in batches over one connection to the mail server: at least once, with a stable Message-ID.

A batch takes up to ``NOTIFICATIONS_EMAIL_BATCH`` due rows, oldest first, in a short transaction
(``SELECT … FOR UPDATE SKIP LOCKED``: two workers never take the same rows) and claims them there: the attempt
is counted and ``next_attempt_at`` is set to the claim's end, so the rows are not due for anyone else (another
batch, the beat sweep, a single ``deliver``) while this one sends. No transaction is open while the mail server
talks. Each row's message goes out on the one open connection with its own outcome (a refused recipient does
not stop the others), and a second short transaction records them: sent; or the error and the next attempt's
time (``notifications.retries``); or failed after the last attempt.

The one window that can send twice: the mail server accepted the message and the worker died before the
outcome was recorded. The row is then still pending with its claim; once the claim ends the beat sweep queues a
batch that sends it again, with the same Message-ID (``<outbox-<id>@campus-attendance>``) so mail servers and
mail programs can drop the duplicate. A batch starts no send after half its claim (rows left are released for
the next task), so a live worker's claim never runs out under it.
"""

import datetime as dt
import logging
import smtplib
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from notifications.models import EmailOutbox
from notifications.retries import RETRY, SENT, SKIPPED, due_ids, failure_mark
from notifications.states import OUTBOX

log = logging.getLogger(__name__)

# Set when a commit queued the batch task (notifications.services); the task clears it before it takes the rows.
EMAILS_QUEUED_MARK = "notifications:emails-queued"
# How long a batch holds the rows it took: far longer than a batch of a few hundred messages takes.
CLAIM = dt.timedelta(minutes=5)


class Batch(NamedTuple):
    taken: int  # rows claimed (the task queues the next batch when this is a whole one)
    outcomes: dict[int, str]  # row id → SENT, RETRY, FAILED, or SKIPPED (released unsent, or no longer this batch's)
    retry_at: dt.datetime | None  # when the earliest of its failed rows is due again


def deliver_pending(*, limit: int | None = None) -> Batch:
    """The batch task's work: clear the mark, then send up to ``limit`` due emails over one connection.

    The mark is cleared before the rows are read, so an email committed after that read queues the next task."""
    cache.delete(EMAILS_QUEUED_MARK)
    return _send_claimed(*_claim(limit or settings.NOTIFICATIONS_EMAIL_BATCH))


def deliver(outbox_id: int) -> str:
    """One row by the batch's path: SKIPPED unless it is pending and due (and no other delivery holds it)."""
    return _send_claimed(*_claim(1, ids=[outbox_id])).outcomes.get(outbox_id, SKIPPED)


def due_outbox_ids(limit: int = 500) -> list[int]:
    """What the beat sweep looks for: rows whose task was lost (or whose claim ended) and retries now due."""
    return due_ids(EmailOutbox, OUTBOX, limit)


def _claim(limit: int, ids: list[int] | None = None) -> tuple[list[EmailOutbox], dt.datetime]:
    now = timezone.now()
    claim_end = now + CLAIM
    with transaction.atomic():
        due = EmailOutbox.objects.select_for_update(skip_locked=True).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now), status__in=OUTBOX.sources("send")
        )
        if ids is not None:
            due = due.filter(pk__in=ids)
        rows = list(due.order_by("created_at", "pk")[:limit])
        if rows:
            EmailOutbox.objects.filter(pk__in=[row.pk for row in rows]).update(
                attempts=F("attempts") + 1, next_attempt_at=claim_end
            )
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = claim_end
    return rows, claim_end


def _message(row: EmailOutbox) -> EmailMessage:
    return EmailMessage(
        subject=row.subject,
        body=row.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.to],
        headers={"Message-ID": f"<outbox-{row.pk}@campus-attendance>"},
    )


def _server_answered(exc: Exception) -> bool:
    """The server refused this one message and the conversation goes on (smtplib has reset it): the connection
    serves the next row. Anything else (a timeout, a dropped connection, 421 closing) leaves it in doubt."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code != 421


def _send_all(rows: list[EmailOutbox], stop_at: dt.datetime) -> dict[int, Exception | None]:
    """Each row's message on one open connection: None for the rows the server took, else the error. Rows not
    tried (past ``stop_at``) are left out."""
    errors: dict[int, Exception | None] = {}
    connection = get_connection()
    is_open = False
    try:
        for row in rows:
            if timezone.now() >= stop_at:
                break
            if not is_open:
                try:
                    connection.open()
                except Exception as exc:  # unreachable: the rows left fail with this error, none waits for its own
                    errors.update((left.pk, exc) for left in rows if left.pk not in errors)
                    break
                is_open = True
            try:
                connection.send_messages([_message(row)])
            except Exception as exc:  # SMTP errors, timeouts, a dropped connection: this row is tried again later
                errors[row.pk] = exc
                if not _server_answered(exc):
                    connection.close()
                    is_open = False
            else:
                errors[row.pk] = None
    finally:
        connection.close()
    return errors


def _send_claimed(rows: list[EmailOutbox], claim_end: dt.datetime) -> Batch:
    if not rows:
        return Batch(0, {}, None)
    errors = _send_all(rows, stop_at=claim_end - CLAIM / 2)
    now = timezone.now()
    outcomes = {pk: SENT for pk, error in errors.items() if error is None}
    if outcomes:
        # Sent is sent, whoever holds the row now: nothing sends it again.
        EmailOutbox.objects.filter(pk__in=list(outcomes), status__in=OUTBOX.sources("send")).update(
            status=OUTBOX.target("send"), sent_at=now, last_error="", next_attempt_at=None
        )
    rest = [row for row in rows if row.pk not in outcomes]
    retry_at = None
    if rest:
        with transaction.atomic():
            # Only the rows still under this claim: an operator's fresh round, or a later batch once the claim
            # ended, owns the others now.
            held = set(
                EmailOutbox.objects.select_for_update()
                .filter(pk__in=[row.pk for row in rest], status__in=OUTBOX.sources("send"), next_attempt_at=claim_end)
                .values_list("pk", flat=True)
            )
            changed = []
            for row in rest:
                error = errors.get(row.pk)
                if row.pk not in held:
                    outcomes[row.pk] = SKIPPED
                    continue
                if error is None:  # never tried: released, due again at once, the attempt not counted
                    row.attempts -= 1
                    row.next_attempt_at = None
                    outcomes[row.pk] = SKIPPED
                else:
                    outcomes[row.pk] = failure_mark(row, error, OUTBOX)
                    if outcomes[row.pk] != RETRY:
                        row.next_attempt_at = None  # failed: nothing is due any more
                    elif row.next_attempt_at is not None and (retry_at is None or row.next_attempt_at < retry_at):
                        retry_at = row.next_attempt_at
                changed.append(row)
            EmailOutbox.objects.bulk_update(changed, ["attempts", "last_error", "next_attempt_at", "status"])
    return Batch(len(rows), outcomes, retry_at)
