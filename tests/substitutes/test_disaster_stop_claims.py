"""停班停課登記: a teacher cut off by a flood registers it afterwards; the principal grants it within 15
days; the day becomes a stop for her alone (leave released, no duty) and 教學組 hears of her classes."""

import datetime as dt

import pytest
import time_machine

from audit.models import AuditEntry
from leave.models import LeaveType
from leave.services import approval_chains_seed, leave_request_submit, leave_types_seed
from notifications.models import Notification
from schedules.calendar import Reason, duty_day
from schedules.models import DisasterStopClaim
from schedules.services import (
    ScheduleError,
    disaster_stop_claim_decide,
    disaster_stop_claim_submit,
    disaster_stop_claim_withdraw,
)
from tests.substitutes.conftest import THU, at

pytestmark = pytest.mark.django_db

NEXT_MONDAY = dt.date(2025, 10, 13)


@pytest.fixture
def after_the_flood(school_setup):
    with time_machine.travel(at(NEXT_MONDAY, "09:00"), tick=False):
        yield school_setup


def claim(s, **kwargs) -> DisasterStopClaim:
    return disaster_stop_claim_submit(staff=s["teacher"], day=THU, reason="住家道路淹水無法通行", **kwargs)


def test_granted_the_day_is_a_stop_for_her_alone_and_her_leave_is_released(after_the_flood):
    s = after_the_flood
    leave_types_seed(school=s["school"])
    approval_chains_seed(school=s["school"])
    personal = LeaveType.objects.get(school=s["school"], code="personal")
    request = leave_request_submit(
        applicant=s["teacher"], leave_type=personal, start=at(THU, "08:00"), end=at(THU, "16:00"),
        deputy=s["other_teacher"], reason="淹水", class_arrangement="請教學組安排",
    )
    assert request.hours == 8
    c = claim(s)
    asked = Notification.objects.filter(recipient=s["principal"].user, kind="schedules.disaster_stop_claimed")
    assert asked.count() == 1

    disaster_stop_claim_decide(actor=s["principal"], claim=c, grant=True)
    c.refresh_from_db()
    assert c.status == DisasterStopClaim.Status.GRANTED and c.decided_by == s["principal"].user
    day = duty_day(s["teacher"], THU)
    assert not day.has_duty and day.reason == Reason.TYPHOON and "停班登記" in day.label
    assert duty_day(s["other_teacher"], THU).has_duty  # nobody else
    request.refresh_from_db()
    assert request.hours == 0
    assert Notification.objects.filter(recipient=s["teacher"].user, kind="leave.recounted").count() == 1
    assert Notification.objects.filter(recipient=s["teacher"].user, kind="schedules.disaster_stop_decided").count() == 1
    [told] = Notification.objects.filter(recipient=s["academic"].user, kind="schedules.disaster_stop_classes")
    assert "高一 3 班" in told.body and "高一 5 班" in told.body  # her Thursday classes still take place
    assert AuditEntry.objects.filter(action="schedules.disaster_stop_granted").count() == 1


def test_a_morning_claim_stops_only_the_morning(after_the_flood):
    s = after_the_flood
    c = claim(s, end_time=dt.time(12, 0))
    disaster_stop_claim_decide(actor=s["principal"], claim=c, grant=True)
    day = duty_day(s["teacher"], THU)
    assert day.has_duty and day.start == dt.time(12, 0) and day.end == dt.time(16, 0)


@pytest.mark.parametrize("who", ["teacher", "other_teacher", "unit_head", "personnel", "academic"])
def test_only_the_principal_decides(after_the_flood, who):
    s = after_the_flood
    c = claim(s)
    with pytest.raises(ScheduleError) as err:
        disaster_stop_claim_decide(actor=s[who], claim=c, grant=True)
    assert err.value.code == "not_head"
    c.refresh_from_db()
    assert c.status == DisasterStopClaim.Status.PENDING and duty_day(s["teacher"], THU).has_duty


def test_the_principal_of_another_school_cannot_see_or_decide(after_the_flood, client_for):
    s = after_the_flood
    c = claim(s)
    from staff.models import Role
    from tests.factories import make_staff

    theirs = make_staff(s["outsider"].school, name="別校校長", username="other-principal", roles=(Role.PRINCIPAL,))
    response = client_for(theirs).post(f"/schedules/disaster-stops/{c.pk}/decide/", {"grant": "1"})
    assert response.status_code == 404
    c.refresh_from_db()
    assert c.status == DisasterStopClaim.Status.PENDING


