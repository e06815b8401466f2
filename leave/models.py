"""Leave: the rules as data, requests with their days and balance charges, approval chains, overtime.

- LeaveType / LeaveRule: what a school offers and how each type is counted. A type (事假) keeps its
  identity; its rules are versioned by effective dates and by staff category (teachers count by
  school year, 職員 by calendar year), so next year's change never rewrites last year.
- LeaveRequest: one request (or one 銷假, a request to cancel or shorten an approved one), its
  LeaveDays (the length, day by day) and LeaveCharges (which quota each hour draws on — the ledger
  balances are read from). Charges are derived data: leave/services.py recomputes them in date
  order under the applicant's lock whenever a request of that person changes.
- ApprovalChain / ApprovalChainStep: the school's chains; ApprovalStep: a request's own steps.
- OvertimeRequest: 加班, approved by the unit head; settled hours become 補休 credit or pay.
"""

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.i18n import english_active, local_label, local_name
from staff.models import StaffCategory

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class _DaysOptions(TypedDict):
    """A number of days on a rule: the options every such DecimalField shares (spelled for the type checker)."""

    max_digits: int
    decimal_places: int
    validators: Sequence[Callable[[Any], None]]


DAYS: _DaysOptions = {"max_digits": 5, "decimal_places": 1, "validators": [MinValueValidator(Decimal("0"))]}


class Period(models.TextChoices):
    SCHOOL_YEAR = "school_year", _("學年度（8/1–7/31）")
    CALENDAR_YEAR = "calendar_year", _("曆年（1/1–12/31）")


class LeaveUnit(models.TextChoices):
    HOUR = "hour", _("小時")
    HALF_DAY = "half_day", _("半日")
    DAY = "day", _("日")


class GrantKind(models.TextChoices):
    FIXED = "fixed", _("每期定額")
    SENIORITY = "seniority", _("依年資")
    PER_EVENT = "per_event", _("依事由（每次）")
    OVERTIME = "overtime", _("加班換補休")
    AS_APPROVED = "as_approved", _("依核定（不設額度）")


class OverQuota(models.TextChoices):
    REFUSE = "refuse", _("不得超過")
    UNPAID = "unpaid", _("可超過，超過部分不支薪")
    OVERFLOW = "overflow", _("超過部分改計入其他假別")


class Payer(models.TextChoices):
    SCHOOL = "school", _("公費")
    TEACHER = "teacher", _("自理")


