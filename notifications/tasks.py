"""Email delivery. Thin tasks over notifications.delivery; they take primary keys only."""

from celery import shared_task
from django.utils import timezone

from notifications import delivery
from notifications.models import EmailOutbox


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver_email(self, outbox_id: int) -> str:
    outcome = delivery.deliver(outbox_id)
    # In-process (eager) mode has no broker to wait on: the beat sweep retries instead.
    if outcome == delivery.RETRY and not self.request.is_eager:
        # Come back when the row says it is due (exponential backoff, kept on the row, which also
        # bounds the number of attempts). If this retry is lost, the beat sweep picks the row up.
        due = EmailOutbox.objects.values_list("next_attempt_at", flat=True).get(pk=outbox_id)
        raise self.retry(countdown=max(1.0, (due - timezone.now()).total_seconds()))
    return outcome


@shared_task
def deliver_pending_emails() -> int:
    """Beat: hand every due pending email to a worker (covers a broker that was down at commit time)."""
    ids = delivery.due_outbox_ids()
    for outbox_id in ids:
        deliver_email.delay(outbox_id)
    return len(ids)
