"""Punches, the daily result per person and day, forgotten-punch corrections (補登) and reminders.

The invariants live in the database:
- at most one 上班 and one 下班 punch per person and day (a repeated 上班 keeps the first,
  a repeated 下班 keeps the last — attendance.services.punch_record);
- at most one open (pending or approved) correction per person, day and kind;
- one daily result per person and day; one reminder per person, day and kind.
"""

import functools

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from common.i18n import local_name


class PunchKind(models.TextChoices):
    IN = "in", _("上班")
    OUT = "out", _("下班")


class DailyStatus(models.TextChoices):
    """What a day was for one person. See docs/attendance.md for the exact rules."""

    PENDING = "pending", _("進行中")
    ON_TIME = "on_time", _("正常")
    LATE = "late", _("遲到")
    LEFT_EARLY = "left_early", _("早退")
    MISSING_IN = "missing_in", _("未刷上班卡")
    MISSING_OUT = "missing_out", _("未刷下班卡")
    ABSENT = "absent", _("缺勤")
    LEAVE = "leave", _("請假")
    PARTIAL_LEAVE = "partial_leave", _("部分請假")
    HOLIDAY = "holiday", _("放假")
    NO_DUTY = "no_duty", _("免打卡")


# A day with one of these results still wants a punch (reminders, the 補登 hint).
MISSING_PUNCH_STATUSES = (DailyStatus.MISSING_IN, DailyStatus.MISSING_OUT, DailyStatus.ABSENT)


class PunchCorrection(models.Model):
    """A forgotten punch (忘刷卡) the person asks to add; their unit head approves or rejects it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待審核")
        APPROVED = "approved", _("已核准")
        REJECTED = "rejected", _("已駁回")

    school = models.ForeignKey("staff.School", on_delete=models.PROTECT, related_name="+", verbose_name=_("學校"))
    staff = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="punch_corrections", verbose_name=_("申請人")
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("卡別"), max_length=3, choices=PunchKind.choices)
    time = models.TimeField(_("時間"))
    reason = models.CharField(_("事由"), max_length=300)
    status = models.CharField(_("狀態"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(_("申請時間"), auto_now_add=True)
    decided_by = models.ForeignKey(
        "staff.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("審核人"),
    )
    decided_at = models.DateTimeField(_("審核時間"), null=True, blank=True)
    decision_note = models.CharField(_("審核意見"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("補登申請")
        verbose_name_plural = _("補登申請")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "date", "kind"],
                condition=Q(status__in=["pending", "approved"]),
                name="punch_correction_one_open_per_punch",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "approved", "rejected"]), name="punch_correction_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False, decided_by__isnull=False)),
                name="punch_correction_decided_when_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status", "-requested_at"], name="att_corr_school_status"),
            models.Index(fields=["staff", "-requested_at"], name="att_corr_staff"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.date} {self.get_kind_display()} {self.time:%H:%M}"


class Punch(models.Model):
    """One 上班 or 下班 punch, at the server's time. A correction approved later is a punch too."""

    staff = models.ForeignKey(
        "staff.StaffMember", on_delete=models.PROTECT, related_name="punches", verbose_name=_("人員")
    )
    work_date = models.DateField(_("日期"), help_text=_("打卡時間在臺灣時區的日期"))
    kind = models.CharField(_("卡別"), max_length=3, choices=PunchKind.choices)
    at = models.DateTimeField(_("打卡時間"))
    source_ip = models.GenericIPAddressField(_("來源 IP"), null=True, blank=True)
    user_agent = models.CharField(_("瀏覽器"), max_length=300, blank=True)
    is_correction = models.BooleanField(_("補登"), default=False)
    correction = models.OneToOneField(
        PunchCorrection,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="punch",
        verbose_name=_("補登申請"),
    )
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新時間"), auto_now=True)

    class Meta:
        verbose_name = _("打卡紀錄")
        verbose_name_plural = _("打卡紀錄")
        ordering = ["-at", "-id"]
        constraints = [
            # The idempotency guarantee: a double tap or a retried request finds this row.
            models.UniqueConstraint(fields=["staff", "work_date", "kind"], name="punch_one_per_kind_per_day"),
            models.CheckConstraint(
                condition=Q(is_correction=True, correction__isnull=False)
                | Q(is_correction=False, correction__isnull=True),
                name="punch_correction_marked",
            ),
        ]
        indexes = [
            models.Index(fields=["staff", "-at"], name="att_punch_staff_at"),
            models.Index(fields=["work_date"], name="att_punch_work_date"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.get_kind_display()} {self.at:%Y-%m-%d %H:%M:%S}"


class PunchRefusal(models.Model):
    """A punch the network rule refused: kept so the personnel office can see who tried from where."""

    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="+", verbose_name=_("學校"))
    staff = models.ForeignKey(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="punch_refusals", verbose_name=_("人員")
    )
    kind = models.CharField(_("卡別"), max_length=3, choices=PunchKind.choices)
    at = models.DateTimeField(_("時間"), auto_now_add=True)
    source_ip = models.GenericIPAddressField(_("來源 IP"), null=True, blank=True)
    user_agent = models.CharField(_("瀏覽器"), max_length=300, blank=True)
    reason = models.CharField(_("原因"), max_length=40)

    class Meta:
        verbose_name = _("打卡拒絕紀錄")
        verbose_name_plural = _("打卡拒絕紀錄")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["school", "-at"], name="att_refusal_school_at")]

    def __str__(self) -> str:
        return f"{self.staff} {self.at:%Y-%m-%d %H:%M} {self.source_ip}"