class LeaveType(models.Model):
    """A kind of leave a school offers (事假, 病假, 補休 ...). Its counting rules live in LeaveRule."""

    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="leave_types")
    code = models.SlugField(_("代碼"), max_length=30)
    name = models.CharField(_("假別"), max_length=30)
    name_en = models.CharField(_("英文名稱"), max_length=60, blank=True, help_text=_("英文介面顯示；空白則顯示中文"))
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("啟用"), default=True)

    class Meta:
        verbose_name = _("假別")
        verbose_name_plural = _("假別")
        ordering = ["school", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="leave_type_code_unique")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the active language (common.i18n.local_name)."""
        return local_name(self)


class LeaveRule(models.Model):
    """How one leave type is counted for some staff categories from one date on.

    Quotas and thresholds are in days (8 hours a day); the services work in hours.
    """

    leave_type = models.ForeignKey(LeaveType, on_delete=models.CASCADE, related_name="rules", verbose_name=_("假別"))
    audience = models.CharField(_("適用對象說明"), max_length=30, blank=True, help_text=_("如「教師」「職員」"))
    audience_en = models.CharField(_("適用對象說明（英文）"), max_length=60, blank=True)
    categories = models.JSONField(_("適用人員類別"), default=list)
    effective_from = models.DateField(_("生效日"))
    effective_to = models.DateField(_("失效日"), null=True, blank=True, help_text=_("含當日；空白表示持續有效"))

    grant_kind = models.CharField(_("核給方式"), max_length=20, choices=GrantKind.choices)
    quota_days = models.DecimalField(_("每期額度（日）"), null=True, blank=True, **DAYS)
    prorate_first_period = models.BooleanField(_("年度中到職按在職月數比例核給"), default=True)
    seniority_steps = models.JSONField(
        _("年資級距"), default=list, blank=True, help_text=_("[[滿幾年, 日數], ...]，如 [[1, 7], [3, 14]]")
    )
    event_options = models.JSONField(
        _("事由與日數"),
        default=list,
        blank=True,
        help_text=_('[{"key": "parent", "label": "父母、配偶喪亡", "label_en": "Parent or spouse", "days": 15}, ...]'),
    )
    event_window_before_days = models.PositiveSmallIntegerField(
        _("事由日前可請天數"), null=True, blank=True, help_text=_("空白表示不限")
    )
    event_window_after_days = models.PositiveSmallIntegerField(
        _("事由日後可請天數"), null=True, blank=True, help_text=_("空白表示不限")
    )
    single_block = models.BooleanField(_("須一次請畢"), default=False)
    period = models.CharField(_("計算期間"), max_length=20, choices=Period.choices, default=Period.SCHOOL_YEAR)
    monthly_cap_days = models.DecimalField(_("每月上限（日）"), null=True, blank=True, **DAYS)

    unit = models.CharField(_("請假單位"), max_length=10, choices=LeaveUnit.choices, default=LeaveUnit.HOUR)
    counts_non_working_days = models.BooleanField(
        _("例假日及國定假日併計"), default=False, help_text=_("勾選則以日曆天計算（如娩假）")
    )
    proof_required = models.BooleanField(_("須附證明"), default=False)
    proof_from_days = models.DecimalField(
        _("請假達幾日須附證明"), default=Decimal("0"), help_text=_("0 表示一律須附"), **DAYS
    )
    may_refuse = models.BooleanField(_("學校得不准假"), default=True)
    over_quota = models.CharField(
        _("超過額度"), max_length=10, choices=OverQuota.choices, default=OverQuota.REFUSE
    )
    overflow_to = models.ForeignKey(
        LeaveType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("超過部分計入"),
    )
    draws_from = models.ForeignKey(
        LeaveType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("併入何假別額度"),
        help_text=_("如家庭照顧假併入事假"),
    )
    draws_from_free_days = models.DecimalField(
        _("每期不併計日數"), default=Decimal("0"), help_text=_("如生理假每年前 3 日不併入病假"), **DAYS
    )
    substitute_payer = models.CharField(_("代課鐘點費"), max_length=10, choices=Payer.choices, default=Payer.TEACHER)
    school_pays_from_days = models.DecimalField(
        _("連續請假達幾日改由公費"), null=True, blank=True, **DAYS
    )
    school_pays_beyond_quota = models.BooleanField(_("超過額度部分由公費支付代課"), default=False)

    class Meta:
        verbose_name = _("假別規則")
        verbose_name_plural = _("假別規則")
        ordering = ["leave_type", "effective_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
                name="leave_rule_dates",
            ),
            models.CheckConstraint(
                condition=~Q(grant_kind="fixed") | Q(quota_days__isnull=False), name="leave_rule_fixed_has_quota"
            ),
            models.CheckConstraint(
                condition=~Q(over_quota="overflow") | Q(overflow_to__isnull=False), name="leave_rule_overflow_target"
            ),
        ]

    def __str__(self) -> str:
        audience = local_name(self, "audience")
        if english_active():
            suffix = f" ({audience})" if audience else ""
            return f"{self.leave_type.display_name}{suffix} from {self.effective_from:%Y-%m-%d}"
        suffix = f"（{audience}）" if audience else ""
        return f"{self.leave_type.display_name}{suffix} {self.effective_from:%Y-%m-%d} 起"

    @property
    def audience_display(self) -> str:
        return local_name(self, "audience")

    def applies_to(self, category: str, day: dt.date) -> bool:
        return (
            category in self.categories
            and self.effective_from <= day
            and (self.effective_to is None or day <= self.effective_to)
        )

    def event_option(self, key: str) -> dict | None:
        return next((opt for opt in self.event_options if opt.get("key") == key), None)

    def clean(self) -> None:
        errors: dict[str, StrOrPromise] = {}
        valid = set(StaffCategory.values)
        if not self.categories or not isinstance(self.categories, list) or set(self.categories) - valid:
            errors["categories"] = _("請選擇適用人員類別")
        if self.grant_kind == GrantKind.FIXED and self.quota_days is None:
            errors["quota_days"] = _("每期定額的假別須填額度")
        if self.grant_kind == GrantKind.SENIORITY and not _valid_steps(self.seniority_steps):
            errors["seniority_steps"] = _("年資級距格式應為 [[滿幾年, 日數], ...]，年數遞增")
        if self.grant_kind == GrantKind.PER_EVENT and not _valid_options(self.event_options):
            errors["event_options"] = _("請填寫事由與日數")
        if self.over_quota == OverQuota.OVERFLOW and not self.overflow_to_id:
            errors["overflow_to"] = _("超過部分改計入其他假別時，須選擇假別")
        if self.draws_from_id and self.over_quota == OverQuota.UNPAID:
            # The parent type decides pay; counting the excess unpaid here too would count it twice.
            errors["over_quota"] = _("併入其他假別額度者，超過部分依該假別處理，此處請選「不得超過」")
        if self.draws_from_id and self.draws_from_id == self.leave_type_id:
            errors["draws_from"] = _("不可併入自己")
        if self.overflow_to_id and self.overflow_to_id == self.leave_type_id:
            errors["overflow_to"] = _("不可計入自己")
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            errors["effective_to"] = _("失效日不可早於生效日")
        if not errors and self.leave_type_id:
            clash = _overlapping_rule(self)
            if clash is not None:
                errors["effective_from"] = _("與同假別、同人員類別的另一版規則期間重疊：%(rule)s") % {"rule": clash}
        if errors:
            raise ValidationError(errors)


def _valid_steps(steps) -> bool:
    try:
        years = [int(y) for y, _days in steps]
        [Decimal(str(d)) for _y, d in steps]
    except (TypeError, ValueError, ArithmeticError):
        return False
    return bool(steps) and years == sorted(set(years))


def _valid_options(options) -> bool:
    if not isinstance(options, list) or not options:
        return False
    keys = set()
    for opt in options:
        if not isinstance(opt, dict) or not opt.get("key") or not opt.get("label"):
            return False
        keys.add(opt["key"])
        try:
            Decimal(str(opt.get("days", 0)))
        except ArithmeticError:
            return False
    return len(keys) == len(options)


def _overlapping_rule(rule: LeaveRule) -> LeaveRule | None:
    others = LeaveRule.objects.filter(leave_type_id=rule.leave_type_id).exclude(pk=rule.pk)
    far = dt.date.max
    for other in others:
        if not set(other.categories) & set(rule.categories):
            continue
        if rule.effective_from <= (other.effective_to or far) and other.effective_from <= (rule.effective_to or far):
            return other
    return None


class ApprovalRole(models.TextChoices):
    DEPUTY = "deputy", _("職務代理人")
    UNIT_HEAD = "unit_head", _("單位主管")
    ACADEMIC_AFFAIRS = "academic_affairs", _("教學組")
    PERSONNEL = "personnel", _("人事室")
    PRINCIPAL = "principal", _("校長")


class ApprovalChain(models.Model):
    """One of a school's approval chains; the first active chain (by priority) that fits is used."""

    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="approval_chains")
    name = models.CharField(_("名稱"), max_length=50)
    name_en = models.CharField(_("英文名稱"), max_length=80, blank=True, help_text=_("英文介面顯示；空白則顯示中文"))
    priority = models.PositiveSmallIntegerField(_("優先順序"), default=100, help_text=_("數字小者先比對"))
    categories = models.JSONField(_("適用人員類別"), default=list, blank=True, help_text=_("空白表示全部"))
    leave_types = models.ManyToManyField(
        LeaveType, blank=True, related_name="approval_chains", verbose_name=_("適用假別"), help_text=_("空白表示全部")
    )
    min_days = models.DecimalField(_("請假超過（日）"), null=True, blank=True, **DAYS)
    max_days = models.DecimalField(_("請假至多（日）"), null=True, blank=True, **DAYS)
    is_active = models.BooleanField(_("啟用"), default=True)

    class Meta:
        verbose_name = _("簽核流程")
        verbose_name_plural = _("簽核流程")
        ordering = ["school", "priority", "id"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return local_name(self)

    def clean(self) -> None:
        if self.categories and set(self.categories) - set(StaffCategory.values):
            raise ValidationError({"categories": _("人員類別不正確")})
        if self.min_days is not None and self.max_days is not None and self.max_days <= self.min_days:
            raise ValidationError({"max_days": _("上限須大於下限")})


class ApprovalChainStep(models.Model):
    chain = models.ForeignKey(ApprovalChain, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("順序"))
    role = models.CharField(_("簽核者"), max_length=20, choices=ApprovalRole.choices)

    class Meta:
        verbose_name = _("簽核關卡")
        verbose_name_plural = _("簽核關卡")
        ordering = ["chain", "order"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "order"], name="approval_chain_step_order_unique"),
            models.UniqueConstraint(fields=["chain", "role"], name="approval_chain_step_role_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.get_role_display()}"


class LeaveStatus(models.TextChoices):
    PENDING = "pending", _("簽核中")
    APPROVED = "approved", _("已核准")
    REJECTED = "rejected", _("已駁回")
    WITHDRAWN = "withdrawn", _("已撤回")
    CANCELLED = "cancelled", _("已銷假")


ACTIVE_STATUSES = (LeaveStatus.PENDING, LeaveStatus.APPROVED)


class LeaveRequest(models.Model):
    class Kind(models.TextChoices):
        LEAVE = "leave", _("請假")
        CANCELLATION = "cancellation", _("銷假")

    school = models.ForeignKey("staff.School", on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="leave_requests", verbose_name=_("申請人")
    )
    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices, default=Kind.LEAVE)
    amends = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("銷假原假單")
    )
    cancels_all = models.BooleanField(_("全部銷假"), default=False)
    leave_type = models.ForeignKey(LeaveType, on_delete=models.PROTECT, related_name="requests", verbose_name=_("假別"))
    rule = models.ForeignKey(LeaveRule, on_delete=models.PROTECT, related_name="requests", verbose_name=_("適用規則"))
    start = models.DateTimeField(_("開始"))
    end = models.DateTimeField(_("結束"))
    hours = models.PositiveIntegerField(_("時數"), default=0)
    unpaid_hours = models.PositiveIntegerField(_("不支薪時數"), default=0)
    reason = models.TextField(_("事由"), blank=True)
    event_key = models.CharField(_("事由類別"), max_length=30, blank=True)
    event_date = models.DateField(_("事實發生日"), null=True, blank=True)
    deputy = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="deputy_requests", verbose_name=_("職務代理人")
    )
    class_arrangement = models.TextField(_("課務處理"), blank=True)
    status = models.CharField(_("狀態"), max_length=12, choices=LeaveStatus.choices, default=LeaveStatus.PENDING)
    chain_name = models.CharField(_("簽核流程"), max_length=50, blank=True)
    chain_name_en = models.CharField(_("簽核流程（英文）"), max_length=80, blank=True)
    substitute_paid_by = models.CharField(_("代課鐘點費"), max_length=10, choices=Payer.choices, blank=True)
    submitted_at = models.DateTimeField(_("送出時間"), auto_now_add=True)
    decided_at = models.DateTimeField(_("結案時間"), null=True, blank=True)
    # Not a column: the request's steps, each pointing back at it, when a page or the API read them to
    # show the request (``request_actions`` then asks no more).
    step_list: list["ApprovalStep"]
    # Not a column: its attachments, when the API read them to show the request.
    attachment_list: list["LeaveAttachment"]
    # Not columns: the steps and attachments as a service held them when it handed the request back (a submission,
    # an approval), for an answer made at once (the API's); read nowhere else, since a later change leaves them stale.
    held_steps: list["ApprovalStep"]
    held_attachments: list["LeaveAttachment"]

    class Meta:
        verbose_name = _("假單")
        verbose_name_plural = _("假單")
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="leave_request_end_after_start"),
            models.CheckConstraint(
                condition=Q(kind="leave", amends__isnull=True) | Q(kind="cancellation", amends__isnull=False),
                name="leave_request_amends_only_cancellations",
            ),
            models.UniqueConstraint(
                fields=["amends"], condition=Q(status="pending"), name="leave_request_one_pending_cancellation"
            ),
        ]
        indexes = [
            models.Index(fields=["applicant", "status", "start"]),
            models.Index(fields=["school", "status", "start"]),
            models.Index(fields=["deputy", "status", "start"]),
            models.Index(fields=["school", "-start"]),
        ]

    def __str__(self) -> str:
        kind = _("銷假") if self.kind == self.Kind.CANCELLATION else self.leave_type.display_name
        return f"{self.applicant.name} {kind} {self.start:%Y-%m-%d}"

    @property
    def chain_display(self) -> str:
        """The approval chain's name as it was when submitted, in the active language."""
        return local_name(self, "chain_name")

    @property
    def is_cancellation(self) -> bool:
        return self.kind == self.Kind.CANCELLATION

    @property
    def span(self) -> tuple[dt.datetime, dt.datetime]:
        return (self.start, self.end)

    @property
    def event_label(self) -> str:
        option = self.rule.event_option(self.event_key) if self.event_key else None
        return local_label(option) if option else self.event_key


