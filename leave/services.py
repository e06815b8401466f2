"""Every change to leave: seeding the rules, requesting, approving, withdrawing, 銷假, overtime.

Lock, then decide: a change that touches a person's balance first locks that person's StaffMember
row (select_for_update), then re-reads and checks. Charges (leave/rules.py) are recomputed in
date order under that lock, so two requests at the same moment can neither overdraw a quota nor
overlap. Each change writes its audit entry, its notifications and its LeaveEvent inside the same
transaction.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log
from leave import rules as R
from leave import seed
from leave.display import span_text
from leave.errors import LeaveError
from leave.events import LeaveEvent, publish_leave_changed
from leave.models import (
    ACTIVE_STATUSES,
    ApprovalChain,
    ApprovalChainStep,
    ApprovalRole,
    ApprovalStep,
    BalanceAdjustment,
    ClosedMonth,
    GrantKind,
    LeaveAttachment,
    LeaveCharge,
    LeaveDay,
    LeaveRequest,
    LeaveRule,
    LeaveStatus,
    LeaveType,
    OvertimeRequest,
    Payer,
)
from leave.selectors import (
    STEP_ROLES,
    SchoolRules,
    adjustments_of,
    credits_of,
    leave_balances,
    on_leave_now,
    role_holders,
    school_rules,
    step_acting_capacity,
    step_actors,
)
from notifications.services import notify
from schedules.calendar import duty_days
from staff.models import Role, School, StaffMember
from staff.twdate import format_days_hours

# --- Seeding -------------------------------------------------------------------------------------


def leave_types_seed(*, school: School, actor=None) -> int:
    """Give the school the types and rules of leave/seed.py it does not have yet. Returns rules created.

    A type that already has rules is left as the personnel office edited it.
    """
    created = 0
    with transaction.atomic():
        types = {t.code: t for t in LeaveType.objects.filter(school=school)}
        for spec in seed.LEAVE_TYPES:
            if spec["code"] not in types:
                types[spec["code"]] = LeaveType.objects.create(
                    school=school, code=spec["code"], name=spec["name"], sort_order=spec["sort_order"]
                )
        with_rules = set(LeaveRule.objects.filter(leave_type__school=school).values_list("leave_type_id", flat=True))
        for spec in seed.LEAVE_TYPES:
            leave_type = types[spec["code"]]
            if leave_type.pk in with_rules:
                continue
            for audience_key, audience in seed.AUDIENCES.items():
                fields = {**seed.RULE_DEFAULTS, **audience, **spec["rule"], **spec.get(audience_key, {})}
                for link in ("draws_from", "overflow_to"):
                    if link in fields:
                        fields[link] = types[fields[link]]
                for name in ("quota_days", "monthly_cap_days", "proof_from_days", "school_pays_from_days",
                             "draws_from_free_days"):
                    if fields.get(name) is not None:
                        fields[name] = Decimal(str(fields[name]))
                fields["categories"] = [str(c) for c in fields["categories"]]
                rule = LeaveRule(leave_type=leave_type, **fields)
                rule.full_clean()
                rule.save()
                created += 1
        if created:
            audit_log(actor=actor, action="leave.types_seeded", school=school, data={"rules": created})
    return created


def approval_chains_seed(*, school: School, actor=None) -> int:
    """Give a school without chains the default ones (leave/seed.py). Returns chains created."""
    with transaction.atomic():
        if ApprovalChain.objects.filter(school=school).exists():
            return 0
        for spec in seed.APPROVAL_CHAINS:
            chain = ApprovalChain.objects.create(
                school=school,
                name=spec["name"],
                priority=spec["priority"],
                max_days=Decimal(str(spec["max_days"])) if spec.get("max_days") is not None else None,
                min_days=Decimal(str(spec["min_days"])) if spec.get("min_days") is not None else None,
            )
            ApprovalChainStep.objects.bulk_create(
                ApprovalChainStep(chain=chain, order=n, role=role) for n, role in enumerate(spec["steps"], start=1)
            )
        audit_log(actor=actor, action="leave.chains_seeded", school=school, data={"chains": len(seed.APPROVAL_CHAINS)})
    return len(seed.APPROVAL_CHAINS)


# --- Length and checks ---------------------------------------------------------------------------


def request_length(*, staff: StaffMember, rule: LeaveRule, start: dt.datetime, end: dt.datetime) -> list[R.DayLength]:
    """The request's length, day by day, from the person's own duty days (schedules.calendar)."""
    first, last = R.span_dates(start, end)
    if last < first:
        return []
    duty = {day: value for (_sid, day), value in duty_days([staff], first, last).items()}
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
    closed = set(ClosedMonth.objects.filter(school_id=school_id, month__in=months).values_list("month", flat=True))
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


def _overlapping(qs, start: dt.datetime, end: dt.datetime):
    return qs.filter(kind=LeaveRequest.Kind.LEAVE, status__in=ACTIVE_STATUSES, start__lt=end, end__gt=start)


@dataclass
class Plan:
    rule: LeaveRule
    start: dt.datetime
    end: dt.datetime
    days: list[R.DayLength]
    chain: ApprovalChain | None = None

    @property
    def hours(self) -> int:
        return sum(d.hours for d in self.days)


def _plan_request(
    *,
    applicant: StaffMember,
    leave_type: LeaveType,
    start: dt.datetime,
    end: dt.datetime,
    rules: SchoolRules,
    deputy: StaffMember | None = None,
    event_key: str = "",
    event_date: dt.date | None = None,
    has_attachments: bool = False,
    class_arrangement: str = "",
    complete: bool = True,
) -> Plan:
    """Every refusal that does not depend on balances, in the order people fix them. Writes nothing.

    ``complete=False`` (the preview) skips what the form may not have yet: deputy, proof, 課務.
    """
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
        raise LeaveError(
            _("您的人員類別（%(category)s）不能請「%(type)s」")
            % {"category": applicant.get_category_display(), "type": leave_type.name},
            code="category_not_allowed",
        )
    if (last - first).days > 400:
        raise LeaveError(_("一次請假不可超過一年，請分段申請"), code="span_too_long")
    days = request_length(staff=applicant, rule=rule, start=start, end=end)
    if not days:
        raise LeaveError(_("這段時間沒有您的上班時間，不需請假"), code="no_working_time")
    _check_open(applicant.school_id, days[0].day, days[-1].day)
    _check_event(applicant=applicant, rule=rule, leave_type=leave_type, days=days, event_key=event_key,
                 event_date=event_date)
    _check_monthly_cap(applicant=applicant, rule=rule, leave_type=leave_type, days=days)
    hours = sum(d.hours for d in days)
    if complete:
        if rule.proof_required and hours >= R.days_to_hours(rule.proof_from_days) and not has_attachments:
            raise LeaveError(_("「%(type)s」請假 %(days)s 日以上須附證明文件") % {
                "type": leave_type.name, "days": _days(rule.proof_from_days)}, code="proof_required")
        if applicant.is_teacher and not class_arrangement.strip():
            raise LeaveError(_("請填寫課務處理方式（沒有課請填「無課務」）"), code="class_arrangement_required")
        _check_deputy(applicant=applicant, deputy=deputy, start=start, end=end)
    if _overlapping(LeaveRequest.objects.filter(applicant=applicant), start, end).exists():
        raise LeaveError(_("與您簽核中或已核准的假單時間重疊"), code="overlap")
    chain = select_chain(applicant=applicant, leave_type=leave_type, hours=hours)
    if chain is None:
        raise LeaveError(_("學校尚未設定適用的簽核流程，請洽人事室"), code="no_chain")
    return Plan(rule=rule, start=start, end=end, days=days, chain=chain)


def _days(value) -> str:
    return f"{Decimal(value).normalize():f}"


def _check_deputy(*, applicant: StaffMember, deputy: StaffMember | None, start, end) -> None:
    if deputy is None:
        raise LeaveError(_("請指定職務代理人"), code="deputy_required")
    if deputy.pk == applicant.pk:
        raise LeaveError(_("職務代理人不能是自己"), code="deputy_self")
    if deputy.school_id != applicant.school_id:
        raise LeaveError(_("職務代理人必須是本校教職員"), code="deputy_other_school")
    if not deputy.is_active:
        raise LeaveError(_("%(name)s 已不在職，不能擔任職務代理人") % {"name": deputy.name}, code="deputy_inactive")
    if _overlapping(LeaveRequest.objects.filter(applicant=deputy), start, end).exists():
        raise LeaveError(
            _("%(name)s 在這段時間也請假，不能擔任職務代理人") % {"name": deputy.name}, code="deputy_on_leave"
        )


def _check_event(*, applicant, rule: LeaveRule, leave_type: LeaveType, days, event_key: str, event_date) -> None:
    if rule.grant_kind != GrantKind.PER_EVENT:
        return
    option = rule.event_option(event_key)
    if option is None or event_date is None:
        raise LeaveError(_("請選擇「%(type)s」的事由並填寫事實發生日") % {"type": leave_type.name},
                         code="event_required")
    before, after = rule.event_window_before_days, rule.event_window_after_days
    if (before is not None and days[0].day < event_date - dt.timedelta(days=before)) or (
        after is not None and days[-1].day > event_date + dt.timedelta(days=after)
    ):
        raise LeaveError(_("「%(type)s」須在事實發生日前 %(before)s 日至後 %(after)s 日內請畢") % {
            "type": leave_type.name,
            "before": before if before is not None else "—",
            "after": after if after is not None else "—",
        }, code="outside_event_window")
    if rule.single_block and LeaveRequest.objects.filter(
        applicant=applicant, leave_type=leave_type, kind=LeaveRequest.Kind.LEAVE, status__in=ACTIVE_STATUSES,
        event_key=event_key, event_date=event_date,
    ).exists():
        raise LeaveError(_("「%(type)s」須一次請畢，此事由已有假單") % {"type": leave_type.name}, code="single_block")


def _check_monthly_cap(*, applicant, rule: LeaveRule, leave_type: LeaveType, days) -> None:
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
                "type": leave_type.name, "cap": _days(rule.monthly_cap_days)}, code="monthly_cap")


def select_chain(*, applicant: StaffMember, leave_type: LeaveType, hours: int) -> ApprovalChain | None:
    """The first active chain (by priority) whose category, type and length conditions fit."""
    chains = (
        ApprovalChain.objects.filter(school_id=applicant.school_id, is_active=True)
        .prefetch_related("leave_types", "steps")
        .order_by("priority", "id")
    )
    for chain in chains:
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


# --- Charges -------------------------------------------------------------------------------------


def _ledger(staff: StaffMember, rules: SchoolRules, *, credits, adjustments) -> R.Ledger:
    return R.Ledger(
        hire_date=staff.hire_date,
        rule_for=lambda type_id, day: rules.rule_for(type_id, staff.category, day),
        type_names=rules.names,
        credits=credits,
        adjustments=adjustments,
    )


def _reallocate(
    staff: StaffMember,
    *,
    since: dt.date,
    rules: SchoolRules | None = None,
    strict_ids: Iterable[int] = (),
    candidate: R.Item | None = None,
    write: bool = True,
) -> dict[object, list[R.Charge]]:
    """Recompute the charges of the person's active requests from ``since``'s earliest period on.

    Charges before that horizon stay as they are and are preloaded; everything from it is drawn again
    in date order. Requests in ``strict_ids`` (and the candidate) are refused rather than overdrawn.
    Call with the person's row locked.
    """
    rules = rules or school_rules(staff.school_id)
    horizon = R.horizon_start(since)
    kept = [
        (type_id, bucket, total, unpaid)
        for type_id, bucket, unpaid, total in LeaveCharge.objects.filter(
            staff=staff, day__lt=horizon, request__status__in=ACTIVE_STATUSES, request__kind=LeaveRequest.Kind.LEAVE
        )
        .values_list("leave_type_id", "bucket", "unpaid")
        .annotate(total=Sum("hours"))
    ]
    credits, adjustments = credits_of(staff), adjustments_of(staff)

    def fresh_ledger() -> R.Ledger:
        ledger = _ledger(staff, rules, credits=credits, adjustments=adjustments)
        ledger.preload(kept)
        return ledger

    strict = set(strict_ids)
    items: dict[int, R.Item] = {}
    requests: dict[int, LeaveRequest] = {}
    days = (
        LeaveDay.objects.filter(
            request__applicant=staff,
            request__kind=LeaveRequest.Kind.LEAVE,
            request__status__in=ACTIVE_STATUSES,
            day__gte=horizon,
        )
        .select_related("request__rule")
        .order_by("day", "request__start", "request_id")
    )
    for d in days:
        request = requests.setdefault(d.request_id, d.request)
        item = items.get(d.request_id)
        if item is None:
            item = items[d.request_id] = R.Item(
                key=d.request_id, rule=request.rule, start=request.start, days=[],
                event_key=request.event_key, event_date=request.event_date, strict=d.request_id in strict,
            )
        item.days.append(R.DayLength(d.day, d.hours))
    everything = [*items.values(), *([candidate] if candidate else [])]
    if strict or candidate is not None:
        # The new request must fit in what the existing ones leave, whatever its date: refuse it
        # (LeaveError) rather than let it push an earlier-made request over a quota.
        fresh_ledger().allocate(everything, strict_last=True)
    for item in everything:
        item.strict = False
    # Then charge everything in date order: that decides which days of a quota that may be
    # exceeded are the unpaid ones (the eighth day of 事假 is the unpaid one).
    plan = fresh_ledger().allocate(everything)
    if write:
        LeaveCharge.objects.filter(staff=staff, day__gte=horizon).delete()
        LeaveCharge.objects.bulk_create(
            LeaveCharge(
                request_id=key, staff=staff, day=c.day, leave_type_id=c.leave_type_id, bucket=c.bucket,
                hours=c.hours, unpaid=c.unpaid, overtime_id=c.overtime_id,
            )
            for key, charges in plan.items()
            if key in items
            for c in charges
        )
        unpaid = dict(
            LeaveCharge.objects.filter(request_id__in=list(items), unpaid=True)
            .values_list("request_id")
            .annotate(total=Sum("hours"))
        )
        changed = []
        for pk, request in requests.items():
            if request.unpaid_hours != unpaid.get(pk, 0):
                request.unpaid_hours = unpaid.get(pk, 0)
                changed.append(request)
        LeaveRequest.objects.bulk_update(changed, ["unpaid_hours"])
    return plan


def _substitute_payer(applicant: StaffMember, rule: LeaveRule, hours: int, unpaid_hours: int) -> str:
    """Who pays a substitute for a teacher's leave (DOMAIN.md, per-type setting)."""
    if not applicant.is_teacher:
        return ""
    if rule.school_pays_beyond_quota and unpaid_hours > 0:
        return Payer.SCHOOL
    if rule.school_pays_from_days is not None and hours >= R.days_to_hours(rule.school_pays_from_days):
        return Payer.SCHOOL
    return rule.substitute_payer


