"""Sending one outbox row: at least once, with a stable Message-ID.

Concurrent deliveries of one row send it once (the row lock below). The one window that can send
twice: the mail server accepted the message and the worker died before the transaction that marks
the row committed; the row is then still pending and is sent again, with the same Message-ID
(``<outbox-<id>@campus-attendance>``) so mail servers and mail programs can drop the duplicate.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from notifications.models import EmailOutbox
from notifications.retries import SKIPPED, due_ids, failure_record, not_due, sent_record
from notifications.states import OUTBOX


def deliver(outbox_id: int) -> str:
    # The row lock serialises concurrent deliveries of the same row (a retry racing the beat
    # sweep): the second one waits, then sees SENT and skips. The lock is held while the SMTP
    # conversation runs, which is short, and it is what keeps concurrent deliveries from sending twice
    # (a crash between the server's acceptance and the commit still can: see the module docstring).
    with transaction.atomic():
        row = EmailOutbox.objects.select_for_update().filter(pk=outbox_id).first()
        if row is None or not OUTBOX.allows(row.status, "send"):
            return SKIPPED
        if not_due(row):
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
            return failure_record(row, exc, OUTBOX)
        return sent_record(row, OUTBOX, timezone.now())


def due_outbox_ids(limit: int = 500) -> list[int]:
    return due_ids(EmailOutbox, OUTBOX, limit)
