"""The notice to academic affairs goes out through the real path: outbox row written with the
needs, task queued in Redis on commit, delivered by a separate Celery worker process.

Skipped without CELERY_BROKER_URL and PostgreSQL (CI sets both); run locally with
DATABASE_URL=postgres://…/campus_substitutes CELERY_BROKER_URL=redis://127.0.0.1:6379/6.
The leave side is a real submission (leave.services.leave_request_submit), whose LeaveEvent
the coverage module hears inside the same transaction.
"""

import email
import email.header
import time

import pytest

from leave.models import LeaveType
from leave.services import approval_chains_seed, leave_request_submit, leave_types_seed
from notifications.models import EmailOutbox
from substitutes.models import CoverageNeed
from tests.substitutes.conftest import FRI, THU, at

pytestmark = pytest.mark.celery_worker


def test_needs_notice_to_academic_affairs_is_delivered_by_a_worker(school_setup, celery_worker_process):
    academic, teacher = school_setup["academic"], school_setup["teacher"]
    leave_types_seed(school=school_setup["school"])
    approval_chains_seed(school=school_setup["school"])
    personal = LeaveType.objects.get(school=school_setup["school"], code="personal")
    # A real submission (Thu 10/9 – Fri 10/10, 國慶日): it commits; the tasks wait in Redis.
    leave_request_submit(
        applicant=teacher, leave_type=personal, start=at(THU, "08:00"), end=at(FRI, "16:00"),
        deputy=school_setup["other_teacher"], reason="家中有事", class_arrangement="請教學組安排代課",
    )
    assert CoverageNeed.objects.filter(teacher=school_setup["teacher"]).count() == 2
    row = EmailOutbox.objects.get(to=academic.email)
    assert row.status == EmailOutbox.Status.PENDING

    celery_worker_process.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        row.refresh_from_db()
        if row.status == EmailOutbox.Status.SENT:
            break
        time.sleep(0.3)
    assert row.status == EmailOutbox.Status.SENT
    # The leave module's own notices (to the applicant and the deputy) go out too; ours is the one to 教學組.
    [mail] = [m for m in celery_worker_process.sent_mail() if "academic@example.test" in m]
    # The file backend writes the MIME message; the Chinese subject and body are encoded in it.
    message = email.message_from_bytes(mail.split("\n" + "-" * 79)[0].encode("utf-8"))
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    assert "王老師" in subject and "事假" in subject
    assert "114/10/09 第 1 節" in body and "高一 5 班" in body and "/substitutes/" in body