# --- Preview -------------------------------------------------------------------------------------


@dataclass
class BalanceAfter:
    leave_type: LeaveType
    remaining_before: int | None
    remaining_after: int | None
    hours: int  # drawn from this type's quota by the new request
    unpaid: int  # of which beyond the quota


@dataclass
class Preview:
    plan: Plan
    charges: list[R.Charge]
    balances: list[BalanceAfter] = field(default_factory=list)

    @property
    def hours(self) -> int:
        return self.plan.hours

    @property
    def unpaid_hours(self) -> int:
        return sum(c.hours for c in self.charges if c.unpaid)


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
                         event_key=event_key, event_date=event_date, complete=False)
    candidate = R.Item(key="new", rule=plan.rule, start=start, days=plan.days, event_key=event_key,
                       event_date=event_date, strict=True)
    charges = _reallocate(applicant, since=plan.days[0].day, rules=rules, candidate=candidate, write=False)["new"]
    current = leave_balances(staff_members=[applicant], on=plan.days[0].day)[applicant.pk]
    rows = {row.leave_type.pk: row for row in current}
    out: dict[int, BalanceAfter] = {}
    for c in charges:
        row = rows.get(c.leave_type_id)
        after = out.get(c.leave_type_id)
        if after is None:
            before = row.remaining if row else None
            after = out[c.leave_type_id] = BalanceAfter(rules.types[c.leave_type_id], before, before, 0, 0)
        after.hours += c.hours
        if c.unpaid:
            after.unpaid += c.hours
        elif after.remaining_after is not None:
            after.remaining_after = max(0, after.remaining_after - c.hours)
    return Preview(plan=plan, charges=charges, balances=list(out.values()))


