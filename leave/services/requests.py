"""Requesting leave: the checks and refusals, the preview, submission, withdrawal and 銷假."""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log
from common.prepared import PreparedInstances
from leave import rules as R
from leave import school_cache
from leave.errors import LeaveError
from leave.models import (
    ACTIVE_STATUSES,
    ApprovalChain,
    ApprovalRole,
    ApprovalStep,
    GrantKind,
    LeaveAttachment,
    LeaveCharge,
    LeaveDay,
    LeaveRequest,
    LeaveRule,
    LeaveStatus,
    LeaveType,
    Period,
)
from leave.selectors import (
    BalanceRow,
    KnownDuty,
    SchoolRules,
    leave_balances,
    leave_filing_unavailable,
    school_rules,
    step_actors,
)
from leave.services.approvals import advance, finish_approved
from leave.services.charges import reallocate, reallocation_plan, substitute_payer
from leave.services.common import (
    action_key,
    lock_for_change,
    lock_staff,
    notices_together,
    notify_request,
    publish,
    request_data,
    resolve_action_notices,
    with_request,
)
from leave.states import APPROVAL_STEP, LEAVE_REQUEST
from schedules.duty_cache import cached_duty_days
from schedules.timetables_selectors import TaughtPeriod, taught_periods_during
from staff.models import StaffMember
from staff.twdate import format_school_year, roc_year

_P = ParamSpec("_P")
_T = TypeVar("_T")


def request_length(
    *, staff: StaffMember, rule: LeaveRule, start: dt.datetime, end: dt.datetime, known_duty: KnownDuty | None = None
) -> list[R.DayLength]:
    """The request's length, day by day, from the person's own duty days (schedules.calendar, through the cache
    of schedules.duty_cache: no query when the school's and category's days are known).

    ``known_duty`` ({(staff id, day): DutyDay}, as ``duty_days`` returns it) is the duty the page already
    read (to complete the span, ``span_from_parts``, or to list the problems); used when it covers the span,
    and filled when it does not, so a page submission reads the calendar once.
    """
    first, last = R.span_dates(start, end)
    if last < first:
        return []
    wanted = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    if known_duty is None or not all((staff.pk, day) in known_duty for day in wanted):
        read = cached_duty_days(staff, first, last)
        if known_duty is None:
            known_duty = {}
        known_duty.update(read)  # the caller's dict keeps them for the next count of the same span
    duty = {day: known_duty[(staff.pk, day)] for day in wanted if (staff.pk, day) in known_duty}
    return R.leave_length(
        start=start, end=end, duty=duty, unit=rule.unit, counts_non_working_days=rule.counts_non_working_days
    )


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def is_month_closed(school_id: int, month: dt.date, *, today: dt.date | None = None) -> bool:
    return _closed_months(school_id, [month.replace(day=1)], today=today) != []


def _closed_months(school_id: int, months: list[dt.date], *, today: dt.date | None = None) -> list[dt.date]:
    """Months that are closed: by the personnel office (ClosedMonth) or, when LEAVE_AUTO_CLOSE_DAY is N > 0,
    automatically from the Nth of the following month."""
    closed = set(school_cache.closed_months(school_id) & set(months))
    auto_day = settings.LEAVE_AUTO_CLOSE_DAY
    if auto_day:
        today = today or timezone.localdate()
        for month in months:
            following = (month + dt.timedelta(days=32)).replace(day=1)
            if today >= following.replace(day=min(auto_day, 28)):
                closed.add(month)
    return sorted(closed)


def _check_open(school_id: int, first: dt.date, last: dt.date) -> None:
    closed = _closed_months(school_id, _months(first, last))
    if closed:
        raise LeaveError(
            _("%(month)s 已關帳，不能再申請或異動該月的假；請洽人事室") % {"month": f"{closed[0]:%Y-%m}"},
            code="closed_period",
        )


def _overlapping(qs: QuerySet[LeaveRequest], start: dt.datetime, end: dt.datetime) -> QuerySet[LeaveRequest]:
    return qs.filter(kind=LeaveRequest.Kind.LEAVE, status__in=ACTIVE_STATUSES, start__lt=end, end__gt=start)


