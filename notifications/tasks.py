"""Email and Web Push delivery. Thin tasks over notifications.delivery and notifications.push; they take
primary keys only."""

from celery import shared_task
from django.utils import timezone

from notifications import delivery, push, retries
from notifications.models import EmailOutbox, PushMessage


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver_email(self, outbox_id: int) -> str:
    outcome = delivery.deliver(outbox_id)
    # In-process (eager) mode has no broker to wait on: the beat sweep retries instead.
    if outcome == retries.RETRY and not self.request.is_eager:
        # Come back when the row says it is due (exponential backoff, kept on the row, which also
        # bounds the number of attempts). If this retry is lost, the beat sweep picks the row up.
        due = EmailOutbox.objects.values_list("next_attempt_at", flat=True).get(pk=outbox_id)
        # No time: the row was given a fresh round meanwhile (outbox_retry), which scheduled its own delivery.
        if due is not None:
            raise self.retry(countdown=max(1.0, (due - timezone.now()).total_seconds()))
    return outcome


@shared_task
def deliver_pending_emails() -> int:
    """Beat: hand every due pending email to a worker (covers a broker that was down at commit time)."""
    ids = delivery.due_outbox_ids()
    for outbox_id in ids:
        deliver_email.delay(outbox_id)
    return len(ids)


@shared_task(acks_late=True)
def fan_out_push(notification_ids: list[int]) -> int:
    """One push message per device of each notice's recipient, then a delivery task for each (after the commit)."""
    message_ids = push.fan_out(notification_ids)
    for message_id in message_ids:
        deliver_push.delay(message_id)
    return len(message_ids)


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver_push(self, message_id: int) -> str:
    outcome = push.send(message_id)
    if outcome == retries.RETRY and not self.request.is_eager:
        due = PushMessage.objects.values_list("next_attempt_at", flat=True).get(pk=message_id)
        # push.send set the time with RETRY; without one (as an email's, after a fresh round) nothing waits.
        if due is not None:
            raise self.retry(countdown=max(1.0, (due - timezone.now()).total_seconds()))
    return outcome


@shared_task
def deliver_pending_pushes() -> int:
    """Beat: fan out notices whose fan-out task was lost, and hand every due push message to a worker."""
    notice_ids = push.due_notice_ids()
    if notice_ids:
        fan_out_push.delay(notice_ids)
    message_ids = push.due_message_ids()
    for message_id in message_ids:
        deliver_push.delay(message_id)
    return len(notice_ids) + len(message_ids)
