"""The approvers' one inbox: leave steps, deputy acceptances, 銷假, overtime and 補登 in one list, oldest
first, with the details inline; bulk decisions through each app's service; constant queries."""

import datetime as dt

import holidays
import pytest
import time_machine
from django.urls import reverse

from attendance.models import PunchCorrection
from attendance.services import punch_correction_request
from leave.models import LeaveRequest, LeaveStatus, OvertimeRequest
from leave.services import leave_request_submit, leave_step_approve, overtime_submit
from offices.errors import OfficesError
from offices.inbox import inbox_items
from offices.services import inbox_decide
from tests.clock import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_1_september_2025")]

# Working days from Tue 2 Sep 2025 on, by the national calendar the school follows.
_TW = holidays.country_holidays("TW", years=2025)
WORKDAYS = [d for d in (dt.date(2025, 9, 2) + dt.timedelta(days=n) for n in range(80)) if _TW.is_working_day(d)]


def leave(school, types, day: dt.date, *, who="teacher", code="personal", deputy="other_teacher",
          end_day: dt.date | None = None, **kw):
    """Four hours on ``day`` (08:00–12:00), or every day to ``end_day`` 16:00."""
    end = at(day.year, day.month, day.day, 12) if end_day is None else at(end_day.year, end_day.month,
                                                                            end_day.day, 16)
    return leave_request_submit(
        applicant=school[who], leave_type=types[code], start=at(day.year, day.month, day.day, 8),
        end=end, deputy=school[deputy], reason="家中有事",
        class_arrangement="無課務", **kw,
    )


def for_the_head(school, types, day: dt.date, **kw) -> LeaveRequest:
    """A request whose deputy has accepted: it waits for the unit head (陳主任)."""
    request = leave(school, types, day, **kw)
    leave_step_approve(request=request, actor=school[kw.get("deputy", "other_teacher")])
    return request


def overtime(school, day: dt.date) -> OvertimeRequest:
    return overtime_submit(staff=school["teacher"], planned_start=at(day.year, day.month, day.day, 17),
                           planned_end=at(day.year, day.month, day.day, 19), reason="校慶預演")


def correction(school, day: dt.date, who="teacher") -> PunchCorrection:
    return punch_correction_request(staff=school[who], date=day, kind="in", time=dt.time(7, 40), reason="忘了刷卡")


def fill(school, types, n: int) -> None:
    """n of each kind for the unit head, a minute apart."""
    for i in range(n):
        with time_machine.travel(at(2025, 9, 1, 9, i), tick=False):
            for_the_head(school, types, WORKDAYS[i])
            overtime(school, WORKDAYS[i])
            correction(school, dt.date(2025, 8, 1) + dt.timedelta(days=i))


def test_every_kind_waits_in_one_list_oldest_first_with_its_details(school, types):
    with time_machine.travel(at(2025, 9, 1, 8, 0), tick=False):
        fix = correction(school, dt.date(2025, 8, 29))
    with time_machine.travel(at(2025, 9, 1, 8, 10), tick=False):
        request = for_the_head(school, types, WORKDAYS[0])
    with time_machine.travel(at(2025, 9, 1, 8, 20), tick=False):
        extra = overtime(school, WORKDAYS[1])
    # The deputy's acceptance waits for 李導師 (another unit): only theirs to give.
    with time_machine.travel(at(2025, 9, 1, 8, 30), tick=False):
        asked = leave(school, types, WORKDAYS[2], who="academic")

    items = inbox_items(school["unit_head"])
    assert [i.key for i in items] == [f"correction:{fix.pk}", f"leave:{request.pk}", f"overtime:{extra.pk}"]
    step = items[1]
    assert step.label == "請假" and step.hours == 4 and step.deputy == school["other_teacher"]
    assert step.balance_after == 7 * 8 - 4  # 事假 7 days, this request's 4 hours reserved
    assert step.may_reject
    assert [i.key for i in inbox_items(school["other_teacher"])] == [f"leave:{asked.pk}"]
    assert inbox_items(school["other_teacher"])[0].label == "職務代理"
    # The teacher decides nothing; the personnel office has no 補登 of a unit with a head.
    assert inbox_items(school["teacher"]) == []
    assert [i.kind for i in inbox_items(school["personnel"])] == []


def test_the_page_lists_them_and_opens_the_oldest(school, types, client_for):
    fill(school, types, 2)
    page = client_for(school["unit_head"]).get(reverse("offices:inbox"))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="office-inbox-item"') == 6
    assert html.count("<details open>") == 1
    assert "剩餘：" in html and "李導師" in html


@pytest.mark.parametrize("n", [3, 30])
def test_the_page_costs_the_same_for_3_and_30_items(school, types, client_for, n, django_assert_num_queries):
    fill(school, types, n)
    client = client_for(school["unit_head"])
    # 18 queries whatever n: savepoint and release; session, user with staff, school and unit; the people I
    # stand in for; my roles; the leave steps (requests, applicants, units, types, rules, deputies joined);
    # their attachments; the balances (rules, charges, adjustments, 補休 credits); the teachers' timetable
    # rows; the overtime requests; my headed units (the corrections' visibility, then the menu); the
    # corrections; the school's units; the unread count.
    with django_assert_num_queries(18):
        response = client.get(reverse("offices:inbox"))
    assert len(response.context["items"]) == 3 * n


