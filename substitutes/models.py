"""Class coverage: who is away, which class periods that leaves uncovered, who covers them, and what it costs.

- Absence      — a teacher away: one per leave request (kept in step by the leave module's events)
                 or one recorded directly by academic affairs for an hourly 代課教師.
- AbsenceSpan  — the times of an absence (a leave can have several spans).
- CoverageNeed — one class period that an absence leaves without its teacher.
- CoverageAssignment — who covers a need: a substitute (代課) or a swap (調課) with the return leg.
- HourlyRate   — the pay per period by division, with the date it takes effect.
- SubstituteProfile — subjects a substitute can teach (for ranking candidates without a timetable).
- CoverageSettings  — a school's coverage rules: limits for proposals (cover periods per day and week, longest run
                      of classes) and whether assignments are first offered (提供).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.i18n import local_name
from schedules.models import Division


class Payer(models.TextChoices):
    SCHOOL = "school", _("公費")
    TEACHER = "teacher", _("自理")
    NONE = "none", _("不支薪")  # swaps (調課): the two teachers trade periods, nobody is paid


class Absence(models.Model):
    class Source(models.TextChoices):
        LEAVE = "leave", _("請假")
        RECORDED = "recorded", _("教學組登錄")

    class Status(models.TextChoices):
        PENDING = "pending", _("待核准")
        APPROVED = "approved", _("已核准")
        RECORDED = "recorded", _("已登錄")
        CANCELLED = "cancelled", _("已取消")

    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="+", verbose_name=_("學校"))
    teacher = models.ForeignKey(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="absences", verbose_name=_("教師")
    )
    source = models.CharField(_("來源"), max_length=10, choices=Source.choices)
    leave_request_id = models.PositiveBigIntegerField(_("假單編號"), null=True, blank=True, unique=True)
    leave_type_code = models.CharField(_("假別代碼"), max_length=30, blank=True)
    leave_type_name = models.CharField(_("假別"), max_length=50, blank=True)
    leave_type_name_en = models.CharField(_("假別（英文）"), max_length=80, blank=True)
    paid_by = models.CharField(_("代課鐘點費負擔"), max_length=10, choices=Payer.choices, default=Payer.SCHOOL)
    status = models.CharField(_("狀態"), max_length=10, choices=Status.choices)
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("登錄者"),
    )
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新時間"), auto_now=True)

    class Meta:
        verbose_name = _("缺課教師")
        verbose_name_plural = _("缺課教師")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self) -> str:
        return f"{self.teacher} {self.leave_type_display or self.get_source_display()}"

    @property
    def leave_type_display(self) -> str:
        """The leave type's name in the active language (common.i18n.local_name)."""
        return local_name(self, "leave_type_name")

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED


class AbsenceSpan(models.Model):
    absence = models.ForeignKey(Absence, on_delete=models.CASCADE, related_name="spans", verbose_name=_("缺課"))
    teacher = models.ForeignKey("staff.StaffMember", on_delete=models.CASCADE, related_name="+", verbose_name=_("教師"))
    start = models.DateTimeField(_("開始"))
    end = models.DateTimeField(_("結束"))

    class Meta:
        verbose_name = _("缺課時段")
        verbose_name_plural = _("缺課時段")
        ordering = ["start"]
        indexes = [models.Index(fields=["teacher", "start", "end"])]
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="absence_span_times")]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M}–{self.end:%Y-%m-%d %H:%M}"


