"""What a leave submission and an approval step cost in queries (page and API), and that the cost is
the same for a person with one earlier request as for one with sixty: the person's history is read in
a fixed number of statements and only the new request's charges are written.

Transaction control (SAVEPOINT / RELEASE: the request's ATOMIC_REQUESTS, the service's atomic, the
coverage module's own) is left out of the counts, as in the punch's budget (tests/attendance/test_punch_path.py).
"""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from leave import school_cache
from leave.models import LeaveCharge, LeaveDay, LeaveRequest, LeaveStatus
from leave.selectors import school_rules
from leave.services import leave_charges_recompute, leave_request_submit, leave_step_approve
from leave.services.requests import school_chains
from schedules import duty_cache
from substitutes.models import Absence
from tests.leave.conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_1_september_2025")]

# Page POST /leave/new/ for a teacher, the times given (queries, transaction control left out), with what
# the school's earlier requests left in the cache: its rules, chains and closed months (leave.school_cache) and
# the teachers' duty on that day (schedules.duty_cache):
# session, account with its staff record (staff.backends), the chosen deputy (3; the type is one of the cached rules');
# the service (16): the lock of applicant and deputy (their units joined, not locked); the overlaps of applicant
# and deputy with who stands in for the deputy right now (the first step's actor) in one; the person's charge
# history in one (the charges before the horizon summed, the stored charges from it, 補休 credits, balance
# adjustments); the leave days from the horizon; the request (with its unpaid hours and payer), its day, the new
# charges, the audit entry; the coverage module's receiver for a teacher (5: the teacher with the school, the
# absence and its span inserted, the timetable, audit); the steps inserted with the deputy's current; the notices
# and their emails (2).
# Before issue 15: 55; 47 when the page listed every refusal before submitting. Now the list is made only when
# the submission is refused; the duty days (5) and the school's reads are cached; the receiver no longer reads
# the actor's account, an absence a new request cannot have, the school and teacher apart, nor deletes the spans
# or reads the needs of an absence just made; the first step is inserted current (not inserted, then updated);
# the history is one statement (was four), who covers for the deputy comes with the overlaps. 24 before the last two;
# 20 before the staff record came with the session's account.
PAGE_SUBMIT = 19
# The service alone, called as the page calls it (the duty days known): the 16 above.
SERVICE_SUBMIT = 16
# With the day's duty not yet cached (the first request of the teachers of the school that day): the calendar's
# five reads and the people with a schedule or a stop of their own that day.
COLD_DUTY = 6
# The API (token; no session or account rows): the service (16; the deputy is read with the applicant in its
# lock), the viewer's roles (for the answer's actions: may they reassign the current step). The answer is the
# request as the service handed it back, with its steps and attachments: no read of the request, steps or
# attachments again.
API_SUBMIT = 17  # 42 before; 25 before the history in one statement and the answer from the service; 18 before
# the deputy was left to the service's lock
# The deputy agrees: the page's session, account, staff record and the request as the person may see
# it; the lock, the request with its applicant, school, unit and unit head, its steps (all of them, in one
# read), the step approved, the audit entry, the applicant's roles, the unit head's step
# made current, who covers for the unit head, the step's earlier notices marked done, the notices and their emails.
PAGE_APPROVE = 15  # the staff record with the session's account (staff.backends); 16 before
# The API: the request, its steps and attachments as seen (3); the lock, the request, all its steps (3); the step
# approved, audited, its notices marked done (3); the applicant's roles, the unit head's step made current, who
# covers for the unit head (3); the notices and their emails (2); for the answer's actions, who covers for the
# unit head (may the viewer act on the current step as their deputy) and the viewer's roles (may they reassign
# it) (2). The answer is the request as the service handed it back, its steps as they are now.
API_APPROVE = 16  # 18 before the answer from the service
# The last step (the unit head): the request, its steps and attachments as seen (3: the viewer is on a step, so
# neither their roles nor their headed units are asked); the lock, the request, its steps (3); the step approved,
# audited, its notices marked done (3); the request approved and audited (2); the coverage module's receiver (5:
# the absence with its teacher and school, its spans — the same as submitted, so not rewritten —, the absence, its
# live needs, audit); the decision told (2); the answer, from what the service holds (0).
# 27 before (10 of them the receiver); 22 before the viewer's steps were checked first and the answer came from
# the service.
API_APPROVE_LAST = 18