@dataclass
class Plan:
    rule: LeaveRule
    start: dt.datetime
    end: dt.datetime
    days: list[R.DayLength]
    chain: ApprovalChain

    @property
    def hours(self) -> int:
        return sum(d.hours for d in self.days)


@dataclass
class SubmissionPlan(Plan):
    """A submission's plan (``_submission_plan``): its deputy, proof and 課務 have been checked too."""

    deputy: StaffMember
    # Who stands in right now for the deputy (the first step's actor, as a rule), or None: read with the
    # overlaps, so telling the first step's actors needs no read of its own (``step_actors``' ``covers``).
    covers: dict[int, int | None]


@dataclass(frozen=True)
class _Filing:
    """What a submission adds to a preview: checked after the span, before the overlap and the chain."""

    deputy: StaffMember | None
    has_attachments: bool
    class_arrangement: str


def _plan_request(
    *,
    applicant: StaffMember,
    leave_type: LeaveType,
    start: dt.datetime,
    end: dt.datetime,
    rules: SchoolRules,
    event_key: str = "",
    event_date: dt.date | None = None,
    known_duty: KnownDuty | None = None,
) -> Plan:
    """The preview's plan: skips what the form may not have yet (deputy, proof, 課務). Writes nothing."""
    plan, _deputy, _covers = _plan(applicant=applicant, leave_type=leave_type, start=start, end=end, rules=rules,
                                   event_key=event_key, event_date=event_date, known_duty=known_duty, filing=None)
    return plan


def _submission_plan(
    *,
    applicant: StaffMember,
    leave_type: LeaveType,
    start: dt.datetime,
    end: dt.datetime,
    rules: SchoolRules,
    deputy: StaffMember | None,
    has_attachments: bool,
    class_arrangement: str,
    event_key: str = "",
    event_date: dt.date | None = None,
    known_duty: KnownDuty | None = None,
) -> SubmissionPlan:
    """The submission's plan: the preview's checks and the deputy, proof and 課務. Writes nothing."""
    filing = _Filing(deputy=deputy, has_attachments=has_attachments, class_arrangement=class_arrangement)
    plan, checked_deputy, covers = _plan(
        applicant=applicant, leave_type=leave_type, start=start, end=end, rules=rules, event_key=event_key,
        event_date=event_date, known_duty=known_duty, filing=filing,
    )
    assert checked_deputy is not None  # _check_deputy returns the deputy or refuses
    return SubmissionPlan(rule=plan.rule, start=plan.start, end=plan.end, days=plan.days, chain=plan.chain,
                          deputy=checked_deputy, covers=covers)