class PendingResult(models.Model):
    """A person's day whose daily result is to be computed again: written by the punch's own statement (so
    it commits with the punch or not at all) and taken, many at once, by one task
    (``attendance.services.pending_results_recompute``). The unique row is what coalesces a burst."""

    staff = models.ForeignKey("staff.StaffMember", on_delete=models.CASCADE, related_name="+", verbose_name=_("人員"))
    date = models.DateField(_("日期"))

    class Meta:
        verbose_name = _("待重算的出勤日")
        verbose_name_plural = _("待重算的出勤日")
        constraints = [models.UniqueConstraint(fields=["staff", "date"], name="pending_result_once")]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.date}"


class DailyResult(models.Model):
    """The outcome of one person's day, computed set-based (attendance.services.daily_results_recompute)."""

    # No index of their own: (school, date, status) and the unique (staff, date) begin with them, and every
    # index more is written for each of the month's rows a recompute inserts.
    school = models.ForeignKey(
        "staff.School", on_delete=models.CASCADE, related_name="+", verbose_name=_("學校"), db_index=False
    )
    staff = models.ForeignKey(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="daily_results", verbose_name=_("人員"),
        db_index=False,
    )
    date = models.DateField(_("日期"))
    status = models.CharField(_("結果"), max_length=16, choices=DailyStatus.choices)
    late_minutes = models.PositiveIntegerField(_("遲到分鐘"), default=0)
    early_minutes = models.PositiveIntegerField(_("早退分鐘"), default=0)
    leave_minutes = models.PositiveIntegerField(_("請假分鐘"), default=0)
    first_in = models.DateTimeField(_("上班卡"), null=True, blank=True)
    last_out = models.DateTimeField(_("下班卡"), null=True, blank=True)
    in_corrected = models.BooleanField(_("上班卡為補登"), default=False)
    out_corrected = models.BooleanField(_("下班卡為補登"), default=False)
    required_start = models.TimeField(_("應到"), null=True, blank=True)
    required_end = models.TimeField(_("應退"), null=True, blank=True)
    day_reason = models.CharField(_("日別"), max_length=20, blank=True)
    day_label = models.CharField(_("日別說明"), max_length=60, blank=True)
    leave_label = models.CharField(_("假別"), max_length=100, blank=True)
    leave_label_en = models.CharField(_("假別（英文）"), max_length=200, blank=True)
    computed_at = models.DateTimeField(_("計算時間"))

    class Meta:
        verbose_name = _("每日出勤結果")
        verbose_name_plural = _("每日出勤結果")
        ordering = ["date", "staff_id"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "date"], name="daily_result_one_per_day"),
            models.CheckConstraint(
                condition=Q(status__in=[value for value, _label in DailyStatus.choices]),
                name="daily_result_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "date", "status"], name="att_result_school_date"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.date} {self.get_status_display()}"

    @property
    def leave_label_display(self) -> str:
        """The leave's names in the active language (common.i18n.local_name)."""
        return local_name(self, "leave_label")

    @property
    def day_note(self) -> str:
        """The day's label worth showing next to the result: nothing for an ordinary workday (「正常」
        says enough), the calendar's words for the others (補行上班、寒假、期中考…)."""
        from schedules.calendar import day_label_text  # the calendar's words, in the reader's language

        return "" if self.day_label in _plain_workday_labels() else day_label_text(self.day_label)


@functools.cache
def _plain_workday_labels() -> frozenset[str]:
    # The calendar stores 「上班日」 in the language active when the day was computed.
    labels = {"上班日"}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            labels.add(translation.gettext("上班日"))
    return frozenset(labels)


class PunchReminder(models.Model):
    """A reminder sent to one person about one day: the unique row is what makes it 'once'."""

    class Kind(models.TextChoices):
        MISSING_PUNCH = "missing_punch", _("缺卡提醒")

    staff = models.ForeignKey(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="punch_reminders", verbose_name=_("人員")
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices, default=Kind.MISSING_PUNCH)
    status = models.CharField(_("當時結果"), max_length=16, choices=DailyStatus.choices)
    sent_at = models.DateTimeField(_("寄出時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("缺卡提醒")
        verbose_name_plural = _("缺卡提醒")
        ordering = ["-date", "staff_id"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "date", "kind"], name="punch_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.date} {self.get_kind_display()}"


class RecomputeJob(models.Model):
    """A recompute of many schools' daily results, split into tasks of a few schools each: the
    progress whoever started it can follow (a calendar change, a typhoon day, the nightly run, a command)."""

    reason = models.CharField(_("原因"), max_length=60)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("發動者"),
    )
    school = models.ForeignKey(
        "staff.School", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        verbose_name=_("學校"), help_text=_("空白：不只一所學校"),
    )
    start = models.DateField(_("起日"))
    end = models.DateField(_("迄日"))
    schools_total = models.PositiveIntegerField(_("學校數"), default=0)
    schools_done = models.PositiveIntegerField(_("已完成學校數"), default=0)
    batches_total = models.PositiveIntegerField(_("批次數"), default=0)
    batches_done = models.PositiveIntegerField(_("已完成批次數"), default=0)
    created_at = models.DateTimeField(_("建立時間"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成時間"), null=True, blank=True)

    class Meta:
        verbose_name = _("重算作業")
        verbose_name_plural = _("重算作業")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reason} {self.start}–{self.end} ({self.schools_done}/{self.schools_total})"

    @property
    def reason_label(self) -> str:
        """What people read: the calendar change's kind (reason names of schedules.events) or 「手動重算」."""
        for prefix, label in _JOB_REASONS:
            if self.reason.startswith(prefix):
                return str(label)
        return str(_("行事曆變更"))

    @property
    def percent(self) -> int:
        if not self.batches_total:
            return 100 if self.finished_at else 0
        return min(100, self.batches_done * 100 // self.batches_total)


_JOB_REASONS = (
    ("typhoon", _("停班停課宣布")),
    ("disaster_stop", _("停班停課宣布")),
    ("office_calendar", _("行政機關辦公日曆")),
    ("school_day", _("學校自訂日")),
    ("semester", _("學期")),
    ("work_schedule", _("上班時段變更")),
    ("category_schedule", _("上班時段變更")),
    ("personal_schedule", _("個人上班時段")),
    ("command", _("手動重算")),
)
