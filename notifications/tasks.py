"""Email and Web Push delivery. Thin tasks over notifications.delivery and notifications.push; they take
primary keys only."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from notifications import delivery, push, retries
from notifications.models import EmailOutbox, PushMessage


@shared_task(bind=True, acks_late=True)
def deliver_email_batch(self) -> int:
    """After the commits that wrote emails (one task for all those committed while it waited), the beat sweep and
    the admin's retry: send up to a batch of due emails over one connection (notifications.delivery). Again at
    once while it took a whole batch, and when the earliest of its failed emails is due. Returns the rows taken."""
    batch = delivery.deliver_pending()
    if batch.taken >= settings.NOTIFICATIONS_EMAIL_BATCH:
        deliver_email_batch.delay()
    # In-process (eager) mode has no broker to wait on: the beat sweep retries instead. A lost retry task
    # leaves its rows due: the sweep takes them too.
    if batch.retry_at is not None and not self.request.is_eager:
        deliver_email_batch.apply_async(countdown=max(1.0, (batch.retry_at - timezone.now()).total_seconds()))
    return batch.taken


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver_email(self, outbox_id: int) -> str:
    """One email, by the batch's path. Nothing queues it any more: it serves the tasks a previous release left in
    the broker."""
    outcome = delivery.deliver(outbox_id)
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
    """Beat: when an email is due whose task was lost (broker down at commit time, a killed worker) or whose retry
    is due, queue the batch task, which takes every due email. Returns the tasks queued (0 or 1)."""
    if not delivery.due_outbox_ids(limit=1):
        return 0
    deliver_email_batch.delay()
    return 1


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