def _plan(
    *,
    applicant: StaffMember,
    leave_type: LeaveType,
    start: dt.datetime,
    end: dt.datetime,
    rules: SchoolRules,
    event_key: str,
    event_date: dt.date | None,
    known_duty: KnownDuty | None,
    filing: _Filing | None,
) -> tuple[Plan, StaffMember | None, dict[int, int | None]]:
    """Every refusal that does not depend on balances, in the order people fix them, the deputy the
    filing's checks accepted (None for a preview) and who stands in for that deputy right now (empty for a
    preview). Writes nothing."""
    if leave_type.school_id != applicant.school_id or not leave_type.is_active:
        raise LeaveError(_("此假別不適用於您的學校"), code="unknown_type")
    if not applicant.is_active:
        raise LeaveError(_("您的帳號已停用，無法請假"), code="inactive")
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValueError("leave spans are aware datetimes")
    if end <= start:
        raise LeaveError(_("結束時間必須晚於開始時間"), code="end_before_start")
    first, last = R.span_dates(start, end)
    rule = rules.rule_for(leave_type.pk, applicant.category, first)
    if rule is None:
        unavailable = leave_filing_unavailable(staff=applicant, on=first, rules=rules)
        if unavailable is not None:  # no type at all (代課教師): say where their absence is handled
            raise LeaveError(unavailable.message, code="category_not_allowed")
        raise LeaveError(
            _("您的人員類別（%(category)s）不能請「%(type)s」")
            % {"category": applicant.get_category_display(), "type": leave_type.display_name},
            code="category_not_allowed",
        )
    if (last - first).days > 400:
        raise LeaveError(_("一次請假不可超過一年，請分段申請"), code="span_too_long")
    days = request_length(staff=applicant, rule=rule, start=start, end=end, known_duty=known_duty)
    if not days:
        raise LeaveError(_("這段時間沒有您的上班時間，不需請假"), code="no_working_time")
    _check_open(applicant.school_id, days[0].day, days[-1].day)
    _check_event(applicant=applicant, rule=rule, leave_type=leave_type, days=days, event_key=event_key,
                 event_date=event_date)
    _check_monthly_cap(applicant=applicant, rule=rule, leave_type=leave_type, days=days)
    hours = sum(d.hours for d in days)
    checked_deputy: StaffMember | None = None
    deputy = filing.deputy if filing else None
    # Who of the applicant and the deputy already has a live request overlapping the span, and (a submission)
    # who stands in for the deputy right now, as ``on_leave_now`` reads it: one read, the rows told apart here
    # (the same conditions as the filter's two branches; cheaper than having the database label them).
    covers: dict[int, int | None] = {}
    now = timezone.now()
    people = [applicant.pk, *([deputy.pk] if deputy else [])]
    covering: tuple[int, dt.datetime] | tuple[()] = ()
    if filing is not None and deputy is not None:
        covering, covers[deputy.pk] = (deputy.pk, now), None
    aware = start.tzinfo is not None and end.tzinfo is not None
    busy: set[int] = set()
    for person, person_deputy, status, their_start, their_end in (
        _overlaps_read.tuples(people, start, end, *covering) if aware else _overlaps(people, start, end, *covering)
    ):
        if status in ACTIVE_STATUSES and their_start < end and their_end > start:
            busy.add(person)
        if person in covers and status == LeaveStatus.APPROVED and their_start <= now < their_end:
            covers[person] = person_deputy
    if filing is not None:
        if rule.proof_required and hours >= R.days_to_hours(rule.proof_from_days) and not filing.has_attachments:
            raise LeaveError(_("「%(type)s」請假 %(days)s 日以上須附證明文件") % {
                "type": leave_type.display_name, "days": _days(rule.proof_from_days)}, code="proof_required")
        if applicant.is_teacher and not filing.class_arrangement.strip():
            raise LeaveError(_("請填寫課務處理方式（沒有課請填「無課務」）"), code="class_arrangement_required")
        checked_deputy = _check_deputy(applicant=applicant, deputy=deputy, start=start, end=end, busy=busy)
    if applicant.pk in busy:
        raise LeaveError(_("與您簽核中或已核准的假單時間重疊"), code="overlap")
    chain = select_chain(applicant=applicant, leave_type=leave_type, hours=hours)
    if chain is None:
        raise LeaveError(_("學校尚未設定適用的簽核流程，請洽人事室"), code="no_chain")
    return Plan(rule=rule, start=start, end=end, days=days, chain=chain), checked_deputy, covers


def _overlaps(people: list[int], start: dt.datetime, end: dt.datetime, *covering: Any) -> "QuerySet[Any, Any]":
    """The people's live leave overlapping start..end and, with ``covering`` (a deputy's id and now), the deputy's
    approved leave under way now: (applicant, deputy, status, start, end)."""
    wanted = Q(status__in=ACTIVE_STATUSES, start__lt=end, end__gt=start)
    if covering:
        deputy_id, now = covering
        wanted |= Q(applicant_id=deputy_id, status=LeaveStatus.APPROVED, start__lte=now, end__gt=now)
    return (
        LeaveRequest.objects.filter(wanted, applicant_id__in=people, kind=LeaveRequest.Kind.LEAVE)
        .order_by().values_list("applicant_id", "deputy_id", "status", "start", "end")
    )


_overlaps_read = PreparedInstances(_overlaps)  # every request and its form ask it: compiled once per process


def _days(value: Decimal | int) -> str:
    return f"{Decimal(value).normalize():f}"


