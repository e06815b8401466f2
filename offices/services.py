"""Deciding from the one inbox: several items at once, each through its own app's service.

``inbox_decide`` changes nothing itself. Each item is decided by the service that owns it
(``leave_step_approve`` / ``leave_step_reject``, ``overtime_decide``, ``punch_correction_approve`` /
``punch_correction_reject``), each in its own transaction with its own lock, audit entry and notices;
whatever that service refuses (not your step, a type the school may not refuse, already decided …) is
reported for that item with its message and code, and the others go on. A rejection always needs a
comment: the whole batch is refused before anything is touched when it has none.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from attendance.models import PunchCorrection
from attendance.services import punch_correction_approve, punch_correction_reject
from audit.services import audit_log
from common.errors import DomainError
from leave.models import LeaveRequest, OvertimeRequest
from leave.services import leave_step_approve, leave_step_reject, overtime_decide
from offices.errors import OfficesError
from offices.inbox import CORRECTION, LEAVE, OVERTIME, parse_key
from staff.models import School, StaffMember

MAX_ITEMS = 100


@dataclass(frozen=True)
class Outcome:
    key: str
    ok: bool
    applicant: str = ""
    message: str = ""
    code: str = ""


def _decide_one(kind: str, pk: int, *, actor: StaffMember, approve: bool, comment: str) -> str:
    """Decide one item; returns the applicant's name. Raises the owning app's DomainError (a refusal names
    nobody: the key may be anyone's)."""
    if kind == LEAVE:
        request = LeaveRequest.objects.filter(pk=pk).select_related("applicant").first()
        if request is None:
            raise OfficesError(_("找不到這一件"), code="not_found")
        if approve:
            leave_step_approve(request=request, actor=actor, comment=comment)
        else:
            leave_step_reject(request=request, actor=actor, comment=comment)
        return request.applicant.name
    if kind == OVERTIME:
        overtime = OvertimeRequest.objects.filter(pk=pk).select_related("staff").first()
        if overtime is None:
            raise OfficesError(_("找不到這一件"), code="not_found")
        overtime_decide(overtime=overtime, actor=actor, approve=approve, comment=comment)
        return overtime.staff.name
    correction = PunchCorrection.objects.filter(pk=pk).select_related("staff").first()
    if correction is None:
        raise OfficesError(_("找不到這一件"), code="not_found")
    service = punch_correction_approve if approve else punch_correction_reject
    service(correction_id=pk, approver=actor, note=comment)
    return correction.staff.name


def inbox_decide(*, actor: StaffMember, keys: list[str], approve: bool, comment: str = "") -> list[Outcome]:
    """Approve (or reject, with ``comment``) each item named by its key ("leave:12", "overtime:3",
    "correction:7"), oldest first as given. One outcome per key: done, or refused with the reason."""
    comment = (comment or "").strip()
    keys = list(dict.fromkeys(k for k in keys if k))  # once each, in the order given
    if not keys:
        raise OfficesError(_("請先勾選要簽核的項目"), code="nothing_chosen")
    if len(keys) > MAX_ITEMS:
        raise OfficesError(_("一次最多簽核 %(n)s 件") % {"n": MAX_ITEMS}, code="too_many")
    if not approve and not comment:
        raise OfficesError(_("駁回時請填寫意見"), code="comment_required")
    outcomes = []
    for key in keys:
        parsed = parse_key(key)
        if parsed is None:
            outcomes.append(Outcome(key=key, ok=False, message=_("無法辨識的項目"), code="bad_item"))
            continue
        kind, pk = parsed
        try:
            name = _decide_one(kind, pk, actor=actor, approve=approve, comment=comment)
        except DomainError as exc:
            outcomes.append(Outcome(key=key, ok=False, message=str(exc.message), code=exc.code))
            continue
        outcomes.append(Outcome(key=key, ok=True, applicant=name))
    return outcomes


def city_read_record(*, actor: StaffMember, month: str, school: School | None = None) -> None:
    """Every read of the city's view is audited: the overview of all schools (``offices.city_viewed``) and
    each school opened (``offices.city_school_viewed``, with the school as target and school)."""
    if school is None:
        audit_log(actor=actor.user, action="offices.city_viewed", data={"month": month})
    else:
        audit_log(actor=actor.user, action="offices.city_school_viewed", target=school, school=school,
                  data={"month": month})


def city_sheet_read_record(
    *, actor: StaffMember, school: School, month: str, unit_id: int | None, category: str | None
) -> None:
    """The city opened a school's month sheet (``offices.city_sheet_viewed``: the school as target and school,
    the month and the filters)."""
    audit_log(actor=actor.user, action="offices.city_sheet_viewed", target=school, school=school,
              data={"month": month, "unit": unit_id, "category": category or ""})


def city_day_read_record(*, actor: StaffMember, person: StaffMember, day: str) -> None:
    """The city opened one person's day behind a cell of that sheet (``offices.city_day_viewed``: the person
    as target, their school, the day)."""
    audit_log(actor=actor.user, action="offices.city_day_viewed", target=person, school=person.school,
              data={"date": day})


__all__ = ["CORRECTION", "LEAVE", "MAX_ITEMS", "OVERTIME", "Outcome", "city_day_read_record", "city_read_record",
           "city_sheet_read_record", "inbox_decide"]
