"""Email delivery. Thin tasks over notifications.delivery; they take primary keys only."""

from celery import shared_task

from notifications import delivery


@shared_task(bind=True, max_retries=8, acks_late=True)
def deliver_email(self, outbox_id: int) -> str:
    outcome = delivery.deliver(outbox_id)
    # In-process (eager) mode has no broker to wait on: the beat sweep retries instead.
    if outcome == delivery.RETRY and not self.request.is_eager:
        # Exponential backoff: 30 s, 1, 2, 4 ... minutes; the beat sweep picks up anything dropped.
        raise self.retry(countdown=delivery.backoff_seconds(self.request.retries))
    return outcome


@shared_task
def deliver_pending_emails() -> int:
    """Beat: hand every due pending email to a worker (covers a broker that was down at commit time)."""
    ids = delivery.due_outbox_ids()
    for outbox_id in ids:
        deliver_email.delay(outbox_id)
    return len(ids)