def test_a_refusal_needs_its_reason_and_changes_nothing(after_the_flood):
    s = after_the_flood
    c = claim(s)
    with pytest.raises(ScheduleError) as err:
        disaster_stop_claim_decide(actor=s["principal"], claim=c, grant=False)
    assert err.value.code == "comment_required"
    disaster_stop_claim_decide(actor=s["principal"], claim=c, grant=False, comment="當天道路可通行")
    c.refresh_from_db()
    assert c.status == DisasterStopClaim.Status.REFUSED and duty_day(s["teacher"], THU).has_duty
    with pytest.raises(ScheduleError) as err:
        disaster_stop_claim_decide(actor=s["principal"], claim=c, grant=True)
    assert err.value.code == "claim_not_pending"


@pytest.mark.parametrize(
    ("day", "code"),
    [(NEXT_MONDAY + dt.timedelta(days=1), "claim_in_future"), (THU - dt.timedelta(days=30), "claim_too_late"),
     (dt.date(2025, 10, 11), "claim_no_duty")],
)
def test_claims_that_cannot_be_made(after_the_flood, day, code):
    with pytest.raises(ScheduleError) as err:
        disaster_stop_claim_submit(staff=after_the_flood["teacher"], day=day, reason="淹水")
    assert err.value.code == code
    assert not DisasterStopClaim.objects.exists()


def test_one_live_claim_a_day_and_only_the_claimant_withdraws(after_the_flood):
    s = after_the_flood
    c = claim(s)
    with pytest.raises(ScheduleError) as err:
        claim(s)
    assert err.value.code == "claim_exists"
    with pytest.raises(ScheduleError) as err:
        disaster_stop_claim_withdraw(actor=s["principal"], claim=c)
    assert err.value.code == "not_claimant"
    disaster_stop_claim_withdraw(actor=s["teacher"], claim=c)
    c.refresh_from_db()
    assert c.status == DisasterStopClaim.Status.WITHDRAWN
    claim(s)  # a new one may be filed after a withdrawal


def test_granting_after_fifteen_days_is_refused(school_setup):
    s = school_setup
    with time_machine.travel(at(NEXT_MONDAY, "09:00"), tick=False):
        c = claim(s)
    with time_machine.travel(at(THU + dt.timedelta(days=16), "09:00"), tick=False), pytest.raises(ScheduleError) as err:
        disaster_stop_claim_decide(actor=s["principal"], claim=c, grant=True)
    assert err.value.code == "claim_too_late"


def test_the_page_files_a_claim_and_the_principal_grants_it(after_the_flood, client_for):
    s = after_the_flood
    response = client_for(s["teacher"]).post(
        "/schedules/disaster-stops/", {"date": THU.isoformat(), "part": "whole", "reason": "住家道路淹水無法通行"}
    )
    assert response.status_code == 302
    c = DisasterStopClaim.objects.get()
    page = client_for(s["principal"]).get("/schedules/disaster-stops/").content.decode()
    assert 'data-testid="claims-pending"' in page and "王老師" in page
    response = client_for(s["principal"]).post(f"/schedules/disaster-stops/{c.pk}/decide/", {"grant": "1"})
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == DisasterStopClaim.Status.GRANTED


def test_the_clock_page_counts_from_the_end_of_a_granted_morning_stop(school_setup):
    """Granted on the day (the road reopens at noon): her window starts at 12:00 on the clock page too, also
    when the school's window for the day was cached before the grant."""
    from attendance.selectors import today_for

    s = school_setup
    with time_machine.travel(at(THU, "07:00"), tick=False):
        assert today_for(s["teacher"]).duty.start == dt.time(8, 0)  # the school's window, now cached
        c = claim(s, end_time=dt.time(12, 0))
        disaster_stop_claim_decide(actor=s["principal"], claim=c, grant=True)
    with time_machine.travel(at(THU, "12:05"), tick=False):
        shown = today_for(s["teacher"])
        assert shown.duty.start == dt.time(12, 0)
        assert today_for(s["other_teacher"]).duty.start == dt.time(8, 0)  # nobody else
