"""Email delivery through a real broker (Redis) and a real Celery worker process (CI runs these)."""

import pytest

from notifications import delivery
from notifications.models import EmailOutbox
from notifications.services import notify
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
    assert delivery.deliver(row.pk) == delivery.SKIPPED
    assert len(smtp_server.messages) == 1
