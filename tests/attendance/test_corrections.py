"""Forgotten punches (補登): asking, approving, rejecting, the monthly cap, the audit trail and notices."""

import datetime as dt

import pytest

from attendance.models import DailyResult, DailyStatus, Punch, PunchCorrection, PunchKind
from attendance.selectors import correction_approvers
from attendance.services import (
    AttendanceError,
    punch_correction_approve,
    punch_correction_reject,
    punch_correction_request,
)
from audit.models import AuditEntry
from notifications.models import EmailOutbox, Notification
from tests.attendance.conftest import WORKDAY, at, punch

NOW = at(WORKDAY, "18:30:00")


@pytest.fixture
def forgot_in(people, clock):
    """The teacher punched out but forgot to punch in on WORKDAY."""
    clock(at(WORKDAY, "16:10:00"))
    punch(staff=people["teacher"], kind=PunchKind.OUT, ip="10.0.0.1")
    clock(NOW)
    assert DailyResult.objects.get(staff=people["teacher"], date=WORKDAY).status == DailyStatus.MISSING_IN
    return people["teacher"]


def _ask(staff, day=WORKDAY, kind=PunchKind.IN, time="07:45", reason="忘記刷卡"):
    return punch_correction_request(staff=staff, date=day, kind=kind, time=dt.time.fromisoformat(time), reason=reason)


def _code(fn, *args, **kwargs) -> str:
    with pytest.raises(AttendanceError) as err:
        fn(*args, **kwargs)
    return err.value.code


def test_request_tells_the_unit_head_and_is_audited(people, forgot_in):
    correction = _ask(forgot_in)
    assert correction.status == PunchCorrection.Status.PENDING
    entry = AuditEntry.objects.get(action="attendance.correction_requested")
    assert entry.target_id == str(correction.pk)
    assert entry.actor == forgot_in.user
    assert entry.data["reason"] == "忘記刷卡"
    notice = Notification.objects.get(kind="attendance.correction_requested")
    assert notice.recipient == people["unit_head"].user
    assert "王老師" in notice.title and "114/10/08" in notice.body
    assert EmailOutbox.objects.filter(to=people["unit_head"].email).exists()


def test_approved_correction_counts_like_a_punch_and_stays_marked(people, forgot_in):
    correction = _ask(forgot_in)
    punch_correction_approve(correction_id=correction.pk, approver=people["unit_head"], note="同意")

    correction.refresh_from_db()
    assert correction.status == PunchCorrection.Status.APPROVED
    assert correction.decided_by == people["unit_head"]
    punch = Punch.objects.get(staff=forgot_in, kind=PunchKind.IN)
    assert punch.is_correction and punch.correction == correction
    assert punch.at == at(WORKDAY, "07:45:00")
    result = DailyResult.objects.get(staff=forgot_in, date=WORKDAY)
    assert (result.status, result.in_corrected, result.out_corrected) == (DailyStatus.ON_TIME, True, False)
    assert AuditEntry.objects.filter(action="attendance.correction_approved", actor=people["unit_head"].user).exists()
    notice = Notification.objects.get(kind="attendance.correction_approved")
    assert notice.recipient == forgot_in.user


def test_rejected_correction_adds_nothing(people, forgot_in):
    correction = _ask(forgot_in)
    punch_correction_reject(correction_id=correction.pk, approver=people["unit_head"], note="當日未到校")
    correction.refresh_from_db()
    assert (correction.status, correction.decision_note) == (PunchCorrection.Status.REJECTED, "當日未到校")
    assert not Punch.objects.filter(staff=forgot_in, kind=PunchKind.IN).exists()
    assert DailyResult.objects.get(staff=forgot_in, date=WORKDAY).status == DailyStatus.MISSING_IN
    assert AuditEntry.objects.filter(action="attendance.correction_rejected").exists()
    notice = Notification.objects.get(kind="attendance.correction_rejected")
    assert notice.recipient == forgot_in.user and "當日未到校" in notice.body
    # Rejected, the same punch may be asked for again.
    assert _ask(forgot_in, reason="補附證明").status == PunchCorrection.Status.PENDING


