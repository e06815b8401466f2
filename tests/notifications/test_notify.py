"""notify(): an in-app notice and an email per recipient, in the caller's transaction, in their language."""

import pytest
from django.core import mail
from django.db import transaction

from notifications.models import EmailOutbox, Notification
from notifications.services import notify

pytestmark = pytest.mark.django_db


def test_in_app_and_email_are_delivered(people, django_capture_on_commit_callbacks):
    teacher, head = people["teacher"], people["unit_head"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = notify([teacher, head.user], "system.test", {"title": "段考監考"}, url="/leave/1/")
        assert mail.outbox == []  # nothing leaves before the change commits
    assert len(callbacks) == 1  # one batch task for both emails
    assert len(created) == 2

    notice = Notification.objects.get(recipient=teacher.user)
    assert notice.title == "系統測試通知：段考監考"
    assert notice.read_at is None and notice.url == "/leave/1/"
    assert "teacher 您好" in notice.body

    assert sorted(m.to[0] for m in mail.outbox) == ["head@example.test", "teacher@example.test"]
    message = next(m for m in mail.outbox if m.to == ["teacher@example.test"])
    assert message.subject == "系統測試通知：段考監考"
    assert message.body.endswith("http://127.0.0.1:8000/leave/1/")
    assert message.extra_headers["Message-ID"].startswith("<outbox-")
    assert set(EmailOutbox.objects.values_list("status", "attempts")) == {(EmailOutbox.Status.SENT, 1)}


def test_each_recipient_reads_it_in_their_own_language(people, django_capture_on_commit_callbacks):
    teacher = people["teacher"]
    teacher.user.language = "en"
    teacher.user.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        notify([teacher, people["unit_head"]], "system.test", {"title": "exam"})
    assert Notification.objects.get(recipient=teacher.user).title == "System test notice: exam"
    assert Notification.objects.get(recipient=people["unit_head"].user).title == "系統測試通知：exam"
    assert {m.subject for m in mail.outbox} == {"System test notice: exam", "系統測試通知：exam"}


def test_a_rolled_back_change_tells_nobody(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notify([people["teacher"]], "system.test", {"title": "x"})
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Notification.objects.exists() and not EmailOutbox.objects.exists()
    assert mail.outbox == []


def test_no_address_no_email_and_duplicates_and_inactive_people_skipped(people, django_capture_on_commit_callbacks):
    teacher = people["teacher"]
    teacher.user.email = ""
    teacher.user.save(update_fields=["email"])
    teacher.email = ""
    teacher.save(update_fields=["email"])
    gone = people["other_teacher"].user
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        created = notify([teacher, teacher.user, gone], "system.test", {"title": "x"}, email=True)
    assert [n.recipient_id for n in created] == [teacher.user_id]
    assert not EmailOutbox.objects.exists() and mail.outbox == []


def test_email_false_writes_only_the_inbox(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify([people["teacher"]], "system.test", {"title": "x"}, email=False)
    assert Notification.objects.count() == 1
    assert not EmailOutbox.objects.exists()


def test_an_unknown_kind_is_a_programming_error(people):
    with pytest.raises(ValueError, match="no templates"):
        notify([people["teacher"]], "no.such.kind", {})
