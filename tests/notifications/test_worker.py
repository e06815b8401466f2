"""Email delivery through a real broker (Redis) and a real Celery worker process (CI runs these)."""

import datetime as dt
import os
import signal

import pytest
import redis
from django.utils import timezone

from notifications import delivery, retries
from notifications.models import EmailOutbox
from notifications.services import notify
from notifications.tasks import deliver_pending_emails
from tests.celery_worker import wait_until

pytestmark = pytest.mark.celery_worker


def test_email_written_while_worker_is_down_goes_out_when_it_starts(people, celery_worker_process):
    teacher = people["teacher"]
    # The change commits while no worker runs: the task waits in Redis.
    notify([teacher], "system.test", {"title": "停機測試"})
    row = EmailOutbox.objects.get(to=teacher.email)
    assert row.status == EmailOutbox.Status.PENDING
    assert row.attempts == 0

    celery_worker_process.start()

    def sent() -> bool:
        row.refresh_from_db()
        return row.status == EmailOutbox.Status.SENT

    assert wait_until(sent), f"still {row.status} after {row.attempts} attempts: {row.last_error}"
    mails = celery_worker_process.sent_mail()
    assert len(mails) == 1
    assert "teacher@example.test" in mails[0]
    assert row.attempts == 1


def test_the_emails_of_commits_while_a_task_waits_are_one_task_and_one_connection(
    people, celery_worker_process, smtp_server, settings
):
    """Three emails in one commit and one more in the next, while no worker runs: one message in the broker's
    queue, and the worker's one task sends all four over one connection."""
    notify([people["teacher"], people["unit_head"], people["personnel"]], "system.test", {"title": "批次"})
    notify([people["other_teacher"]], "system.test", {"title": "批次"})
    assert redis.Redis.from_url(settings.CELERY_BROKER_URL).llen(celery_worker_process.queue) == 1

    celery_worker_process.start(env={
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
        "EMAIL_USE_TLS": "0",
    })

    def all_sent() -> bool:
        return not EmailOutbox.objects.exclude(status=EmailOutbox.Status.SENT).exists()

    assert wait_until(all_sent)
    assert len(smtp_server.messages) == 4
    assert smtp_server.connections() == 1


def test_the_worker_retries_a_failing_mail_server_and_sends_once(people, celery_worker_process, smtp_server):
    smtp_server.failures = 2  # 451 twice, then accepted
    notify([people["teacher"]], "system.test", {"title": "重試測試"})
    row = EmailOutbox.objects.get()

    celery_worker_process.start(
        env={
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_server.port),
            "EMAIL_USE_TLS": "0",
            # Backoff of 1 s, then 2 s, so the test need not wait minutes.
            "NOTIFICATIONS_RETRY_BASE_SECONDS": "1",
        }
    )

    def sent() -> bool:
        row.refresh_from_db()
        return row.status == EmailOutbox.Status.SENT

    assert wait_until(sent), f"still {row.status} after {row.attempts} attempts: {row.last_error}"
    assert smtp_server.refused == 2
    assert row.attempts == 3
    assert len(smtp_server.messages) == 1
    assert smtp_server.message_ids() == [f"<outbox-{row.pk}@campus-attendance>"]
    # A late duplicate (the sweep, a redelivered message) is skipped.
    assert delivery.deliver(row.pk) == retries.SKIPPED
    assert len(smtp_server.messages) == 1


def test_a_worker_killed_after_the_server_accepted_sends_once_more_with_the_same_message_id(
    people, celery_worker_process, smtp_server
):
    """The documented crash window (notifications/delivery.py): the server has the message, the worker
    dies before the row is marked. The guarantee is at least once: the sweep sends it again, exactly
    once more, with the same Message-ID, and the row ends sent."""
    smtp_env = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
        "EMAIL_USE_TLS": "0",
    }
    killed = []

    def kill_the_sender(_envelope) -> None:
        if not killed:  # only the first delivery dies
            os.kill(celery_worker_process.proc.pid, signal.SIGKILL)
            killed.append(True)

    smtp_server.on_accept = kill_the_sender
    celery_worker_process.start(env=smtp_env)
    notify([people["teacher"]], "system.test", {"title": "當機測試"})
    row = EmailOutbox.objects.get()

    assert wait_until(lambda: celery_worker_process.proc.poll() is not None, timeout=60), "the worker was not killed"
    assert len(smtp_server.messages) == 1
    # The outcome was never recorded: the row is still pending, held by the dead batch's claim (its attempt
    # counted when the batch took it), so nothing sends it before the claim ends.
    row.refresh_from_db()
    assert row.status == EmailOutbox.Status.PENDING
    assert row.attempts == 1
    assert row.next_attempt_at > timezone.now()
    assert deliver_pending_emails() == 0

    # Once the claim has ended the beat sweep finds the row and a new worker sends it.
    EmailOutbox.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    celery_worker_process.proc = None
    celery_worker_process.start(env=smtp_env)
    deliver_pending_emails.delay()

    def sent() -> bool:
        row.refresh_from_db()
        return row.status == EmailOutbox.Status.SENT

    assert wait_until(sent), f"still {row.status} after {row.attempts} attempts: {row.last_error}"
    assert row.attempts == 2
    assert len(smtp_server.messages) == 2  # one duplicate, as the guarantee says
    assert smtp_server.message_ids() == [f"<outbox-{row.pk}@campus-attendance>"] * 2