class LeaveDay(models.Model):
    """The length of a request on one day, as counted by leave/rules.py."""

    request = models.ForeignKey(LeaveRequest, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("日期"))
    hours = models.PositiveSmallIntegerField(_("時數"))

    class Meta:
        verbose_name = _("請假日")
        verbose_name_plural = _("請假日")
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["request", "day"], name="leave_day_unique")]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.hours}h"


class OvertimeRequest(models.Model):
    """加班: asked for in advance, approved by the unit head, settled from the hours actually worked."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待核")
        APPROVED = "approved", _("已核准")
        REJECTED = "rejected", _("已駁回")
        WITHDRAWN = "withdrawn", _("已撤回")

    class Compensation(models.TextChoices):
        COMP_TIME = "comp_time", _("補休")
        PAY = "pay", _("加班費")

    class Settlement(models.TextChoices):
        PUNCHES = "punches", _("依刷卡核計")
        MISSING_PUNCH = "missing_punch", _("缺刷卡紀錄，核計 0 小時")
        MANUAL = "manual", _("人事室核計")

    school = models.ForeignKey("staff.School", on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="overtime_requests", verbose_name=_("申請人")
    )
    work_date = models.DateField(_("加班日"))
    planned_start = models.DateTimeField(_("預定開始"))
    planned_end = models.DateTimeField(_("預定結束"))
    reason = models.TextField(_("事由"))
    compensation = models.CharField(_("補償方式"), max_length=10, choices=Compensation.choices)
    status = models.CharField(_("狀態"), max_length=10, choices=Status.choices, default=Status.PENDING)
    approver = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="overtime_to_approve",
        verbose_name=_("核准人"),
    )
    decided_by = models.ForeignKey(
        "staff.StaffMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("核定時間"), null=True, blank=True)
    comment = models.TextField(_("意見"), blank=True)
    worked_start = models.DateTimeField(_("實際開始（刷卡）"), null=True, blank=True)
    worked_end = models.DateTimeField(_("實際結束（刷卡）"), null=True, blank=True)
    credited_hours = models.PositiveSmallIntegerField(_("核計時數"), default=0)
    settled_at = models.DateTimeField(_("核計時間"), null=True, blank=True)
    settlement = models.CharField(_("核計方式"), max_length=15, choices=Settlement.choices, blank=True)
    expires_on = models.DateField(_("補休期限"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("送出時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("加班")
        verbose_name_plural = _("加班")
        ordering = ["-work_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gt=models.F("planned_start")), name="overtime_planned_end_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["staff", "status", "work_date"]),
            models.Index(fields=["approver", "status"]),
            models.Index(fields=["school", "status", "work_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.staff.name} 加班 {self.work_date}"

    @property
    def is_credit(self) -> bool:
        return (
            self.status == self.Status.APPROVED
            and self.compensation == self.Compensation.COMP_TIME
            and self.settled_at is not None
            and self.credited_hours > 0
        )


class LeaveCharge(models.Model):
    """Hours of one request on one day drawn from one quota (a type's period, event or overtime credit).

    ``bucket`` names the quota: ``P2025-08-01`` (the period starting then), ``E:parent:2025-03-02``
    (one event), ``OT:17`` (overtime credit 17). ``unpaid`` marks hours beyond a quota that allows it.
    """

    request = models.ForeignKey(LeaveRequest, on_delete=models.CASCADE, related_name="charges")
    staff = models.ForeignKey("staff.StaffMember", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    leave_type = models.ForeignKey(LeaveType, on_delete=models.PROTECT, related_name="+")
    bucket = models.CharField(max_length=40)
    hours = models.PositiveSmallIntegerField()
    unpaid = models.BooleanField(default=False)
    overtime = models.ForeignKey(OvertimeRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("額度扣抵")
        verbose_name_plural = _("額度扣抵")
        ordering = ["day", "id"]
        indexes = [
            models.Index(fields=["staff", "leave_type", "bucket"]),
            models.Index(fields=["staff", "day"]),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.leave_type_id}:{self.bucket} {self.hours}h"


def _attachment_path(instance: "LeaveAttachment", filename: str) -> str:
    return f"leave/{instance.request.school_id}/{instance.request_id}/{filename}"


class LeaveAttachment(models.Model):
    request = models.ForeignKey(LeaveRequest, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("檔案"), upload_to=_attachment_path, max_length=255)
    name = models.CharField(_("檔名"), max_length=200)
    uploaded_at = models.DateTimeField(_("上傳時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


def _pending_path(instance: "PendingAttachment", filename: str) -> str:
    return f"leave/pending/{instance.owner_id}/{uuid.uuid4().hex}/{filename}"


class PendingAttachment(models.Model):
    """A proof uploaded with a form that came back with errors, kept so the person need not pick it again.

    Only its owner can name it in a later submission (the form sends its id back); a submission turns
    it into a LeaveAttachment and deletes it; rows older than PENDING_ATTACHMENT_HOURS are swept
    whenever the owner uploads again and by ``leave.tasks.pending_attachments_sweep``.
    """

    owner = models.ForeignKey("staff.StaffMember", on_delete=models.CASCADE, related_name="+")
    file = models.FileField(_("檔案"), upload_to=_pending_path, max_length=255)
    name = models.CharField(_("檔名"), max_length=200)
    uploaded_at = models.DateTimeField(_("上傳時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("暫存附件")
        verbose_name_plural = _("暫存附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ApprovalStep(models.Model):
    """One step of one request's chain. Exactly one step of a pending request is ``current``."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("待前關")
        CURRENT = "current", _("待簽核")
        APPROVED = "approved", _("同意")
        # The same words are buttons (核准, 駁回, 取消: "Reject", "Cancel"); as a state they read "Rejected".
        REJECTED = "rejected", pgettext_lazy("status", "駁回")
        SKIPPED = "skipped", _("免簽")
        CANCELLED = "cancelled", pgettext_lazy("status", "取消")

    request = models.ForeignKey(LeaveRequest, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("順序"))
    role = models.CharField(_("簽核者"), max_length=20, choices=ApprovalRole.choices)
    status = models.CharField(_("狀態"), max_length=10, choices=Status.choices, default=Status.WAITING)
    assignee = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="approval_steps",
        verbose_name=_("簽核人"),
        help_text=_("空白表示由具該角色者任一人簽核"),
    )
    acted_by = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("實際簽核人"),
    )
    on_behalf_of = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("代理誰簽核"),
    )
    comment = models.TextField(_("意見"), blank=True)
    activated_at = models.DateTimeField(_("送達時間"), null=True, blank=True)
    acted_at = models.DateTimeField(_("簽核時間"), null=True, blank=True)

    class Meta:
        verbose_name = _("簽核紀錄")
        verbose_name_plural = _("簽核紀錄")
        ordering = ["request", "order"]
        constraints = [
            models.UniqueConstraint(fields=["request", "order"], name="approval_step_order_unique"),
            models.UniqueConstraint(
                fields=["request"], condition=Q(status="current"), name="approval_step_one_current"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "assignee", "activated_at"]),
            models.Index(fields=["status", "role", "activated_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.get_role_display()} · {self.get_status_display()}"


class BalanceAdjustment(models.Model):
    """Hours the personnel office adds to or takes from a quota: 休假 kept from earlier years, corrections."""

    staff = models.ForeignKey("staff.StaffMember", on_delete=models.CASCADE, related_name="leave_adjustments")
    leave_type = models.ForeignKey(LeaveType, on_delete=models.PROTECT, related_name="+", verbose_name=_("假別"))
    period_start = models.DateField(_("期間起日"), help_text=_("學年度 8/1 或曆年 1/1"))
    hours = models.IntegerField(_("時數"), help_text=_("正數增加、負數減少"))
    reason = models.CharField(_("原因"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("額度調整")
        verbose_name_plural = _("額度調整")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["staff", "leave_type", "period_start"])]

    def __str__(self) -> str:
        return f"{self.staff} {self.leave_type} {self.hours:+d}h"


class ClosedMonth(models.Model):
    """A month the personnel office has closed (payroll done): no request may touch it any more."""

    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月份"), help_text=_("該月 1 日"))
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(_("關帳時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("已關帳月份")
        verbose_name_plural = _("已關帳月份")
        ordering = ["school", "-month"]
        constraints = [models.UniqueConstraint(fields=["school", "month"], name="closed_month_unique")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"

    def save(self, *args, **kwargs) -> None:
        self.month = self.month.replace(day=1)
        super().save(*args, **kwargs)