def test_only_the_unit_head_or_school_roles_decide(people, forgot_in):
    correction = _ask(forgot_in)
    for who in ("teacher", "other_head", "other_teacher", "outsider", "academic"):
        assert _code(punch_correction_approve, correction_id=correction.pk, approver=people[who]) == "not_allowed"
        assert _code(punch_correction_reject, correction_id=correction.pk, approver=people[who]) == "not_allowed"
    assert not Punch.objects.filter(staff=forgot_in, kind=PunchKind.IN).exists()
    punch_correction_approve(correction_id=correction.pk, approver=people["personnel"])
    assert _code(punch_correction_reject, correction_id=correction.pk, approver=people["unit_head"]) == "not_pending"


def test_monthly_cap(people, clock, settings):
    settings.ATTENDANCE_MAX_CORRECTIONS_PER_MONTH = 3
    clerk = people["personnel"]
    clock(at(dt.date(2025, 10, 31), "18:00:00"))
    first = _ask(clerk, dt.date(2025, 10, 1))
    _ask(clerk, dt.date(2025, 10, 2))
    _ask(clerk, dt.date(2025, 10, 3))
    assert _code(_ask, clerk, dt.date(2025, 10, 7)) == "monthly_cap"
    # A rejected request frees its place; another month has its own count.
    punch_correction_reject(correction_id=first.pk, approver=people["principal"])
    _ask(clerk, dt.date(2025, 10, 7))
    _ask(clerk, dt.date(2025, 9, 30))
    assert PunchCorrection.objects.filter(staff=clerk).count() == 5


@pytest.mark.parametrize(
    ("day", "kind", "time", "reason", "code"),
    [
        (WORKDAY, "in", "07:45", "   ", "reason_required"),
        (WORKDAY, "lunch", "07:45", "忘記", "invalid_kind"),
        (WORKDAY, "out", "19:00", "忘記", "future"),  # now is 18:30
        (WORKDAY + dt.timedelta(days=1), "in", "07:45", "忘記", "future"),
        (WORKDAY - dt.timedelta(days=40), "in", "07:45", "忘記", "too_old"),
        (WORKDAY, "out", "17:00", "忘記", "already_punched"),  # the 16:10 下班 is there
        (WORKDAY, "in", "16:30", "忘記", "in_after_out"),
    ],
)
def test_bad_requests_are_refused_with_a_code(forgot_in, day, kind, time, reason, code):
    assert _code(_ask, forgot_in, day, kind, time, reason) == code
    assert not PunchCorrection.objects.exists()


def test_one_open_request_per_punch(forgot_in):
    _ask(forgot_in)
    assert _code(_ask, forgot_in, time="07:40") == "duplicate"


def test_approval_refused_when_the_punch_appeared_meanwhile(people, clock):
    teacher = people["teacher"]
    clock(at(WORKDAY, "07:00:00"))
    correction = _ask(teacher, kind=PunchKind.OUT, time="06:59", reason="測試")  # odd but allowed: no punch yet
    clock(at(WORKDAY, "16:05:00"))
    punch(staff=teacher, kind=PunchKind.OUT, ip="10.0.0.1")
    assert _code(punch_correction_approve, correction_id=correction.pk, approver=people["unit_head"]) == (
        "already_punched"
    )
    correction.refresh_from_db()
    assert correction.status == PunchCorrection.Status.PENDING


def test_a_real_out_punch_supersedes_an_earlier_corrected_out(people, clock):
    teacher = people["teacher"]
    clock(at(WORKDAY, "17:00:00"))
    correction = _ask(teacher, kind=PunchKind.OUT, time="16:00", reason="網路斷線")
    punch_correction_approve(correction_id=correction.pk, approver=people["unit_head"])
    clock(at(WORKDAY, "17:30:00"))
    punch(staff=teacher, kind=PunchKind.OUT, ip="10.0.0.1")
    out = Punch.objects.get(staff=teacher, kind=PunchKind.OUT)
    assert (out.at, out.is_correction, out.correction) == (at(WORKDAY, "17:30:00"), False, None)


def test_who_is_asked_to_approve(people):
    assert correction_approvers(people["teacher"]) == [people["unit_head"]]
    assert correction_approvers(people["academic"]) == [people["unit_head"]]  # head of a section: the office head
    assert correction_approvers(people["unit_head"]) == [people["personnel"]]  # a head with no parent unit
    assert correction_approvers(people["personnel"]) == []  # the personnel head: nobody above but the principal