def without_transaction_control(captured) -> list[str]:
    return [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def make_history(school, types, count: int) -> None:
    # The content types of the audited rows are cached per process, as in a running server; the school's
    # rules and chains were set up long before (committed: leave.school_cache may keep them).
    ContentType.objects.get_for_models(LeaveRequest, Absence)
    school_cache.settled()
    duty_cache.settled()
    teacher = school["teacher"]
    school_chains(teacher.school_id), school_cache.closed_months(teacher.school_id)  # an earlier request's reads
    """``count`` approved one-hour 病假 of the teacher on the weekdays from 3 March 2025 on (inside the
    charges' horizon of a September request), charged by the real reallocation."""
    rules = school_rules(teacher.school_id)
    day, made = dt.date(2025, 3, 3), []
    while len(made) < count:
        if day.weekday() < 5:
            made.append(LeaveRequest(
                school_id=teacher.school_id, applicant=teacher, leave_type=types["sick"],
                rule=rules.rule_for(types["sick"].pk, teacher.category, day),
                start=at(day.year, day.month, day.day, 8), end=at(day.year, day.month, day.day, 9), hours=1,
                deputy=school["other_teacher"], status=LeaveStatus.APPROVED, chain_name="一日以內",
            ))
        day += dt.timedelta(days=1)
    LeaveRequest.objects.bulk_create(made)
    LeaveDay.objects.bulk_create(LeaveDay(request=r, day=r.start.date(), hours=1) for r in made)
    leave_charges_recompute(staff_members=[teacher], since=dt.date(2025, 3, 3))
    assert LeaveCharge.objects.filter(staff=teacher).count() == count


def form(school, types) -> dict:
    return {
        "leave_type": types["personal"].pk, "start_date": "2025-09-10", "start_time": "08:00",
        "end_date": "2025-09-10", "end_time": "12:00", "reason": "家中有事", "deputy": school["other_teacher"].pk,
        "class_arrangement": "第 3 節請吳老師代課", "action": "submit",
    }


def pending(school, types) -> LeaveRequest:
    return leave_request_submit(
        applicant=school["teacher"], leave_type=types["personal"], start=at(2025, 9, 10, 8), end=at(2025, 9, 10, 12),
        deputy=school["other_teacher"], reason="家中有事", class_arrangement="調課",
    )


@pytest.fixture(params=[1, 60], ids=["1 earlier request", "60 earlier requests"])
def history(request, school, types):
    make_history(school, types, request.param)
    return request.param


@pytest.fixture
def duty_known(school):
    """10 September's duty of the teacher's category is cached (a colleague of the category, or the form's
    preview, asked about the day earlier)."""
    day = dt.date(2025, 9, 10)
    duty_cache.cached_duty_days(school["teacher"], day, day)


def test_page_submit(school, types, history, duty_known, client_for):
    client = client_for(school["teacher"])
    with CaptureQueriesContext(connection) as ctx:
        answer = client.post(reverse("leave:new"), form(school, types))
    assert answer.status_code == 302
    assert len(without_transaction_control(ctx.captured_queries)) == PAGE_SUBMIT
    created = LeaveRequest.objects.get(leave_type=types["personal"])
    # Only the new request's charge was written; the earlier ones are as they were.
    assert list(created.charges.values_list("hours", flat=True)) == [4]
    assert LeaveCharge.objects.filter(staff=school["teacher"]).count() == history + 1


def test_service_submit(school, types, history, duty_known):
    rules = school_rules(school["teacher"].school_id)  # as the page hands them over
    with CaptureQueriesContext(connection) as ctx:
        created = leave_request_submit(
            applicant=school["teacher"], leave_type=types["personal"], start=at(2025, 9, 10, 8),
            end=at(2025, 9, 10, 12), deputy=school["other_teacher"], reason="家中有事", class_arrangement="調課",
            rules=rules,
        )
    assert len(without_transaction_control(ctx.captured_queries)) == SERVICE_SUBMIT
    assert list(created.charges.values_list("hours", flat=True)) == [4]
    assert LeaveCharge.objects.filter(staff=school["teacher"]).count() == history + 1


def test_page_submit_reads_the_duty_days_once_when_a_time_is_left_blank(school, types, history, client_for):
    client = client_for(school["teacher"])
    with CaptureQueriesContext(connection) as ctx:
        answer = client.post(reverse("leave:new"), {**form(school, types), "start_time": "", "end_time": ""})
    assert answer.status_code == 302
    sql = without_transaction_control(ctx.captured_queries)
    # The span is completed from the duty (the whole day) and the request counted from the same read.
    assert sum('FROM "schedules_officecalendarday"' in q for q in sql) == 1
    assert len(sql) == PAGE_SUBMIT + COLD_DUTY
    assert LeaveRequest.objects.get(leave_type=types["personal"]).hours == 8


def test_api_submit(school, types, history, duty_known):
    api = APIClient()
    api.force_authenticate(school["teacher"].user)
    body = {
        "leave_type": types["personal"].pk, "start": "2025-09-10T08:00:00+08:00", "end": "2025-09-10T12:00:00+08:00",
        "deputy": school["other_teacher"].pk, "reason": "家中有事", "class_arrangement": "調課",
    }
    with CaptureQueriesContext(connection) as ctx:
        answer = api.post("/api/leave/requests/", body, format="json")
    assert answer.status_code == 201, answer.content
    assert len(without_transaction_control(ctx.captured_queries)) == API_SUBMIT


def test_page_approve(school, types, history, client_for):
    request = pending(school, types)
    client = client_for(school["other_teacher"])
    with CaptureQueriesContext(connection) as ctx:
        answer = client.post(reverse("leave:approve", args=[request.pk]), {"comment": "可"})
    assert answer.status_code == 302
    assert request.steps.get(order=1).status == "approved" and request.steps.get(order=2).status == "current"
    assert len(without_transaction_control(ctx.captured_queries)) == PAGE_APPROVE


def test_api_approve(school, types, history):
    request = pending(school, types)
    api = APIClient()
    api.force_authenticate(school["other_teacher"].user)
    with CaptureQueriesContext(connection) as ctx:
        answer = api.post(f"/api/leave/requests/{request.pk}/approve/", {}, format="json")
    assert answer.status_code == 200
    assert len(without_transaction_control(ctx.captured_queries)) == API_APPROVE


def test_api_approve_last_step(school, types, history):
    request = pending(school, types)
    leave_step_approve(request=request, actor=school["other_teacher"])
    api = APIClient()
    api.force_authenticate(school["unit_head"].user)
    with CaptureQueriesContext(connection) as ctx:
        answer = api.post(f"/api/leave/requests/{request.pk}/approve/", {}, format="json")
    assert answer.json()["status"] == LeaveStatus.APPROVED
    assert len(without_transaction_control(ctx.captured_queries)) == API_APPROVE_LAST
