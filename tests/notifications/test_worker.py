import pytest

from notifications.models import EmailOutbox
from notifications.services import notify

pytestmark = pytest.mark.celery_worker


def test_email_written_while_worker_is_down_goes_out_when_it_starts(people, celery_worker_process):
    teacher = people["teacher"]
    # The change commits while no worker runs: the task waits in Redis.
    notify([teacher], "system.test", {"title": "停機測試"})
    row = EmailOutbox.objects.get(to=teacher.email)
    assert row.status == EmailOutbox.Status.PENDING

    celery_worker_process.start()
    import time

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        row.refresh_from_db()
        if row.status == EmailOutbox.Status.SENT:
            break
        time.sleep(0.3)
    assert row.status == EmailOutbox.Status.SENT
    mails = celery_worker_process.sent_mail()
    assert len(mails) == 1
    assert "teacher@example.test" in mails[0]