# --- Requesting ----------------------------------------------------------------------------------


def _lock_staff(*ids: int) -> dict[int, StaffMember]:
    """Lock people's rows in id order (one order everywhere, so two changes never deadlock)."""
    rows = StaffMember.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("pk")
    return {s.pk: s for s in rows}


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
    attachments: Iterable[UploadedFile] = (),
) -> LeaveRequest:
    """Submit a request: check everything, reserve its hours, start its chain. All or nothing."""
    attachments = list(attachments)
    _check_attachments(attachments)
    with transaction.atomic():
        locked = _lock_staff(applicant.pk, *([deputy.pk] if deputy else []))
        applicant = locked[applicant.pk]
        deputy = locked.get(deputy.pk) if deputy else None
        rules = school_rules(applicant.school_id)
        plan = _plan_request(
            applicant=applicant, leave_type=leave_type, start=start, end=end, rules=rules, deputy=deputy,
            event_key=event_key, event_date=event_date, has_attachments=bool(attachments),
            class_arrangement=class_arrangement,
        )
        request = LeaveRequest.objects.create(
            school_id=applicant.school_id, applicant=applicant, leave_type=leave_type, rule=plan.rule,
            start=start, end=end, hours=plan.hours, reason=reason.strip(), event_key=event_key,
            event_date=event_date, deputy=deputy, class_arrangement=class_arrangement.strip(),
            chain_name=plan.chain.name,
        )
        LeaveDay.objects.bulk_create(LeaveDay(request=request, day=d.day, hours=d.hours) for d in plan.days)
        # Refuses (and so rolls everything back) when a quota that cannot be exceeded would be.
        _reallocate(applicant, since=plan.days[0].day, rules=rules, strict_ids=[request.pk])
        request.refresh_from_db(fields=["unpaid_hours"])
        request.substitute_paid_by = _substitute_payer(applicant, plan.rule, plan.hours, request.unpaid_hours)
        request.save(update_fields=["substitute_paid_by"])
        for upload in attachments:
            LeaveAttachment.objects.create(request=request, file=upload, name=upload.name[:200])
        ApprovalStep.objects.bulk_create(
            ApprovalStep(request=request, order=s.order, role=s.role) for s in plan.chain.steps.all()
        )
        audit_log(actor=applicant.user, action="leave.submitted", target=request, school=applicant.school,
                  data=_request_data(request))
        now = timezone.now()
        _notify(request, [applicant], "leave.submitted")
        _publish(request, "submitted", actor=applicant, spans=(request.span,))
        if _advance(request, now=now) is None:
            _finish_approved(request, actor=applicant, now=now)
    return request


