"""Work schedules (班別): when a person is expected at school on a working day.

A school keeps a few named schedules (「行政人員 07:30–16:30」, 「國中部導師」 …). Each staff
category is assigned a schedule from a date (CategorySchedule), so a rule change next year is a
new row from next year and last year's days keep last year's answer. A person can have their own
schedule for a period (PersonalSchedule: part-time, nursing hours, a reduced load), which wins
over the category's.

Changing the times of a schedule that is already in use rewrites history; the admin makes the
times read-only once a schedule is in effect (create a new schedule and assign it from a date).
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from schedules.defaults import FULL_WEEK
from staff.models import StaffCategory

__all__ = ["CategorySchedule", "PersonalSchedule", "WorkSchedule"]



def validate_weekdays(value: str) -> None:
    if not value or any(c not in FULL_WEEK for c in value) or len(set(value)) != len(value):
        raise ValidationError(_("上班星期請以 1（週一）到 5（週五）的數字表示，例如 12345 或 135"))


class WorkSchedule(models.Model):
    """One named schedule of a school: the window, the grace minutes and the lunch break."""

    school = models.ForeignKey(
        "staff.School", on_delete=models.CASCADE, related_name="work_schedules", verbose_name=_("學校")
    )
    name = models.CharField(_("班別名稱"), max_length=50)
    has_duty = models.BooleanField(
        _("須出勤打卡"), default=True, help_text=_("不勾選表示無出勤打卡義務（例如代課教師）")
    )
    start = models.TimeField(_("上班時間"), null=True, blank=True)
    end = models.TimeField(_("下班時間"), null=True, blank=True)
    grace_minutes = models.PositiveSmallIntegerField(
        _("彈性分鐘"), default=0, help_text=_("上班時間後幾分鐘內到校仍算準時")
    )
    school_day_arrival = models.TimeField(
        _("上課日到校時間"),
        null=True,
        blank=True,
        help_text=_("上課日須提早到校的時間，例如國中部導師早自習 07:30；寒暑假不適用"),
    )
    school_day_arrival_note = models.CharField(_("提早到校事由"), max_length=30, blank=True)
    break_start = models.TimeField(_("休息開始"), null=True, blank=True)
    break_end = models.TimeField(_("休息結束"), null=True, blank=True)
    weekdays = models.CharField(
        _("上班星期"),
        max_length=5,
        default=FULL_WEEK,
        validators=[validate_weekdays],
        help_text=_("1＝週一 … 5＝週五；部分工時者例如 135"),
    )
    note = models.CharField(_("說明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("班別")
        verbose_name_plural = _("班別")
        ordering = ["school", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="work_schedule_name_unique"),
            models.CheckConstraint(
                condition=Q(has_duty=False) | Q(start__isnull=False, end__isnull=False, start__lt=F("end")),
                name="work_schedule_window",
            ),
            models.CheckConstraint(
                condition=Q(break_start__isnull=True, break_end__isnull=True)
                | Q(break_start__isnull=False, break_end__isnull=False, break_start__lt=F("break_end")),
                name="work_schedule_break",
            ),
            models.CheckConstraint(
                condition=Q(school_day_arrival__isnull=True) | Q(school_day_arrival__lt=F("start")),
                name="work_schedule_early_arrival",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.window_text}）"

    @property
    def window_text(self) -> str:
        if not self.has_duty or self.start is None or self.end is None:
            return str(_("免打卡"))
        return f"{self.start:%H:%M}–{self.end:%H:%M}"

    @property
    def breaks(self) -> tuple[tuple[dt.time, dt.time], ...]:
        if self.break_start and self.break_end:
            return ((self.break_start, self.break_end),)
        return ()

    def clean(self) -> None:
        errors: dict[str, Promise] = {}
        if self.has_duty:
            if self.start is None:
                errors["start"] = _("須出勤的班別要填上班時間")
            if self.end is None:
                errors["end"] = _("須出勤的班別要填下班時間")
            if self.start and self.end and self.start >= self.end:
                errors["end"] = _("下班時間須晚於上班時間")
        if (self.break_start is None) != (self.break_end is None):
            errors["break_end"] = _("休息時間的開始與結束要一起填")
        elif self.break_start and self.break_end:
            if self.break_start >= self.break_end:
                errors["break_end"] = _("休息結束須晚於休息開始")
            elif self.start and self.end and not (self.start <= self.break_start and self.break_end <= self.end):
                errors["break_start"] = _("休息時間須在上下班時間之內")
        if self.school_day_arrival and self.start and self.school_day_arrival >= self.start:
            errors["school_day_arrival"] = _("上課日到校時間須早於上班時間")
        if errors:
            raise ValidationError(errors)


class CategorySchedule(models.Model):
    """From ``effective_from`` on, people of ``category`` at ``school`` work ``schedule``.

    The row with the latest ``effective_from`` on or before a day applies to that day.
    """

    school = models.ForeignKey(
        "staff.School", on_delete=models.CASCADE, related_name="category_schedules", verbose_name=_("學校")
    )
    category = models.CharField(_("人員類別"), max_length=20, choices=StaffCategory.choices)
    schedule = models.ForeignKey(
        WorkSchedule, on_delete=models.PROTECT, related_name="category_assignments", verbose_name=_("班別")
    )
    effective_from = models.DateField(_("生效日"))

    class Meta:
        verbose_name = _("類別班別")
        verbose_name_plural = _("類別班別")
        ordering = ["school", "category", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "category", "effective_from"], name="category_schedule_unique_from"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.schedule.name}（{self.effective_from} 起）"

    def clean(self) -> None:
        if self.schedule_id and self.school_id and self.schedule.school_id != self.school_id:
            raise ValidationError({"schedule": _("班別不屬於此學校")})


class PersonalSchedule(models.Model):
    """A person's own schedule for a period (部分工時、哺乳時間、減授鐘點…); wins over the category's."""

    staff = models.ForeignKey(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="personal_schedules", verbose_name=_("人員")
    )
    schedule = models.ForeignKey(
        WorkSchedule, on_delete=models.PROTECT, related_name="personal_assignments", verbose_name=_("班別")
    )
    start_date = models.DateField(_("開始日"))
    end_date = models.DateField(_("結束日"), null=True, blank=True, help_text=_("空白表示持續適用"))
    reason = models.CharField(_("原因"), max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("建立者"),
    )

    class Meta:
        verbose_name = _("個人班別")
        verbose_name_plural = _("個人班別")
        ordering = ["staff", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="personal_schedule_dates",
            ),
            models.UniqueConstraint(fields=["staff", "start_date"], name="personal_schedule_unique_start"),
        ]
        indexes = [models.Index(fields=["staff", "start_date", "end_date"])]

    def __str__(self) -> str:
        until = self.end_date or "…"
        return f"{self.staff} · {self.schedule.name}（{self.start_date}–{until}）"

    def covers(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("結束日不可早於開始日")})
        if self.schedule_id and self.staff_id and self.schedule.school_id != self.staff.school_id:
            raise ValidationError({"schedule": _("班別不屬於此人的學校")})
        if self.staff_id and self.start_date and overlapping_personal_schedules(self).exists():
            raise ValidationError(_("此人在這段期間已有個人班別，請先調整原有的設定"))


def overlapping_personal_schedules(override: PersonalSchedule) -> models.QuerySet[PersonalSchedule]:
    qs = PersonalSchedule.objects.filter(staff_id=override.staff_id).exclude(pk=override.pk)
    qs = qs.filter(Q(end_date__isnull=True) | Q(end_date__gte=override.start_date))
    if override.end_date is not None:
        qs = qs.filter(start_date__lte=override.end_date)
    return qs