class CoverageNeed(models.Model):
    """A class period without its teacher. The timetable row is copied, so a later re-import
    of the timetable does not rewrite what was arranged."""

    class Status(models.TextChoices):
        OPEN = "open", _("待安排")
        OFFERED = "offered", _("待回覆")
        COVERED = "covered", _("已安排")
        CANCELLED = "cancelled", _("已取消")

    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="+", verbose_name=_("學校"))
    absence = models.ForeignKey(Absence, on_delete=models.CASCADE, related_name="needs", verbose_name=_("缺課"))
    teacher = models.ForeignKey(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="coverage_needs", verbose_name=_("原任課教師")
    )
    date = models.DateField(_("日期"))
    division = models.CharField(_("部別"), max_length=12, choices=Division.choices)
    period_number = models.PositiveSmallIntegerField(_("節次"))
    period_label = models.CharField(_("節次名稱"), max_length=20)
    starts_at = models.DateTimeField(_("上課時間"))
    ends_at = models.DateTimeField(_("下課時間"))
    class_name = models.CharField(_("班級"), max_length=30)
    subject = models.CharField(_("科目"), max_length=30)
    room = models.CharField(_("教室"), max_length=30, blank=True)
    status = models.CharField(_("狀態"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("取消時間"), null=True, blank=True)
    # The last time a substitute declined it: an open need declined comes first on the dashboard.
    declined_at = models.DateTimeField(_("婉拒時間"), null=True, blank=True)

    class Meta:
        verbose_name = _("代課需求")
        verbose_name_plural = _("代課需求")
        ordering = ["date", "starts_at", "class_name"]
        constraints = [
            # One live need per teacher and period, whichever absence caused it.
            models.UniqueConstraint(
                fields=["teacher", "date", "period_number", "division"],
                condition=~Q(status="cancelled"),
                name="coverage_need_live_unique",
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="coverage_need_times"),
        ]
        indexes = [
            models.Index(fields=["school", "status", "date"]),
            models.Index(fields=["absence", "status"]),
            # The dashboard's "live needs from today on" (status <> cancelled cannot use the index above).
            models.Index(fields=["school", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.period_label} {self.class_name} {self.subject}（{self.teacher}）"


class CoverageAssignment(models.Model):
    class Kind(models.TextChoices):
        SUBSTITUTE = "substitute", _("代課")
        SWAP = "swap", _("調課")

    class Status(models.TextChoices):
        OFFERED = "offered", _("待回覆")
        ACTIVE = "active", _("有效")
        DECLINED = "declined", _("已婉拒")
        CANCELLED = "cancelled", _("已取消")

    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="+", verbose_name=_("學校"))
    need = models.ForeignKey(CoverageNeed, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("需求"))
    kind = models.CharField(_("方式"), max_length=12, choices=Kind.choices, default=Kind.SUBSTITUTE)
    substitute = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="coverage_assignments", verbose_name=_("代課教師")
    )
    # Copied from the need so the database can hold "one class at a time" and the report can group.
    date = models.DateField(_("日期"))
    period_number = models.PositiveSmallIntegerField(_("節次"))
    division = models.CharField(_("部別"), max_length=12, choices=Division.choices)
    starts_at = models.DateTimeField(_("上課時間"))
    ends_at = models.DateTimeField(_("下課時間"))
    paid_by = models.CharField(_("鐘點費負擔"), max_length=10, choices=Payer.choices)
    # A swap's return leg: the absent teacher teaches the substitute's class at this slot instead.
    swap_date = models.DateField(_("還課日期"), null=True, blank=True)
    swap_period_number = models.PositiveSmallIntegerField(_("還課節次"), null=True, blank=True)
    swap_starts_at = models.DateTimeField(_("還課上課時間"), null=True, blank=True)
    swap_ends_at = models.DateTimeField(_("還課下課時間"), null=True, blank=True)
    swap_class_name = models.CharField(_("還課班級"), max_length=30, blank=True)
    swap_subject = models.CharField(_("還課科目"), max_length=30, blank=True)
    status = models.CharField(_("狀態"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    note = models.CharField(_("備註"), max_length=200, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("安排者")
    )
    created_at = models.DateTimeField(_("安排時間"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("取消時間"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    # Offers (提供): the substitute's answer.
    answered_at = models.DateTimeField(_("回覆時間"), null=True, blank=True)
    decline_reason = models.CharField(_("婉拒原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("代課安排")
        verbose_name_plural = _("代課安排")
        ordering = ["date", "starts_at"]
        constraints = [
            # An offer waiting for its answer holds the period as an active assignment does.
            models.UniqueConstraint(
                fields=["substitute", "date", "period_number"],
                condition=Q(status__in=["active", "offered"]),
                name="coverage_assignment_one_class_at_a_time",
            ),
            models.UniqueConstraint(
                fields=["need"], condition=Q(status__in=["active", "offered"]), name="coverage_assignment_one_per_need"
            ),
            models.CheckConstraint(
                condition=Q(kind="substitute") | Q(swap_date__isnull=False, swap_period_number__isnull=False),
                name="coverage_assignment_swap_has_return",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status", "date"]),
            models.Index(fields=["substitute", "status", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.substitute} {self.date:%Y-%m-%d} 第{self.period_number}節"


class HourlyRate(models.Model):
    """Pay per period (鐘點費) for one division from a date on. A row with no school is the
    city-wide rate; a school's own row overrides it from its date."""

    school = models.ForeignKey(
        "staff.School", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("學校"),
        help_text=_("空白表示全市適用"),
    )
    division = models.CharField(_("部別"), max_length=12, choices=Division.choices)
    effective_from = models.DateField(_("生效日"))
    amount = models.PositiveIntegerField(_("每節金額（元）"))

    class Meta:
        verbose_name = _("代課鐘點費")
        verbose_name_plural = _("代課鐘點費")
        ordering = ["division", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "division", "effective_from"], name="hourly_rate_unique_per_school"
            ),
            models.UniqueConstraint(
                fields=["division", "effective_from"], condition=Q(school__isnull=True), name="hourly_rate_unique_city"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_division_display()} {self.effective_from:%Y-%m-%d} 起 {self.amount} 元"


class SubstituteProfile(models.Model):
    """What an outside substitute can teach, for ranking them when they have no timetable of their own."""

    staff = models.OneToOneField(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="substitute_profile", verbose_name=_("教師")
    )
    subjects = models.CharField(_("可代科目"), max_length=200, blank=True, help_text=_("以逗號分隔，如「國文,歷史」"))
    phone = models.CharField(_("聯絡電話"), max_length=30, blank=True)
    is_available = models.BooleanField(_("可排代課"), default=True)
    note = models.CharField(_("備註"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("代課人力")
        verbose_name_plural = _("代課人力庫")

    def __str__(self) -> str:
        return str(self.staff)

    @property
    def subject_list(self) -> list[str]:
        return [s.strip() for s in self.subjects.replace("、", ",").replace("，", ",").split(",") if s.strip()]


class CoverageSettings(models.Model):
    """A school's own coverage rules (one row per school; a school without a row uses the defaults).

    The limits bind the proposal (自動排代, substitutes/proposal.py) and its confirmation; a single
    assignment made by hand is checked for clashes only, as before.
    """

    school = models.OneToOneField(
        # The reverse name lets the services read the offers switch with the school they already join.
        "staff.School", on_delete=models.CASCADE, related_name="coverage_settings", verbose_name=_("學校")
    )
    offers_enabled = models.BooleanField(
        _("代課先徵詢本人（提供）"), default=False,
        help_text=_("開啟時，教學組的安排先提供給代課教師，由本人接受或婉拒；關閉時直接安排"),
    )
    max_cover_per_day = models.PositiveSmallIntegerField(
        _("每人每日代課節數上限"), default=2,
        help_text=_("自動排代時，一位教師一天最多代幾節（含已安排的）"),
    )
    max_cover_per_week = models.PositiveSmallIntegerField(
        _("每人每週代課節數上限"), default=6,
        help_text=_("自動排代時，一位教師一週（週一至週日）最多代幾節（含已安排的）"),
    )
    max_consecutive_periods = models.PositiveSmallIntegerField(
        _("連續上課節數上限"), default=4,
        help_text=_("自動排代不會讓教師連續上課（自己的課加代課）超過這個節數"),
    )

    class Meta:
        verbose_name = _("代課規則")
        verbose_name_plural = _("代課規則")
        constraints = [
            models.CheckConstraint(condition=Q(max_cover_per_day__gte=1), name="coverage_settings_day_positive"),
            models.CheckConstraint(
                condition=Q(max_cover_per_week__gte=models.F("max_cover_per_day")),
                name="coverage_settings_week_covers_day",
            ),
            models.CheckConstraint(
                condition=Q(max_consecutive_periods__gte=1), name="coverage_settings_run_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(self.school)
