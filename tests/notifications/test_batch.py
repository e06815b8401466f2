"""Emails leave in batches: one task for the emails of every commit while it waits, one connection to the mail
server (a real one on loopback) for the batch, each email its own outcome."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from notifications import delivery, retries, tasks
from notifications.models import EmailOutbox
from notifications.services import notify
from tests.notifications.conftest import free_port

pytestmark = pytest.mark.django_db

THREE = ("teacher", "unit_head", "personnel")


def emails(count: int) -> list[EmailOutbox]:
    """``count`` pending emails, as ``notify`` leaves them (oldest first)."""
    rows = EmailOutbox.objects.bulk_create(
        EmailOutbox(to=f"person{i}@example.test", subject=f"通知 {i}", body="內容") for i in range(count)
    )
    return sorted(rows, key=lambda row: row.pk)


@pytest.fixture
def published(monkeypatch):
    """The batch task's publishes, counted instead of sent to a broker (nothing runs: as if it waited for its
    countdown in the queue)."""
    calls: list[dict] = []
    monkeypatch.setattr(tasks.deliver_email_batch, "apply_async", lambda *args, **kwargs: calls.append(kwargs))
    return calls


def test_the_commits_while_a_task_waits_queue_that_one_task(people, published, smtp_server, settings,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify([people[name] for name in THREE], "system.test", {"title": "一次"})
    assert published == [{"countdown": settings.NOTIFICATIONS_EMAIL_DELAY_SECONDS}]  # three emails, one task
    with django_capture_on_commit_callbacks(execute=True):  # another change while that task waits
        notify([people["other_teacher"]], "system.test", {"title": "又一次"})
    assert len(published) == 1
    assert smtp_server.messages == []

    assert tasks.deliver_email_batch.apply().get() == 4  # the queued task, when it runs: all four
    assert EmailOutbox.objects.filter(status=EmailOutbox.Status.SENT).count() == 4
    assert smtp_server.connections() == 1
    # It cleared the mark: the next commit queues the next task.
    with django_capture_on_commit_callbacks(execute=True):
        notify([people["teacher"]], "system.test", {"title": "下一次"})
    assert len(published) == 2


def test_with_the_broker_down_the_change_stands_and_the_next_commit_tries_again(people, monkeypatch, caplog,
                                                                                django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("the broker is down")

    monkeypatch.setattr(tasks.deliver_email_batch, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        notify([people["teacher"]], "system.test", {"title": "停機"})
    assert EmailOutbox.objects.get().status == EmailOutbox.Status.PENDING  # the sweep sends it
    assert cache.get(delivery.EMAILS_QUEUED_MARK) is None
    assert "could not queue the delivery of the emails" in caplog.text

    monkeypatch.undo()  # the broker is back (eager here): the next commit's task sends both
    with django_capture_on_commit_callbacks(execute=True):
        notify([people["unit_head"]], "system.test", {"title": "恢復"})
    assert set(EmailOutbox.objects.values_list("status", flat=True)) == {EmailOutbox.Status.SENT}


def test_a_batch_sends_every_due_email_over_one_connection_with_its_own_message_id(smtp_server):
    rows = emails(5)
    batch = delivery.deliver_pending()
    assert batch.taken == 5 and batch.retry_at is None
    assert batch.outcomes == {row.pk: retries.SENT for row in rows}
    assert [e.rcpt_tos for e in smtp_server.messages] == [[row.to] for row in rows]
    assert smtp_server.connections() == 1
    assert smtp_server.message_ids() == [f"<outbox-{row.pk}@campus-attendance>" for row in rows]
    assert set(EmailOutbox.objects.values_list("status", "attempts", "next_attempt_at")) == {
        (EmailOutbox.Status.SENT, 1, None)
    }
    assert delivery.deliver_pending().taken == 0  # nothing is sent twice


def test_one_refused_recipient_is_retried_and_the_others_are_sent(smtp_server, settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    first, refused, last = emails(3)
    smtp_server.refuse_to = {refused.to}
    started = timezone.now()
    batch = delivery.deliver_pending()
    assert batch.outcomes == {first.pk: retries.SENT, refused.pk: retries.RETRY, last.pk: retries.SENT}
    assert smtp_server.connections() == 1  # the server answered 451 and the conversation went on
    assert sorted(e.rcpt_tos[0] for e in smtp_server.messages) == sorted([first.to, last.to])
    refused.refresh_from_db()
    assert (refused.status, refused.attempts) == (EmailOutbox.Status.PENDING, 1)
    assert "451" in refused.last_error
    assert dt.timedelta(seconds=29) < refused.next_attempt_at - started < dt.timedelta(seconds=32)
    assert batch.retry_at == refused.next_attempt_at  # the task comes back then

    assert delivery.deliver_pending().taken == 0  # not due yet
    smtp_server.refuse_to = set()
    EmailOutbox.objects.filter(pk=refused.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    assert delivery.deliver_pending().outcomes == {refused.pk: retries.SENT}
    refused.refresh_from_db()
    assert (refused.status, refused.attempts, refused.last_error) == (EmailOutbox.Status.SENT, 2, "")
    assert smtp_server.message_ids()[-1] == f"<outbox-{refused.pk}@campus-attendance>"


def test_an_unreachable_mail_server_is_tried_once_for_the_whole_batch(smtp_server, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    rows = emails(4)
    EmailOutbox.objects.filter(pk=rows[0].pk).update(attempts=1)  # its last attempt
    settings.EMAIL_PORT = free_port()  # nobody listens there
    batch = delivery.deliver_pending()
    assert batch.outcomes == {rows[0].pk: retries.FAILED, **{row.pk: retries.RETRY for row in rows[1:]}}
    states = dict(EmailOutbox.objects.values_list("pk", "status"))
    assert states[rows[0].pk] == EmailOutbox.Status.FAILED
    for row in EmailOutbox.objects.filter(pk__in=[row.pk for row in rows[1:]]):
        assert (row.status, row.attempts) == (EmailOutbox.Status.PENDING, 1)
        assert "refused" in row.last_error.lower()
    assert EmailOutbox.objects.get(pk=rows[0].pk).next_attempt_at is None  # failed: nothing is due


def test_a_batch_of_two_takes_five_emails_in_three_tasks(smtp_server, settings, monkeypatch):
    settings.NOTIFICATIONS_EMAIL_BATCH = 2
    emails(5)
    real = delivery.deliver_pending
    batches = []

    def recorded(**kwargs):
        batch = real(**kwargs)
        batches.append(batch.taken)
        return batch

    monkeypatch.setattr(delivery, "deliver_pending", recorded)
    tasks.deliver_email_batch.delay()  # eager: each task runs the next in turn
    assert batches == [2, 2, 1]
    assert EmailOutbox.objects.filter(status=EmailOutbox.Status.SENT).count() == 5
    assert len(smtp_server.messages) == 5
    assert smtp_server.connections() == 3  # one a batch


@pytest.mark.parametrize("count", [1, 10])
def test_a_batch_costs_the_same_queries_whatever_its_size(count, django_assert_num_queries):
    emails(count)
    # The claim (a savepoint: SELECT … FOR UPDATE SKIP LOCKED, UPDATE of the attempts and the claim), then one
    # UPDATE of the sent rows. The emails go to the in-memory backend of the tests.
    with django_assert_num_queries(5):
        assert delivery.deliver_pending().taken == count
    assert EmailOutbox.objects.filter(status=EmailOutbox.Status.SENT).count() == count


@pytest.mark.parametrize("count", [1, 10])
def test_a_batch_of_failures_costs_the_same_queries_whatever_its_size(count, settings, django_assert_num_queries):
    emails(count)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 5
    # The claim (4), then a savepoint with the rows still held read under lock and their outcomes in one UPDATE.
    with django_assert_num_queries(8):
        assert set(delivery.deliver_pending().outcomes.values()) == {retries.RETRY}


def test_emails_a_batch_holds_are_not_taken_by_another_delivery(smtp_server, monkeypatch):
    """Another batch (a second worker, the sweep's task) or a single delivery starting while this one sends
    finds its emails claimed (not due), and sends nothing of them."""
    rows = emails(3)
    real = delivery._send_all
    meanwhile = []

    def send_while_another_delivery_starts(claimed, stop_at):
        meanwhile.append((delivery.deliver_pending().taken, delivery.deliver(claimed[0].pk)))
        return real(claimed, stop_at)

    monkeypatch.setattr(delivery, "_send_all", send_while_another_delivery_starts)
    assert delivery.deliver_pending().taken == 3
    assert meanwhile == [(0, retries.SKIPPED)]
    assert len(smtp_server.messages) == 3
    assert sorted(EmailOutbox.objects.values_list("pk", "attempts")) == [(row.pk, 1) for row in rows]


def test_a_batch_past_half_its_claim_releases_what_it_has_not_sent(smtp_server, monkeypatch):
    """No send starts after half the claim (so a live worker's claim never runs out under it): the rows left
    are due again at once, their attempt not counted, and the next batch sends them."""
    rows = emails(3)
    monkeypatch.setattr(delivery, "CLAIM", dt.timedelta(0))  # as if half the claim had gone before the first send
    batch = delivery.deliver_pending()
    assert batch.taken == 3 and batch.outcomes == {row.pk: retries.SKIPPED for row in rows}
    assert set(EmailOutbox.objects.values_list("status", "attempts", "next_attempt_at")) == {
        (EmailOutbox.Status.PENDING, 0, None)
    }
    monkeypatch.undo()
    assert delivery.deliver_pending().outcomes == {row.pk: retries.SENT for row in rows}
    assert len(smtp_server.messages) == 3


def test_the_sweep_queues_one_task_for_every_lost_email(published):
    rows = emails(10)
    EmailOutbox.objects.filter(pk__in=[row.pk for row in rows]).update(
        created_at=timezone.now() - dt.timedelta(minutes=5)
    )
    assert tasks.deliver_pending_emails() == 1
    assert published == [{}]  # delay(): at once
    EmailOutbox.objects.update(status=EmailOutbox.Status.SENT)
    assert tasks.deliver_pending_emails() == 0
    assert len(published) == 1
