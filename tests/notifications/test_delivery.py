"""The outbox against a real SMTP server on loopback: retried with backoff, never sent twice."""

import datetime as dt

import pytest
from django.utils import timezone

from notifications import delivery, retries
from notifications.models import EmailOutbox
from notifications.services import notify, outbox_retry
from notifications.tasks import deliver_email, deliver_pending_emails
from tests.concurrency import at_once, require_postgres

pytestmark = pytest.mark.django_db


def make_due(row: EmailOutbox) -> None:
    """Move a waiting retry's time into the past (what the clock would do)."""
    EmailOutbox.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))


def test_a_failing_mail_server_is_retried_with_backoff_and_sends_once(people, smtp_server, settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    smtp_server.failures = 2
    # The test's transaction never commits, so the after-commit task does not run: the test drives delivery.
    notify([people["teacher"]], "system.test", {"title": "重試"})
    row = EmailOutbox.objects.get()

    started = timezone.now()
    assert delivery.deliver(row.pk) == retries.RETRY
    row.refresh_from_db()
    assert (row.status, row.attempts) == (EmailOutbox.Status.PENDING, 1)
    assert "451" in row.last_error
    assert dt.timedelta(seconds=29) < row.next_attempt_at - started < dt.timedelta(seconds=32)

    # Not due yet: a second delivery (the sweep racing the retry) leaves it alone.
    assert delivery.deliver(row.pk) == retries.SKIPPED
    assert row.pk not in delivery.due_outbox_ids()

    make_due(row)
    assert row.pk in delivery.due_outbox_ids()
    second = timezone.now()
    assert delivery.deliver(row.pk) == retries.RETRY
    row.refresh_from_db()
    assert row.attempts == 2
    # The wait doubles: 30 s, then 60 s.
    assert dt.timedelta(seconds=59) < row.next_attempt_at - second < dt.timedelta(seconds=62)

    make_due(row)
    assert delivery.deliver(row.pk) == retries.SENT
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (EmailOutbox.Status.SENT, 3, "")
    assert row.sent_at is not None

    # Whatever fires later, it is not sent again.
    assert delivery.deliver(row.pk) == retries.SKIPPED
    assert row.pk not in delivery.due_outbox_ids()
    assert smtp_server.refused == 2
    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == ["teacher@example.test"]
    assert smtp_server.message_ids() == [f"<outbox-{row.pk}@campus-attendance>"]


def test_the_task_ends_when_the_row_was_given_a_fresh_round_after_its_failed_attempt(people, smtp_server, monkeypatch):
    """The task reads the row's next attempt time after a failed attempt to wait for it; an operator's
    retry landing in between cleared that time (and scheduled its own delivery): the task ends, it does
    not crash on the missing time nor schedule a second delivery."""
    smtp_server.failures = 1
    notify([people["teacher"]], "system.test", {"title": "重設"})
    row = EmailOutbox.objects.get()
    attempt = delivery.deliver

    def attempt_then_operator_retries(outbox_id: int) -> str:
        outcome = attempt(outbox_id)
        assert outbox_retry(outbox_ids=[outbox_id]) == 1  # the operator's 「立即重試」, right after the attempt
        return outcome

    # The two real steps, in the order a race would put them.
    monkeypatch.setattr(delivery, "deliver", attempt_then_operator_retries)
    assert deliver_email.run(row.pk) == retries.RETRY
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == (EmailOutbox.Status.PENDING, 0, None)
    assert smtp_server.refused == 1


def test_a_mail_server_that_is_down_then_up(people, settings, smtp_server):
    notify([people["teacher"]], "system.test", {"title": "停機"})
    row = EmailOutbox.objects.get()
    live_port = settings.EMAIL_PORT
    from tests.notifications.conftest import free_port

    settings.EMAIL_PORT = free_port()  # nobody listens there: connection refused
    assert delivery.deliver(row.pk) == retries.RETRY
    row.refresh_from_db()
    assert "Refused" in row.last_error or "refused" in row.last_error

    settings.EMAIL_PORT = live_port
    make_due(row)
    assert delivery.deliver(row.pk) == retries.SENT
    assert len(smtp_server.messages) == 1


def test_gives_up_after_the_last_attempt(people, smtp_server, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    smtp_server.failures = 10
    notify([people["teacher"]], "system.test", {"title": "放棄"})
    row = EmailOutbox.objects.get()
    outcomes = []
    for _ in range(3):
        outcomes.append(delivery.deliver(row.pk))
        make_due(row)
    assert outcomes == [retries.RETRY, retries.RETRY, retries.FAILED]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (EmailOutbox.Status.FAILED, 3)
    assert row.pk not in delivery.due_outbox_ids()
    assert delivery.deliver(row.pk) == retries.SKIPPED
    assert smtp_server.messages == []


def test_the_beat_sweep_delivers_what_is_due_and_only_that(people, smtp_server, django_capture_on_commit_callbacks):
    """The sweep queues the batch task when an email's task was lost; the batch takes every due email (the one
    written just now too: its own task then finds nothing), never a retry still waiting nor a sent one."""
    # Three rows whose tasks never ran (broker down at commit time) ...
    notify([people["teacher"], people["unit_head"], people["personnel"]], "system.test", {"title": "補寄"})
    lost, waiting, fresh = EmailOutbox.objects.order_by("pk")
    # ... one written five minutes ago, one waiting for its retry, one written just now.
    EmailOutbox.objects.filter(pk=lost.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    EmailOutbox.objects.filter(pk=waiting.pk).update(
        attempts=1, created_at=timezone.now() - dt.timedelta(minutes=5),
        next_attempt_at=timezone.now() + dt.timedelta(minutes=1),
    )
    already_sent = EmailOutbox.objects.create(to="x@example.test", subject="s", body="b", status="sent")
    EmailOutbox.objects.filter(pk=already_sent.pk).update(created_at=timezone.now() - dt.timedelta(minutes=5))

    assert deliver_pending_emails.delay().get() == 1  # one batch task queued (eager: it runs here)
    assert [e.rcpt_tos for e in smtp_server.messages] == [[lost.to], [fresh.to]]  # oldest first
    statuses = dict(EmailOutbox.objects.values_list("pk", "status"))
    assert statuses[lost.pk] == statuses[fresh.pk] == "sent"
    assert statuses[waiting.pk] == "pending"
    assert statuses[already_sent.pk] == "sent"

    make_due(waiting)
    assert deliver_pending_emails() == 1
    assert sorted(e.rcpt_tos[0] for e in smtp_server.messages) == sorted([lost.to, fresh.to, waiting.to])
    assert deliver_pending_emails() == 0  # nothing due: no task queued
    assert len(smtp_server.messages) == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_row_at_the_same_time_send_once(people, smtp_server):
    require_postgres()
    smtp_server.delay = 1.0  # hold the first delivery inside its SMTP conversation
    # A committed row whose delivery is started twice at once (a retry racing the beat sweep).
    row = EmailOutbox.objects.create(to="teacher@example.test", subject="併發", body="b")

    outcomes = at_once(lambda: delivery.deliver(row.pk))
    assert sorted(outcomes) == [retries.SENT, retries.SKIPPED]
    assert len(smtp_server.messages) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (EmailOutbox.Status.SENT, 1)


def test_the_admin_retries_failed_emails_and_never_resends_sent_ones(
    people, smtp_server, settings, client, django_capture_on_commit_callbacks
):
    from staff.models import User

    settings.NOTIFICATIONS_MAX_ATTEMPTS = 1
    smtp_server.failures = 1
    notify([people["teacher"], people["unit_head"]], "system.test", {"title": "管理"})
    failed, sent = EmailOutbox.objects.order_by("pk")
    assert delivery.deliver(failed.pk) == retries.FAILED
    assert delivery.deliver(sent.pk) == retries.SENT
    assert len(smtp_server.messages) == 1

    client.force_login(User.objects.create_superuser("root", "root@example.test", "x"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/notifications/emailoutbox/",
            {"action": "retry_now", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )
    assert "已排入寄送：1 封" in response.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (EmailOutbox.Status.SENT, 1)
    assert sorted(e.rcpt_tos[0] for e in smtp_server.messages) == sorted([failed.to, sent.to])