ATTACHMENT_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".heic", ".webp")
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def _check_attachments(attachments: list[UploadedFile]) -> None:
    for upload in attachments:
        if not upload.name.lower().endswith(ATTACHMENT_SUFFIXES):
            raise LeaveError(_("附件請用 PDF 或圖片（JPG、PNG、HEIC、WEBP）"), code="bad_attachment")
        if upload.size > ATTACHMENT_MAX_BYTES:
            raise LeaveError(_("附件每個不可超過 10 MB"), code="bad_attachment")


def _request_data(request: LeaveRequest) -> dict:
    return {
        "type": request.leave_type.code,
        "start": request.start,
        "end": request.end,
        "hours": request.hours,
        "unpaid_hours": request.unpaid_hours,
        "deputy": request.deputy_id,
        "chain": request.chain_name,
    }


def _lock_for_change(request: LeaveRequest) -> tuple[StaffMember, LeaveRequest]:
    """Lock the applicant first, then the request: the same order as a submission takes."""
    applicant = _lock_staff(request.applicant_id)[request.applicant_id]
    locked = (
        LeaveRequest.objects.select_for_update(no_key=True, of=("self",))
        .select_related("leave_type", "rule", "deputy__user", "applicant__user", "amends")
        .get(pk=request.pk)
    )
    return applicant, locked


def leave_request_withdraw(*, request: LeaveRequest, actor: StaffMember) -> LeaveRequest:
    """The applicant takes back a request still in its chain; its reserved hours are freed."""
    with transaction.atomic():
        applicant, request = _lock_for_change(request)
        if actor.pk != request.applicant_id:
            raise LeaveError(_("只有申請人可以撤回"), code="not_applicant")
        if request.status != LeaveStatus.PENDING:
            raise LeaveError(_("只有簽核中的假單可以撤回"), code="not_pending")
        current = request.steps.filter(status=ApprovalStep.Status.CURRENT).select_related("assignee__user").first()
        told = step_actors(_with_request(current, request)) if current else []
        now = timezone.now()
        request.steps.filter(status__in=[ApprovalStep.Status.CURRENT, ApprovalStep.Status.WAITING]).update(
            status=ApprovalStep.Status.CANCELLED
        )
        request.status = LeaveStatus.WITHDRAWN
        request.decided_at = now
        request.save(update_fields=["status", "decided_at"])
        if not request.is_cancellation:
            _reallocate(applicant, since=R.span_dates(request.start, request.end)[0])
        audit_log(actor=actor.user, action="leave.withdrawn", target=request, school=applicant.school)
        _notify(request, told, "leave.withdrawn")
        if not request.is_cancellation:
            _publish(request, "withdrawn", actor=actor, spans=(), previous=(request.span,))
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
    with transaction.atomic():
        applicant, original = _lock_for_change(request)
        if actor.pk != original.applicant_id:
            raise LeaveError(_("只有申請人可以銷假"), code="not_applicant")
        if original.is_cancellation or original.status != LeaveStatus.APPROVED:
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
            substitute_paid_by=original.substitute_paid_by,
        )
        LeaveDay.objects.bulk_create(LeaveDay(request=cancellation, day=d.day, hours=d.hours) for d in days)
        ApprovalStep.objects.bulk_create(
            ApprovalStep(request=cancellation, order=n, role=role) for n, role in enumerate(roles, start=1)
        )
        audit_log(actor=actor.user, action="leave.cancel_requested", target=original, school=applicant.school,
                  data={"cancellation": cancellation.pk, "cancels_all": cancels_all, "start": start, "end": end})
        now = timezone.now()
        _notify(cancellation, [applicant], "leave.submitted")
        if _advance(cancellation, now=now) is None:
            _finish_approved(cancellation, actor=actor, now=now)
    return cancellation