def _check_deputy(
    *,
    applicant: StaffMember,
    deputy: StaffMember | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    busy: set[int] | None = None,
) -> StaffMember:
    """The deputy's refusals; without a span (the form's dates still wrong) the overlap is not asked.
    ``busy``: who already has leave over the span, when the caller read it (with the applicant's, one read).
    Returns the deputy, then known to be there."""
    if deputy is None:
        raise LeaveError(_("請指定職務代理人"), code="deputy_required")
    if deputy.pk == applicant.pk:
        raise LeaveError(_("職務代理人不能是自己"), code="deputy_self")
    if deputy.school_id != applicant.school_id:
        raise LeaveError(_("職務代理人必須是本校教職員"), code="deputy_other_school")
    if not deputy.is_active:
        raise LeaveError(_("%(name)s 已不在職，不能擔任職務代理人") % {"name": deputy.name}, code="deputy_inactive")
    if (deputy.pk in busy) if busy is not None else (start is not None and end is not None and _overlapping(
        LeaveRequest.objects.filter(applicant=deputy), start, end
    ).exists()):
        raise LeaveError(
            _("%(name)s 在這段時間也請假，不能擔任職務代理人") % {"name": deputy.name}, code="deputy_on_leave"
        )
    return deputy


def _check_event(
    *,
    applicant: StaffMember,
    rule: LeaveRule,
    leave_type: LeaveType,
    days: list[R.DayLength],
    event_key: str,
    event_date: dt.date | None,
) -> None:
    if rule.grant_kind != GrantKind.PER_EVENT:
        return
    option = rule.event_option(event_key)
    if option is None or event_date is None:
        raise LeaveError(_("請選擇「%(type)s」的事由並填寫事實發生日") % {"type": leave_type.display_name},
                         code="event_required")
    before, after = rule.event_window_before_days, rule.event_window_after_days
    if (before is not None and days[0].day < event_date - dt.timedelta(days=before)) or (
        after is not None and days[-1].day > event_date + dt.timedelta(days=after)
    ):
        raise LeaveError(_("「%(type)s」須在事實發生日前 %(before)s 日至後 %(after)s 日內請畢") % {
            "type": leave_type.display_name,
            "before": before if before is not None else "—",
            "after": after if after is not None else "—",
        }, code="outside_event_window")
    if rule.single_block and LeaveRequest.objects.filter(
        applicant=applicant, leave_type=leave_type, kind=LeaveRequest.Kind.LEAVE, status__in=ACTIVE_STATUSES,
        event_key=event_key, event_date=event_date,
    ).exists():
        raise LeaveError(_("「%(type)s」須一次請畢，此事由已有假單") % {"type": leave_type.display_name},
                         code="single_block")


def _check_monthly_cap(
    *, applicant: StaffMember, rule: LeaveRule, leave_type: LeaveType, days: list[R.DayLength]
) -> None:
    if rule.monthly_cap_days is None:
        return
    cap = R.days_to_hours(rule.monthly_cap_days)
    wanted: dict[dt.date, int] = {}
    for d in days:
        wanted[d.day.replace(day=1)] = wanted.get(d.day.replace(day=1), 0) + d.hours
    for month, hours in wanted.items():
        following = (month + dt.timedelta(days=32)).replace(day=1)
        taken = LeaveDay.objects.filter(
            request__applicant=applicant, request__leave_type=leave_type, request__kind=LeaveRequest.Kind.LEAVE,
            request__status__in=ACTIVE_STATUSES, day__gte=month, day__lt=following,
        ).aggregate(total=Sum("hours"))["total"] or 0
        if taken + hours > cap:
            raise LeaveError(_("「%(type)s」每月以 %(cap)s 日為限") % {
                "type": leave_type.display_name, "cap": _days(rule.monthly_cap_days)}, code="monthly_cap")


def school_chains(school_id: int) -> list[ApprovalChain]:
    """The school's active chains by priority, with their types and steps: three queries, or none while
    they are cached (leave.school_cache)."""
    return school_cache.cached("chains", school_id, lambda: list(
        ApprovalChain.objects.filter(school_id=school_id, is_active=True)
        .prefetch_related("leave_types", "steps")
        .order_by("priority", "id")
    ))


def select_chain(*, applicant: StaffMember, leave_type: LeaveType, hours: int) -> ApprovalChain | None:
    """The first active chain (by priority) whose category, type and length conditions fit."""
    for chain in school_chains(applicant.school_id):
        if chain.categories and applicant.category not in chain.categories:
            continue
        type_ids = {t.pk for t in chain.leave_types.all()}
        if type_ids and leave_type.pk not in type_ids:
            continue
        if chain.min_days is not None and hours <= R.days_to_hours(chain.min_days):
            continue
        if chain.max_days is not None and hours > R.days_to_hours(chain.max_days):
            continue
        if not chain.steps.all():
            continue
        return chain
    return None


