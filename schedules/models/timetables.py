"""Bell schedules (節次與上下課時間) and teaching timetables (課表).

A school's bell schedule is kept per division: 高中部 periods run 50 minutes, 國中部 45, and the
two divisions ring at different times. Morning self-study (早自習) and homeroom (導師時間/班會)
slots are periods too, flagged by ``kind``, so a homeroom teacher's supervision can be timetabled
and covered like a class.

A timetable row is one teacher in one weekly slot of one semester: 王老師 teaches 高一 3 班
國文 in 301 教室 on Tuesdays, period 3. Which dates that slot falls on is decided with the
school calendar (``schedules.calendar.is_school_day``), not here.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["BellPeriod", "Division", "TimetableEntry"]


class Division(models.TextChoices):
    SENIOR = "senior", _("高中部")
    JUNIOR = "junior", _("國中部")
    ELEMENTARY = "elementary", _("國小部")


class BellPeriod(models.Model):
    """One slot of a school's bell schedule for one division: 第 3 節 10:10–11:00."""

    class Kind(models.TextChoices):
        CLASS = "class", _("上課")
        SELF_STUDY = "self_study", _("早自習")
        HOMEROOM = "homeroom", _("導師時間")

    school = models.ForeignKey(
        "staff.School", on_delete=models.CASCADE, related_name="bell_periods", verbose_name=_("學校")
    )
    division = models.CharField(_("部別"), max_length=12, choices=Division.choices)
    number = models.PositiveSmallIntegerField(_("節次"), help_text=_("早自習可用 0"))
    kind = models.CharField(_("類型"), max_length=12, choices=Kind.choices, default=Kind.CLASS)
    label = models.CharField(
        _("名稱"), max_length=20, blank=True, help_text=_("如「第三節」「早自習」，空白則自動產生")
    )
    start = models.TimeField(_("開始"))
    end = models.TimeField(_("結束"))

    class Meta:
        verbose_name = _("節次")
        verbose_name_plural = _("作息時間表")
        ordering = ["school", "division", "start"]
        constraints = [
            models.UniqueConstraint(fields=["school", "division", "number"], name="bell_period_unique"),
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="bell_period_times"),
        ]

    def __str__(self) -> str:
        return f"{self.get_division_display()} {self.display_label}（{self.start:%H:%M}–{self.end:%H:%M}）"

    @property
    def display_label(self) -> str:
        if self.label:
            return self.label
        if self.kind != self.Kind.CLASS:
            return str(self.get_kind_display())
        return f"第 {self.number} 節"

    @property
    def minutes(self) -> int:
        return (dt.datetime.combine(dt.date.min, self.end) - dt.datetime.combine(dt.date.min, self.start)).seconds // 60

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError(_("下課時間必須晚於上課時間"))


class TimetableEntry(models.Model):
    """One teacher, one weekly slot, one class, in one semester."""

    WEEKDAYS = [
        (1, _("星期一")), (2, _("星期二")), (3, _("星期三")), (4, _("星期四")), (5, _("星期五")), (6, _("星期六")),
    ]

    semester = models.ForeignKey(
        "schedules.Semester", on_delete=models.CASCADE, related_name="timetable_entries", verbose_name=_("學期")
    )
    teacher = models.ForeignKey(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="timetable_entries", verbose_name=_("教師")
    )
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=WEEKDAYS, help_text=_("1 = 星期一"))
    period = models.ForeignKey(BellPeriod, on_delete=models.PROTECT, related_name="entries", verbose_name=_("節次"))
    class_name = models.CharField(_("班級"), max_length=30, help_text=_("如「高一 3 班」"))
    subject = models.CharField(_("科目"), max_length=30)
    room = models.CharField(_("教室"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("課表節次")
        verbose_name_plural = _("課表")
        ordering = ["semester", "teacher", "weekday", "period__start"]
        constraints = [
            # A teacher is in one place at a time; the import refuses a file that says otherwise.
            models.UniqueConstraint(fields=["semester", "teacher", "weekday", "period"], name="timetable_teacher_slot"),
        ]
        indexes = [
            models.Index(fields=["semester", "weekday", "period"]),
            models.Index(fields=["semester", "class_name"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.period.display_label} {self.class_name} {self.subject}"