# --- Approving -----------------------------------------------------------------------------------


def _with_request(step: ApprovalStep | None, request: LeaveRequest) -> ApprovalStep | None:
    if step is not None:
        step.request = request
    return step


def _unit_head_for(applicant: StaffMember) -> StaffMember | None:
    """The head of the applicant's unit, else of the unit above, else the principal; never the applicant."""
    unit = applicant.unit
    while unit is not None:
        head = unit.head
        if head is not None and head.pk != applicant.pk and head.is_active:
            return head
        unit = unit.parent
    principals = [p for p in role_holders(applicant.school_id, Role.PRINCIPAL) if p.pk != applicant.pk]
    return principals[0] if principals else None


def _resolve(step: ApprovalStep, request: LeaveRequest) -> tuple[StaffMember | None, str]:
    """(assignee, reason to skip). No assignee and no skip: a role step anyone holding the role takes,
    or — for a unit head that cannot be found — a stuck step the personnel office reassigns."""
    applicant = request.applicant
    if step.role == ApprovalRole.DEPUTY:
        return request.deputy, ""
    if step.role == ApprovalRole.UNIT_HEAD:
        if applicant.has_role(Role.PRINCIPAL):
            return None, _("申請人為校長，免單位主管核章")
        return _unit_head_for(applicant), ""
    role = STEP_ROLES[step.role]
    others = [h for h in role_holders(request.school_id, role) if h.pk != applicant.pk]
    if not others and applicant.has_role(role):
        return None, _("申請人本人，不得自行核章，免簽")
    return None, ""


def _advance(request: LeaveRequest, *, now: dt.datetime) -> ApprovalStep | None:
    """Make the next waiting step current and tell its actors; None when no step is left."""
    for step in request.steps.filter(status=ApprovalStep.Status.WAITING).order_by("order"):
        step.request = request
        assignee, skip = _resolve(step, request)
        if skip:
            step.status, step.comment, step.acted_at = ApprovalStep.Status.SKIPPED, skip, now
            step.save(update_fields=["status", "comment", "acted_at"])
            continue
        step.status, step.assignee, step.activated_at = ApprovalStep.Status.CURRENT, assignee, now
        step.save(update_fields=["status", "assignee", "activated_at"])
        _notify(request, step_actors(step), "leave.action_needed", step=step)
        return step
    return None


def _current_step(request: LeaveRequest, actor: StaffMember) -> tuple[ApprovalStep, StaffMember | None]:
    if request.status != LeaveStatus.PENDING:
        raise LeaveError(_("此假單已結案"), code="not_pending")
    if actor.pk == request.applicant_id:
        raise LeaveError(_("不能簽核自己的假單"), code="own_request")
    step = request.steps.select_related("assignee__user").filter(status=ApprovalStep.Status.CURRENT).first()
    if step is None:
        raise LeaveError(_("此假單沒有待簽核的關卡"), code="not_pending")
    step.request = request
    allowed, on_behalf_of = step_acting_capacity(step, actor)
    if not allowed:
        raise LeaveError(_("您不是這一關的簽核人"), code="not_your_step")
    return step, on_behalf_of


def leave_step_approve(*, request: LeaveRequest, actor: StaffMember, comment: str = "") -> LeaveRequest:
    """The current step's actor agrees; the next step starts, or the request is approved."""
    with transaction.atomic():
        _applicant, request = _lock_for_change(request)
        step, on_behalf_of = _current_step(request, actor)
        now = timezone.now()
        step.status, step.acted_by, step.on_behalf_of = ApprovalStep.Status.APPROVED, actor, on_behalf_of
        step.comment, step.acted_at = comment.strip(), now
        step.save(update_fields=["status", "acted_by", "on_behalf_of", "comment", "acted_at"])
        audit_log(actor=actor.user, action="leave.step_approved", target=request, school=request.applicant.school,
                  data={"step": step.order, "role": step.role, "comment": step.comment,
                        "on_behalf_of": on_behalf_of.pk if on_behalf_of else None})
        following = _advance(request, now=now)
        if following is None:
            _finish_approved(request, actor=actor, now=now)
        else:
            _notify(request, [request.applicant], "leave.progress", step=step, next_step=following)
    return request


def _finish_approved(request: LeaveRequest, *, actor: StaffMember, now: dt.datetime) -> None:
    request.status, request.decided_at = LeaveStatus.APPROVED, now
    request.save(update_fields=["status", "decided_at"])
    audit_log(actor=actor.user, action="leave.approved", target=request, school=request.applicant.school,
              data=_request_data(request))
    if request.is_cancellation:
        _apply_cancellation(request, actor=actor)
    else:
        _publish(request, "approved", actor=actor, spans=(request.span,))
    _notify(request, [request.applicant], "leave.decided")