@dataclass
class BalanceAfter:
    leave_type: LeaveType
    remaining_before: int | None
    remaining_after: int | None
    hours: int  # drawn from this type's quota by the new request
    unpaid: int  # of which beyond the quota
    # A type drawing on another's quota (家庭照顧假 → 事假): its own quota before/after, when the
    # parent leaves less (``remaining_*`` are then the parent-limited figures); else None.
    own_remaining_before: int | None = None
    own_remaining_after: int | None = None
    draws_from_name: str = ""
    # The quota period the figures are for (None for per-event and 補休 quotas): a request over 1 August
    # (teachers) or 1 January (職員) draws on two periods, one row each.
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    calendar_year: bool = False

    @property
    def period_text(self) -> str:
        """「114 學年度」 or 「115 年」; empty when the quota is not a period's."""
        if self.period_start is None:
            return ""
        return format_school_year(roc_year(self.period_start), calendar_year=self.calendar_year)


@dataclass
class Preview:
    plan: Plan
    charges: list[R.Charge]
    balances: list[BalanceAfter] = field(default_factory=list)
    # A teacher's class periods the leave touches (read-only, for the 課務 summary); 教學組 arranges them.
    class_periods: list[TaughtPeriod] = field(default_factory=list)

    @property
    def hours(self) -> int:
        return self.plan.hours

    @property
    def unpaid_hours(self) -> int:
        return sum(c.hours for c in self.charges if c.unpaid)

    @property
    def spans_periods(self) -> bool:
        """The request draws on more than one quota period (its rows then name their period)."""
        return len({b.period_start for b in self.balances if b.period_start is not None}) > 1


def leave_request_preview(
    *,
    applicant: StaffMember,
    leave_type: LeaveType,
    start: dt.datetime,
    end: dt.datetime,
    event_key: str = "",
    event_date: dt.date | None = None,
) -> Preview:
    """What a request would be: its length and the balances after it. Writes nothing; raises LeaveError."""
    rules = school_rules(applicant.school_id)
    plan = _plan_request(applicant=applicant, leave_type=leave_type, start=start, end=end, rules=rules,
                         event_key=event_key, event_date=event_date)
    candidate = R.Item(key="new", rule=plan.rule, start=start, days=plan.days, event_key=event_key,
                       event_date=event_date, strict=True)
    charges = reallocate(applicant, since=plan.days[0].day, rules=rules, candidate=candidate, write=False)["new"]
    first_day = plan.days[0].day
    balances_on: dict[dt.date, dict[int, BalanceRow]] = {}

    def rows_on(day: dt.date) -> dict[int, BalanceRow]:
        # The balances of the period containing ``day`` (one read per period the request draws on).
        if day not in balances_on:
            current = leave_balances(staff_members=[applicant], on=day)[applicant.pk]
            balances_on[day] = {row.leave_type.pk: row for row in current}
        return balances_on[day]

    out: dict[tuple[int, dt.date | None], BalanceAfter] = {}
    for c in charges:
        period_start = R.bucket_period_start(c.bucket)
        after = out.get((c.leave_type_id, period_start))
        if after is None:
            # A later period is read as on its first day; the first one as on the request's first day.
            on = first_day if period_start is None or period_start <= first_day else period_start
            row = rows_on(on).get(c.leave_type_id)
            before = row.remaining if row else None
            if c.bucket.startswith("E:"):  # a per-event quota: what this event has left
                before = _event_remaining(applicant, plan.rule, c.bucket, event_key)
            after = out[(c.leave_type_id, period_start)] = BalanceAfter(
                rules.types[c.leave_type_id], before, before, 0, 0
            )
            if row is not None and period_start is not None:
                after.period_start, after.period_end = row.period_start, row.period_end
                after.calendar_year = row.rule.period != Period.SCHOOL_YEAR
            if row is not None and row.limited_by_parent and not c.bucket.startswith("E:"):
                after.own_remaining_before = after.own_remaining_after = row.own_remaining
                after.draws_from_name = row.draws_from_name
        after.hours += c.hours
        if c.unpaid:
            after.unpaid += c.hours
        elif after.remaining_after is not None:
            after.remaining_after = max(0, after.remaining_after - c.hours)
            if after.own_remaining_after is not None:
                after.own_remaining_after = max(0, after.own_remaining_after - c.hours)
    # Each type's periods together, in the order the request first draws on the type.
    order = {type_id: n for n, (type_id, _p) in reversed(list(enumerate(out)))}
    balances = sorted(out.values(), key=lambda b: (order[b.leave_type.pk], b.period_start or dt.date.min))
    class_periods = (
        taught_periods_during(teacher_id=applicant.pk, spans=[(start, end)]) if applicant.is_teacher else []
    )
    return Preview(plan=plan, charges=charges, balances=balances, class_periods=class_periods)