def test_bulk_approval_approves_what_is_allowed_and_reports_the_rest(school, types):
    head = school["unit_head"]
    mine = for_the_head(school, types, WORKDAYS[0])
    asked = leave(school, types, WORKDAYS[1], who="academic")  # waits for its deputy, not the head
    extra = overtime(school, WORKDAYS[2])
    fix = correction(school, dt.date(2025, 8, 29))
    outsider = correction(school, dt.date(2025, 8, 29), who="other_teacher")  # another unit's

    outcomes = {o.key: o for o in inbox_decide(
        actor=head, approve=True,
        keys=[f"leave:{mine.pk}", f"leave:{asked.pk}", f"overtime:{extra.pk}", f"correction:{fix.pk}",
              f"correction:{outsider.pk}", "leave:999999999", "nonsense"],
    )}
    assert {k for k, o in outcomes.items() if o.ok} == {f"leave:{mine.pk}", f"overtime:{extra.pk}",
                                                        f"correction:{fix.pk}"}
    assert outcomes[f"leave:{asked.pk}"].code == "not_your_step"
    assert outcomes[f"correction:{outsider.pk}"].code == "not_allowed"
    assert outcomes["leave:999999999"].code == "not_found"
    assert outcomes["nonsense"].code == "bad_item"
    mine.refresh_from_db()
    asked.refresh_from_db()
    outsider.refresh_from_db()
    assert mine.status == LeaveStatus.APPROVED  # 4 hours: deputy → unit head
    assert asked.status == LeaveStatus.PENDING and asked.steps.get(role="deputy").status == "current"
    assert OvertimeRequest.objects.get(pk=extra.pk).status == "approved"
    assert PunchCorrection.objects.get(pk=fix.pk).status == "approved"
    assert outsider.status == "pending"
    assert inbox_items(head) == []


def test_a_rejection_needs_its_comment_and_a_type_that_may_not_be_refused_is_reported(school, types):
    head = school["unit_head"]
    personal = for_the_head(school, types, WORKDAYS[0])
    caring = for_the_head(school, types, WORKDAYS[1], code="family_care")  # 家庭照顧假: may not be refused
    fix = correction(school, dt.date(2025, 8, 29))
    keys = [f"leave:{personal.pk}", f"leave:{caring.pk}", f"correction:{fix.pk}"]
    with pytest.raises(OfficesError) as refused:
        inbox_decide(actor=head, keys=keys, approve=False, comment="  ")
    assert refused.value.code == "comment_required"
    assert LeaveRequest.objects.filter(pk__in=[personal.pk, caring.pk], status=LeaveStatus.PENDING).count() == 2
    assert PunchCorrection.objects.get(pk=fix.pk).status == "pending"

    outcomes = {o.key: o for o in inbox_decide(actor=head, keys=keys, approve=False, comment="人力不足")}
    assert outcomes[f"leave:{personal.pk}"].ok and outcomes[f"correction:{fix.pk}"].ok
    assert outcomes[f"leave:{caring.pk}"].code == "may_not_refuse"
    assert next(i for i in inbox_items(head) if i.key == f"leave:{caring.pk}").may_reject is False
    assert LeaveRequest.objects.get(pk=personal.pk).status == LeaveStatus.REJECTED
    assert PunchCorrection.objects.get(pk=fix.pk).decision_note == "人力不足"


def test_people_who_may_not_decide_are_refused_each_item(school, types):
    request = for_the_head(school, types, WORKDAYS[0])
    extra = overtime(school, WORKDAYS[1])
    fix = correction(school, dt.date(2025, 8, 29))
    keys = [f"leave:{request.pk}", f"overtime:{extra.pk}", f"correction:{fix.pk}"]
    for who, codes in [
        ("teacher", ["own_request", "own_request", "not_allowed"]),
        ("other_head", ["not_your_step", "not_your_step", "not_allowed"]),
        ("outsider", ["not_your_step", "not_your_step", "not_allowed"]),
    ]:
        assert [o.code for o in inbox_decide(actor=school[who], keys=keys, approve=True)] == codes, who
    assert LeaveRequest.objects.get(pk=request.pk).status == LeaveStatus.PENDING
    assert OvertimeRequest.objects.get(pk=extra.pk).status == "pending"
    assert PunchCorrection.objects.get(pk=fix.pk).status == "pending"


def test_the_page_decides_several_and_says_which_were_refused(school, types, client_for):
    first = for_the_head(school, types, WORKDAYS[0])
    second = for_the_head(school, types, WORKDAYS[1])
    asked = leave(school, types, WORKDAYS[2], who="academic")
    client = client_for(school["unit_head"])
    response = client.post(reverse("offices:decide"), {
        "item": [f"leave:{first.pk}", f"leave:{second.pk}", f"leave:{asked.pk}"], "decision": "approve",
    }, follow=True)
    html = response.content.decode()
    assert "已同意 2 件" in html
    assert "不在您待簽核清單中的項目" in html and "您不是這一關的簽核人" in html
    assert LeaveRequest.objects.filter(pk__in=[first.pk, second.pk], status=LeaveStatus.APPROVED).count() == 2
    # Rejecting without a comment changes nothing and says why.
    third = for_the_head(school, types, WORKDAYS[3])
    html = client.post(reverse("offices:decide"), {"item": [f"leave:{third.pk}"], "decision": "reject"},
                       follow=True).content.decode()
    assert "駁回時請填寫意見" in html
    assert LeaveRequest.objects.get(pk=third.pk).status == LeaveStatus.PENDING
    # Nothing chosen, or a bad decision: a message, no change, no error.
    assert client.post(reverse("offices:decide"), {"decision": "approve"}).status_code == 302
    assert client.post(reverse("offices:decide"), {"item": ["x"], "decision": "maybe"}).status_code == 302