def _apply_cancellation(cancellation: LeaveRequest, *, actor: StaffMember) -> None:
    original = LeaveRequest.objects.select_for_update(no_key=True, of=("self",)).select_related(
        "leave_type", "rule", "deputy__user", "applicant__user"
    ).get(pk=cancellation.amends_id)
    previous = original.span
    first_day = R.span_dates(*previous)[0]
    if cancellation.cancels_all:
        original.status = LeaveStatus.CANCELLED
        original.decided_at = timezone.now()
        original.save(update_fields=["status", "decided_at"])
        action, spans = "cancelled", ()
    else:
        original.start, original.end, original.hours = cancellation.start, cancellation.end, cancellation.hours
        original.save(update_fields=["start", "end", "hours"])
        original.days.all().delete()
        LeaveDay.objects.bulk_create(
            LeaveDay(request=original, day=d.day, hours=d.hours) for d in cancellation.days.all()
        )
        action, spans = "changed", (original.span,)
    _reallocate(original.applicant, since=first_day)
    original.refresh_from_db(fields=["unpaid_hours"])
    original.substitute_paid_by = _substitute_payer(original.applicant, original.rule, original.hours,
                                                    original.unpaid_hours)
    original.save(update_fields=["substitute_paid_by"])
    audit_log(actor=actor.user, action="leave.cancelled" if cancellation.cancels_all else "leave.shortened",
              target=original, school=original.applicant.school,
              data={"cancellation": cancellation.pk, "previous": list(previous), "hours": original.hours})
    _notify(original, [original.deputy], "leave.changed", cancellation=cancellation)
    _publish(original, action, actor=actor, spans=spans, previous=(previous,))


def leave_step_reject(*, request: LeaveRequest, actor: StaffMember, comment: str) -> LeaveRequest:
    """The current step's actor says no: the request ends and its reserved hours are freed."""
    if not comment.strip():
        raise LeaveError(_("駁回時請填寫意見"), code="comment_required")
    with transaction.atomic():
        applicant, request = _lock_for_change(request)
        step, on_behalf_of = _current_step(request, actor)
        if not request.rule.may_refuse and step.role != ApprovalRole.DEPUTY and not request.is_cancellation:
            raise LeaveError(_("「%(type)s」依規定學校不得拒絕") % {"type": request.leave_type.name},
                             code="may_not_refuse")
        now = timezone.now()
        step.status, step.acted_by, step.on_behalf_of = ApprovalStep.Status.REJECTED, actor, on_behalf_of
        step.comment, step.acted_at = comment.strip(), now
        step.save(update_fields=["status", "acted_by", "on_behalf_of", "comment", "acted_at"])
        request.steps.filter(status=ApprovalStep.Status.WAITING).update(status=ApprovalStep.Status.CANCELLED)
        request.status, request.decided_at = LeaveStatus.REJECTED, now
        request.save(update_fields=["status", "decided_at"])
        if not request.is_cancellation:
            _reallocate(applicant, since=R.span_dates(request.start, request.end)[0])
        audit_log(actor=actor.user, action="leave.rejected", target=request, school=applicant.school,
                  data={"step": step.order, "role": step.role, "comment": step.comment,
                        "on_behalf_of": on_behalf_of.pk if on_behalf_of else None})
        _notify(request, [request.applicant], "leave.decided", step=step)
        if not request.is_cancellation:
            _publish(request, "rejected", actor=actor, spans=(), previous=(request.span,))
    return request


def approval_step_reassign(
    *, step: ApprovalStep, to: StaffMember, actor: StaffMember, comment: str = ""
) -> ApprovalStep:
    """The personnel office hands a stuck step to someone else of the school (never the applicant)."""
    with transaction.atomic():
        step = ApprovalStep.objects.select_for_update().select_related("request__applicant__user").get(pk=step.pk)
        request = step.request
        if not (actor.has_role(Role.PERSONNEL) or actor.has_role(Role.SYSTEM_ADMIN)) or (
            actor.school_id != request.school_id
        ):
            raise LeaveError(_("只有人事室可以改派簽核人"), code="forbidden")
        if step.status != ApprovalStep.Status.CURRENT:
            raise LeaveError(_("只能改派待簽核的關卡"), code="not_current")
        if to.pk == request.applicant_id:
            raise LeaveError(_("不能改派給申請人本人"), code="own_request")
        if to.school_id != request.school_id or not to.is_active:
            raise LeaveError(_("只能改派給本校在職人員"), code="bad_assignee")
        previous = step.assignee_id
        step.assignee = to
        step.activated_at = timezone.now()
        step.save(update_fields=["assignee", "activated_at"])
        audit_log(actor=actor.user, action="leave.step_reassigned", target=request, school=request.applicant.school,
                  data={"step": step.order, "from": previous, "to": to.pk, "comment": comment.strip()})
        _notify(request, [to], "leave.action_needed", step=step)
    return step


# --- Balances and periods ------------------------------------------------------------------------


def balance_adjust(
    *, staff: StaffMember, leave_type: LeaveType, period_start: dt.date, hours: int, reason: str, actor: StaffMember
) -> BalanceAdjustment:
    """Add (or take) hours to a person's quota for one period: 休假 kept from earlier years, corrections."""
    if not actor.has_role(Role.PERSONNEL) or actor.school_id != staff.school_id:
        raise LeaveError(_("只有人事室可以調整額度"), code="forbidden")
    if not reason.strip():
        raise LeaveError(_("請填寫調整原因"), code="reason_required")
    if leave_type.school_id != staff.school_id:
        raise LeaveError(_("此假別不適用於該員的學校"), code="unknown_type")
    with transaction.atomic():
        staff = _lock_staff(staff.pk)[staff.pk]
        adjustment = BalanceAdjustment.objects.create(
            staff=staff, leave_type=leave_type, period_start=period_start, hours=hours, reason=reason.strip(),
            created_by=actor.user,
        )
        _reallocate(staff, since=period_start)
        audit_log(actor=actor.user, action="leave.balance_adjusted", target=staff, school=staff.school,
                  data={"type": leave_type.code, "period_start": period_start, "hours": hours, "reason": reason})
    return adjustment