def _event_remaining(applicant: StaffMember, rule: LeaveRule, bucket: str, event_key: str) -> int:
    option = rule.event_option(event_key) or {}
    used = LeaveCharge.objects.filter(
        staff=applicant, bucket=bucket, unpaid=False, request__status__in=ACTIVE_STATUSES
    ).aggregate(total=Sum("hours"))["total"] or 0
    return max(0, R.days_to_hours(option.get("days", 0)) - used)


ATTACHMENT_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".heic", ".webp")


ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def check_attachment(upload: "UploadedFile[bytes]") -> None:
    """A proof is a PDF or an image of at most 10 MB (LeaveError ``bad_attachment`` otherwise)."""
    if not (upload.name or "").lower().endswith(ATTACHMENT_SUFFIXES):
        raise LeaveError(_("附件請用 PDF 或圖片（JPG、PNG、HEIC、WEBP）"), code="bad_attachment")
    if upload.size is None or upload.size > ATTACHMENT_MAX_BYTES:  # an upload always knows its size
        raise LeaveError(_("附件每個不可超過 10 MB"), code="bad_attachment")


def _check_attachments(attachments: list["UploadedFile[bytes]"]) -> None:
    for upload in attachments:
        check_attachment(upload)


def leave_request_problems(
    *,
    applicant: StaffMember,
    leave_type: LeaveType | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
    deputy: StaffMember | None,
    event_key: str = "",
    event_date: dt.date | None = None,
    class_arrangement: str | None = None,
    attachments: Iterable["UploadedFile[bytes]"] = (),
    kept_attachments: int = 0,
    rules: SchoolRules | None = None,
    known_duty: KnownDuty | None = None,
) -> list[LeaveError]:
    """Every refusal a submission would meet, all at once (the form shows each next to its field).

    Reads only; ``leave_request_submit`` still checks everything again under the applicant's lock and
    stops at the first. Parts the form could not read yet are passed as None and their checks skipped:
    no deputy, no type or span, ``class_arrangement=None``. The span's own checks depend on each other
    (no length without a rule), so at most one of them is reported; the deputy's, the 課務 summary's,
    the attachments' and the proof's are independent of it. Balances are left to the submission.
    """
    attachments = list(attachments)
    problems: list[LeaveError] = []

    def collect(check: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T | None:
        try:
            return check(*args, **kwargs)
        except LeaveError as exc:
            problems.append(exc)
            return None

    collect(_check_attachments, attachments)
    if class_arrangement is not None and applicant.is_teacher and not class_arrangement.strip():
        problems.append(LeaveError(_("請填寫課務處理方式（沒有課請填「無課務」）"),
                                   code="class_arrangement_required"))
    if deputy is not None:
        collect(_check_deputy, applicant=applicant, deputy=deputy, start=start, end=end)
    if leave_type is not None and start is not None and end is not None:
        plan: Plan | None
        try:
            plan = _plan_request(
                applicant=applicant, leave_type=leave_type, start=start, end=end,
                rules=rules or school_rules(applicant.school_id), event_key=event_key, event_date=event_date,
                known_duty=known_duty,
            )
        except LeaveError as exc:
            problems.append(exc)
            plan = None
        has_proof = bool(attachments) or kept_attachments > 0
        if plan is not None and plan.rule.proof_required and not has_proof and (
            plan.hours >= R.days_to_hours(plan.rule.proof_from_days)
        ):
            problems.append(LeaveError(_("「%(type)s」請假 %(days)s 日以上須附證明文件") % {
                "type": leave_type.name, "days": _days(plan.rule.proof_from_days)}, code="proof_required"))
    return problems


def leave_request_submit(
    *,
    applicant: StaffMember,
    leave_type: LeaveType,
    start: dt.datetime,
    end: dt.datetime,
    deputy: StaffMember | None,
    reason: str = "",
    event_key: str = "",
    event_date: dt.date | None = None,
    class_arrangement: str = "",
    attachments: Iterable["UploadedFile[bytes]"] = (),
    rules: SchoolRules | None = None,
    known_duty: KnownDuty | None = None,
) -> LeaveRequest:
    """Submit a request: check everything, reserve its hours, start its chain. All or nothing.

    ``rules`` (the school's, as the page already read them) and ``known_duty`` (the duty days the page
    read to complete the span) save reading them again; neither is a person's data that the lock protects.
    The charges are planned before the request is saved, so it is written once with its unpaid hours
    and payer, and only its own charges are inserted (others' rows are rewritten only if they change).
    The request comes back as the service holds it, enough to show it at once without a read: its applicant
    and deputy with their units, its steps (``held_steps``) and attachments (``held_attachments``).
    """
    attachments = list(attachments)
    _check_attachments(attachments)
    with transaction.atomic(), notices_together():
        # Their units are joined (not locked) for whoever shows the request next.
        locked = lock_staff(applicant.pk, *([deputy.pk] if deputy else []), related=("user", "school", "unit"))
        applicant = locked[applicant.pk]
        deputy = locked.get(deputy.pk) if deputy else None
        rules = rules or school_rules(applicant.school_id)
        plan = _submission_plan(
            applicant=applicant, leave_type=leave_type, start=start, end=end, rules=rules, deputy=deputy,
            event_key=event_key, event_date=event_date, has_attachments=bool(attachments),
            class_arrangement=class_arrangement, known_duty=known_duty,
        )
        # Refuses (and so writes nothing) when a quota that cannot be exceeded would be.
        charges = reallocation_plan(
            applicant, since=plan.days[0].day, rules=rules,
            candidate=R.Item(key="new", rule=plan.rule, start=start, days=plan.days, event_key=event_key,
                             event_date=event_date, strict=True),
        )
        unpaid_hours = charges.unpaid_hours("new")
        request = LeaveRequest.objects.create(
            school_id=applicant.school_id, applicant=applicant, leave_type=leave_type, rule=plan.rule,
            start=start, end=end, hours=plan.hours, reason=reason.strip(), event_key=event_key,
            event_date=event_date, deputy=plan.deputy, class_arrangement=class_arrangement.strip(),
            chain_name=plan.chain.name, chain_name_en=plan.chain.name_en, unpaid_hours=unpaid_hours,
            substitute_paid_by=substitute_payer(applicant, plan.rule, plan.hours, unpaid_hours),
        )
        LeaveDay.objects.bulk_create(LeaveDay(request=request, day=d.day, hours=d.hours) for d in plan.days)
        charges.write(candidate_id=request.pk)
        # check_attachment refused a file without a name (no suffix to read)
        request.held_attachments = [
            LeaveAttachment.objects.create(request=request, file=upload, name=(upload.name or "")[:200])
            for upload in attachments
        ]
        audit_log(actor=applicant.user, action="leave.submitted", target=request, school=applicant.school,
                  data=request_data(request))
        now = timezone.now()
        notify_request(request, [applicant], "leave.submitted")
        publish(request, "submitted", actor=applicant, spans=(request.span,))
        # The steps are decided (skipped, the first one current) before they are inserted: one INSERT.
        steps = [ApprovalStep(request=request, order=s.order, role=s.role) for s in plan.chain.steps.all()]
        first = advance(request, now=now, steps=steps, save=False, covers=plan.covers)
        ApprovalStep.objects.bulk_create(steps)
        for step in steps:
            step.request = request
        request.held_steps = steps
        if first is None:
            finish_approved(request, actor=applicant, now=now)
    return request


def leave_request_withdraw(*, request: LeaveRequest, actor: StaffMember) -> LeaveRequest:
    """The applicant takes back a request still in its chain; its reserved hours are freed."""
    with transaction.atomic(), notices_together():
        applicant, request = lock_for_change(request)
        if actor.pk != request.applicant_id:
            raise LeaveError(_("只有申請人可以撤回"), code="not_applicant")
        withdrawn = LEAVE_REQUEST.require(
            request.status, "withdraw", lambda: LeaveError(_("只有簽核中的假單可以撤回"), code="not_pending")
        )
        current = (
            request.steps.filter(status__in=APPROVAL_STEP.sources("approve")).select_related("assignee__user").first()
        )
        told = step_actors(with_request(current, request)) if current else []
        now = timezone.now()
        request.steps.filter(status__in=APPROVAL_STEP.sources("cancel")).update(status=APPROVAL_STEP.target("cancel"))
        request.status = withdrawn
        request.decided_at = now
        request.save(update_fields=["status", "decided_at"])
        if not request.is_cancellation:
            reallocate(applicant, since=R.span_dates(request.start, request.end)[0])
        audit_log(actor=actor.user, action="leave.withdrawn", target=request, school=applicant.school)
        resolve_action_notices(action_key(request))
        notify_request(request, told, "leave.withdrawn")
        if not request.is_cancellation:
            publish(request, "withdrawn", actor=actor, spans=(), previous=(request.span,))
    return request


def leave_request_cancel(
    *,
    request: LeaveRequest,
    actor: StaffMember,
    new_start: dt.datetime | None = None,
    new_end: dt.datetime | None = None,
    reason: str = "",
) -> LeaveRequest:
    """銷假: ask to cancel (no new span) or shorten an approved leave. It goes through the approvers of
    the original chain (the deputy is told, not asked); the original changes when the last one approves."""
    with transaction.atomic(), notices_together():
        applicant, original = lock_for_change(request)
        if actor.pk != original.applicant_id:
            raise LeaveError(_("只有申請人可以銷假"), code="not_applicant")
        if original.is_cancellation or not LEAVE_REQUEST.allows(original.status, "cancel"):
            raise LeaveError(_("只有已核准的假單可以銷假"), code="not_approved")
        if original.amendments.filter(status=LeaveStatus.PENDING).exists():
            raise LeaveError(_("這張假單已有簽核中的銷假申請"), code="cancellation_pending")
        cancels_all = new_start is None and new_end is None
        days: list[R.DayLength] = []
        start, end = original.start, original.end
        if not cancels_all:
            start, end = new_start or original.start, new_end or original.end
            if end <= start:
                raise LeaveError(_("結束時間必須晚於開始時間"), code="end_before_start")
            if start < original.start or end > original.end or (start, end) == (original.start, original.end):
                raise LeaveError(_("銷假後的時間必須在原假單之內且較短"), code="not_shorter")
            days = request_length(staff=applicant, rule=original.rule, start=start, end=end)
            if not days:
                raise LeaveError(_("縮短後沒有上班時間，請改為全部銷假"), code="no_working_time")
        _check_open(applicant.school_id, *R.span_dates(original.start, original.end))
        roles = [s.role for s in original.steps.order_by("order") if s.role != ApprovalRole.DEPUTY] or [
            ApprovalRole.UNIT_HEAD
        ]
        cancellation = LeaveRequest.objects.create(
            school_id=original.school_id, applicant=applicant, kind=LeaveRequest.Kind.CANCELLATION, amends=original,
            cancels_all=cancels_all, leave_type=original.leave_type, rule=original.rule, start=start, end=end,
            hours=sum(d.hours for d in days), reason=reason.strip(), deputy=original.deputy,
            event_key=original.event_key, event_date=original.event_date,
            class_arrangement=original.class_arrangement, chain_name=original.chain_name,
            chain_name_en=original.chain_name_en,
            substitute_paid_by=original.substitute_paid_by,
        )
        LeaveDay.objects.bulk_create(LeaveDay(request=cancellation, day=d.day, hours=d.hours) for d in days)
        ApprovalStep.objects.bulk_create(
            ApprovalStep(request=cancellation, order=n, role=role) for n, role in enumerate(roles, start=1)
        )
        audit_log(actor=actor.user, action="leave.cancel_requested", target=original, school=applicant.school,
                  data={"cancellation": cancellation.pk, "cancels_all": cancels_all, "start": start, "end": end})
        now = timezone.now()
        notify_request(cancellation, [applicant], "leave.submitted")
        if advance(cancellation, now=now) is None:
            finish_approved(cancellation, actor=actor, now=now)
    return cancellation
