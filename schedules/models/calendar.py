"""The calendar: the government office calendar, each school's own days, and typhoon days.

Layers, bottom to top (schedules/calendar.py combines them):
1. weekdays Monday–Friday;
2. Taiwan's national holidays and make-up working Saturdays from the ``holidays`` package;
3. an imported 「中華民國政府行政機關辦公日曆表」 year, which is authoritative over (2) for that year;
4. the school's own days (SchoolDay): days off (校慶補假), make-up school days, exam days,
   return-to-school and training days in vacation;
5. typhoon days (停班停課) declared for one school or for all schools, which win over everything.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["OfficeCalendarDay", "OfficeCalendarYear", "SchoolDay", "TyphoonDay"]


class OfficeCalendarYear(models.Model):
    """One imported year of the government office calendar. While it exists it decides that year."""

    year = models.PositiveSmallIntegerField(_("西元年"), unique=True)
    source_name = models.CharField(_("來源檔名"), max_length=200, blank=True)
    encoding = models.CharField(_("檔案編碼"), max_length=20, blank=True)
    imported_at = models.DateTimeField(_("匯入時間"), auto_now=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("匯入者"),
    )

    class Meta:
        verbose_name = _("行政機關辦公日曆")
        verbose_name_plural = _("行政機關辦公日曆")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}（民國 {self.year - 1911} 年）"


class OfficeCalendarDay(models.Model):
    """One row of the office calendar: 是否放假 0 → working day, 2 → day off; 備註 as published."""

    calendar = models.ForeignKey(
        OfficeCalendarYear, on_delete=models.CASCADE, related_name="days", verbose_name=_("年度")
    )
    date = models.DateField(_("日期"), unique=True)
    is_day_off = models.BooleanField(_("放假"))
    note = models.CharField(_("備註"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("辦公日曆日")
        verbose_name_plural = _("辦公日曆日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'放假' if self.is_day_off else '上班'} {self.note}".strip()


class SchoolDay(models.Model):
    """A day the school itself marks. One entry per school and date."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("學校放假")  # 校慶補假, 調整放假: no duty for anyone at the school
        MAKEUP_DAY = "makeup_day", _("補上班上課日")  # a moved class day on a weekend: everyone works
        EXAM = "exam", _("考試日")  # shown on the calendar; duty unchanged
        RETURN_DAY = "return_day", _("返校日")  # in vacation: teachers have duty
        TRAINING = "training", _("研習日")  # in vacation: teachers have duty

    school = models.ForeignKey(
        "staff.School", on_delete=models.CASCADE, related_name="school_days", verbose_name=_("學校")
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("類別"), max_length=20, choices=Kind.choices)
    label = models.CharField(
        _("名稱"), max_length=50, help_text=_("行事曆上顯示的文字，如「校慶補假」「第一次期中考」")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("建立者"),
    )
    updated_at = models.DateTimeField(_("更新時間"), auto_now=True)

    class Meta:
        verbose_name = _("學校行事曆日")
        verbose_name_plural = _("學校行事曆日")
        ordering = ["school", "date"]
        constraints = [models.UniqueConstraint(fields=["school", "date"], name="school_day_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.label}"

    @property
    def gives_teachers_duty(self) -> bool:
        return self.kind in (self.Kind.RETURN_DAY, self.Kind.TRAINING)


class TyphoonDay(models.Model):
    """停班停課 declared by the city: no duty for anyone at ``school``, or at every school when empty."""

    date = models.DateField(_("日期"))
    school = models.ForeignKey(
        "staff.School", null=True, blank=True, on_delete=models.CASCADE, related_name="typhoon_days",
        verbose_name=_("學校"), help_text=_("空白表示全市所有學校"),
    )
    label = models.CharField(_("名稱"), max_length=50, default=_("颱風停班停課"))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("宣布者"),
    )
    declared_at = models.DateTimeField(_("登錄時間"), auto_now_add=True)

    class Meta:
        verbose_name = _("停班停課日")
        verbose_name_plural = _("停班停課日")
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "school"], condition=Q(school__isnull=False), name="typhoon_day_unique_school"
            ),
            models.UniqueConstraint(fields=["date"], condition=Q(school__isnull=True), name="typhoon_day_unique_all"),
        ]
        indexes = [models.Index(fields=["date", "school"])]

    def __str__(self) -> str:
        where = self.school.name if self.school_id else _("全市所有學校")
        return f"{self.date} {self.label}（{where}）"

    @property
    def is_citywide(self) -> bool:
        return self.school_id is None