def leave_charges_recompute(*, staff_members: Iterable[StaffMember], since: dt.date, actor=None) -> int:
    """Recompute people's charges from ``since``'s period on, after a rule or an adjustment was edited
    outside these services (the admin). Returns how many people were done."""
    count = 0
    for member in staff_members:
        with transaction.atomic():
            locked = _lock_staff(member.pk)[member.pk]
            _reallocate(locked, since=since)
            count += 1
    if count:
        audit_log(actor=actor, action="leave.charges_recomputed", data={"people": count, "since": since})
    return count


def month_close(*, school: School, month: dt.date, actor: StaffMember) -> ClosedMonth:
    if not actor.has_role(Role.PERSONNEL) or actor.school_id != school.pk:
        raise LeaveError(_("只有人事室可以關帳"), code="forbidden")
    with transaction.atomic():
        closed, _created = ClosedMonth.objects.get_or_create(
            school=school, month=month.replace(day=1), defaults={"closed_by": actor.user}
        )
        audit_log(actor=actor.user, action="leave.month_closed", target=closed, school=school,
                  data={"month": closed.month})
    return closed


# --- Overtime (加班 → 補休) ------------------------------------------------------------------------


def overtime_submit(
    *,
    staff: StaffMember,
    planned_start: dt.datetime,
    planned_end: dt.datetime,
    reason: str,
    compensation: str = OvertimeRequest.Compensation.COMP_TIME,
) -> OvertimeRequest:
    """Ask in advance to work overtime; the unit head approves."""
    if planned_end <= planned_start:
        raise LeaveError(_("結束時間必須晚於開始時間"), code="end_before_start")
    if timezone.localtime(planned_start).date() != timezone.localtime(planned_end - dt.timedelta(seconds=1)).date():
        raise LeaveError(_("加班請以一天為單位申請"), code="overtime_one_day")
    if planned_start <= timezone.now():
        raise LeaveError(_("加班須事先申請"), code="overtime_not_in_advance")
    if not reason.strip():
        raise LeaveError(_("請填寫加班事由"), code="reason_required")
    if compensation not in OvertimeRequest.Compensation.values:
        raise LeaveError(_("補償方式不正確"), code="bad_compensation")
    with transaction.atomic():
        staff = _lock_staff(staff.pk)[staff.pk]
        if OvertimeRequest.objects.filter(
            staff=staff, status__in=[OvertimeRequest.Status.PENDING, OvertimeRequest.Status.APPROVED],
            planned_start__lt=planned_end, planned_end__gt=planned_start,
        ).exists():
            raise LeaveError(_("與您已申請的加班時間重疊"), code="overlap")
        approver = _unit_head_for(staff)
        if approver is None:
            raise LeaveError(_("找不到您的單位主管，請洽人事室"), code="no_approver")
        overtime = OvertimeRequest.objects.create(
            school_id=staff.school_id, staff=staff, work_date=timezone.localtime(planned_start).date(),
            planned_start=planned_start, planned_end=planned_end, reason=reason.strip(), compensation=compensation,
            approver=approver,
        )
        audit_log(actor=staff.user, action="leave.overtime_submitted", target=overtime, school=staff.school,
                  data={"start": planned_start, "end": planned_end, "compensation": compensation})
        _notify_overtime(overtime, [approver], "leave.overtime_action_needed")
    return overtime


def overtime_decide(
    *, overtime: OvertimeRequest, actor: StaffMember, approve: bool, comment: str = ""
) -> OvertimeRequest:
    with transaction.atomic():
        overtime = OvertimeRequest.objects.select_for_update().select_related("staff__user").get(pk=overtime.pk)
        if overtime.status != OvertimeRequest.Status.PENDING:
            raise LeaveError(_("此加班申請已核定"), code="not_pending")
        if actor.pk == overtime.staff_id:
            raise LeaveError(_("不能核定自己的加班"), code="own_request")
        covering = on_leave_now([overtime.approver_id]) if overtime.approver_id else {}
        if actor.pk != overtime.approver_id and covering.get(overtime.approver_id) != actor.pk:
            raise LeaveError(_("您不是這件加班的核准人"), code="not_your_step")
        if not approve and not comment.strip():
            raise LeaveError(_("駁回時請填寫意見"), code="comment_required")
        overtime.status = OvertimeRequest.Status.APPROVED if approve else OvertimeRequest.Status.REJECTED
        overtime.decided_by, overtime.decided_at, overtime.comment = actor, timezone.now(), comment.strip()
        overtime.save(update_fields=["status", "decided_by", "decided_at", "comment"])
        audit_log(actor=actor.user, action="leave.overtime_approved" if approve else "leave.overtime_rejected",
                  target=overtime, school=overtime.staff.school, data={"comment": overtime.comment})
        _notify_overtime(overtime, [overtime.staff], "leave.overtime_decided")
    return overtime


def overtime_withdraw(*, overtime: OvertimeRequest, actor: StaffMember) -> OvertimeRequest:
    with transaction.atomic():
        overtime = OvertimeRequest.objects.select_for_update().get(pk=overtime.pk)
        if actor.pk != overtime.staff_id:
            raise LeaveError(_("只有申請人可以撤回"), code="not_applicant")
        if overtime.status != OvertimeRequest.Status.PENDING:
            raise LeaveError(_("只有待核的加班可以撤回"), code="not_pending")
        overtime.status = OvertimeRequest.Status.WITHDRAWN
        overtime.save(update_fields=["status"])
        audit_log(actor=actor.user, action="leave.overtime_withdrawn", target=overtime, school=actor.school)
    return overtime


def overtime_settle(
    *, overtime: OvertimeRequest, worked_start: dt.datetime, worked_end: dt.datetime, actor: StaffMember
) -> OvertimeRequest:
    """Count an approved overtime from the punched span: whole hours inside the approved window, capped
    per day (workday / day off) and per month (settings). 補休 credit expires after LEAVE_COMP_TIME_VALID_YEARS.

    Attendance calls this with the day's punches; the personnel office may enter them by hand.
    """
    if not (actor.has_role(Role.PERSONNEL) or actor.has_role(Role.SYSTEM_ADMIN)) or actor.school_id != (
        overtime.school_id
    ):
        raise LeaveError(_("只有人事室可以核計加班時數"), code="forbidden")
    if worked_end <= worked_start:
        raise LeaveError(_("結束時間必須晚於開始時間"), code="end_before_start")
    if worked_end > timezone.now():
        raise LeaveError(_("加班尚未結束，請於刷卡後再核計"), code="overtime_not_done")
    with transaction.atomic():
        staff = _lock_staff(overtime.staff_id)[overtime.staff_id]
        overtime = OvertimeRequest.objects.select_for_update().get(pk=overtime.pk)
        if overtime.status != OvertimeRequest.Status.APPROVED:
            raise LeaveError(_("只有已核准的加班可以核計"), code="not_approved")
        if overtime.settled_at is not None:
            raise LeaveError(_("此加班已核計"), code="already_settled")
        s, e = max(worked_start, overtime.planned_start), min(worked_end, overtime.planned_end)
        hours = int(max(0, (e - s).total_seconds()) // 3600)
        on_duty = duty_days([staff], overtime.work_date, overtime.work_date)[(staff.pk, overtime.work_date)].has_duty
        day_cap = settings.LEAVE_OVERTIME_MAX_HOURS_WORKDAY if on_duty else settings.LEAVE_OVERTIME_MAX_HOURS_DAY_OFF
        month = overtime.work_date.replace(day=1)
        month_used = OvertimeRequest.objects.filter(
            staff=staff, status=OvertimeRequest.Status.APPROVED, settled_at__isnull=False,
            work_date__gte=month, work_date__lt=(month + dt.timedelta(days=32)).replace(day=1),
        ).aggregate(total=Sum("credited_hours"))["total"] or 0
        credited = max(0, min(hours, day_cap, settings.LEAVE_OVERTIME_MAX_HOURS_MONTH - month_used))
        overtime.worked_start, overtime.worked_end = worked_start, worked_end
        overtime.credited_hours, overtime.settled_at = credited, timezone.now()
        if overtime.compensation == OvertimeRequest.Compensation.COMP_TIME:
            years = settings.LEAVE_COMP_TIME_VALID_YEARS
            try:
                overtime.expires_on = overtime.work_date.replace(year=overtime.work_date.year + years)
            except ValueError:  # 29 February
                overtime.expires_on = dt.date(overtime.work_date.year + years, 3, 1)
            overtime.expires_on -= dt.timedelta(days=1)
        overtime.save(update_fields=["worked_start", "worked_end", "credited_hours", "settled_at", "expires_on"])
        audit_log(actor=actor.user, action="leave.overtime_settled", target=overtime, school=staff.school,
                  data={"worked_start": worked_start, "worked_end": worked_end, "hours": hours, "credited": credited,
                        "expires_on": overtime.expires_on})
        if overtime.compensation == OvertimeRequest.Compensation.COMP_TIME:
            _reallocate(staff, since=overtime.work_date)
    return overtime


# --- Telling people ------------------------------------------------------------------------------


def _notify(request: LeaveRequest, recipients, kind: str, **extra) -> None:
    recipients = [r for r in recipients if r is not None]
    if not recipients:
        return
    context = {
        "request": request,
        "applicant": request.applicant.name,
        "type_name": request.leave_type.name,
        "is_cancellation": request.is_cancellation,
        "span": span_text(request.start, request.end),
        "length": format_days_hours(request.hours),
        "status": request.get_status_display(),
        **extra,
    }
    notify(recipients, kind, context, url=reverse("leave:detail", args=[request.pk]))


def _notify_overtime(overtime: OvertimeRequest, recipients, kind: str) -> None:
    notify(
        recipients,
        kind,
        {"overtime": overtime, "staff_name": overtime.staff.name,
         "span": span_text(overtime.planned_start, overtime.planned_end), "status": overtime.get_status_display()},
        url=reverse("leave:overtime"),
    )


def _publish(request: LeaveRequest, action: str, *, actor: StaffMember, spans=(), previous=()) -> None:
    publish_leave_changed(
        LeaveEvent(
            leave_request_id=request.pk,
            staff_id=request.applicant_id,
            school_id=request.school_id,
            action=action,
            leave_type_code=request.leave_type.code,
            leave_type_name=request.leave_type.name,
            spans=tuple(spans),
            previous_spans=tuple(previous),
            actor_user_id=actor.user_id if actor else None,
            substitute_paid_by=request.substitute_paid_by,
            extra={
                "status": request.status,
                "hours": request.hours,
                "unpaid_hours": request.unpaid_hours,
                "deputy_id": request.deputy_id,
                "class_arrangement": request.class_arrangement,
            },
        )
    )
