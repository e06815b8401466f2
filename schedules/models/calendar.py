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
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from common.i18n import enumerate_text

__all__ = ["DisasterStopClaim", "OfficeCalendarDay", "OfficeCalendarYear", "SchoolDay", "TyphoonDay"]


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


class TyphoonDay(models.Model):
    """停班停課: a disaster stop declared for the whole city, some districts or one school.

    Work (停止上班) and classes (停止上課) are declared separately. A stop lasts the whole day, or
    from ``start_time`` (下午停班停課 from 12:00) or until ``end_time`` (上午停班停課 until 12:00).
    Nobody is charged leave for stopped work time; stopped classes need no cover and no pay.
    """

    class Scope(models.TextChoices):
        CITY = "city", _("全市")
        DISTRICTS = "districts", _("部分行政區")
        SCHOOL = "school", _("單一學校")

    date = models.DateField(_("日期"))
    scope = models.CharField(_("範圍"), max_length=10, choices=Scope.choices, default=Scope.CITY)
    school = models.ForeignKey(
        "staff.School", null=True, blank=True, on_delete=models.CASCADE, related_name="typhoon_days",
        verbose_name=_("學校"), help_text=_("範圍為單一學校時填寫"),
    )
    districts = models.ManyToManyField(
        "staff.District", blank=True, related_name="typhoon_days", verbose_name=_("行政區"),
        help_text=_("範圍為部分行政區時選擇"),
    )
    stops_work = models.BooleanField(_("停止上班"), default=True)
    stops_classes = models.BooleanField(_("停止上課"), default=True)
    start_time = models.TimeField(_("開始時間"), null=True, blank=True, help_text=_("空白表示從一早開始"))
    end_time = models.TimeField(_("結束時間"), null=True, blank=True, help_text=_("空白表示到當天結束"))
    label = models.CharField(_("名稱"), max_length=50, default=_("颱風停班停課"))
    source_ref = models.CharField(_("來源"), max_length=200, blank=True, help_text=_("例如警報的識別碼"))
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
            models.UniqueConstraint(fields=["date"], condition=Q(scope="city"), name="typhoon_day_unique_city"),
            models.CheckConstraint(
                condition=Q(scope="school", school__isnull=False) | (~Q(scope="school") & Q(school__isnull=True)),
                name="typhoon_day_school_matches_scope",
            ),
            models.CheckConstraint(
                condition=Q(start_time__isnull=True) | Q(end_time__isnull=True) | Q(start_time__lt=F("end_time")),
                name="typhoon_day_start_before_end",
            ),
            models.CheckConstraint(
                condition=Q(stops_work=True) | Q(stops_classes=True), name="typhoon_day_stops_something"
            ),
        ]
        indexes = [models.Index(fields=["date", "school"])]

    def __str__(self) -> str:
        return f"{self.date} {self.label}（{self.scope_text}）"

    def save(self, *args, **kwargs) -> None:
        # A row that names a school is that school's (as before scopes existed).
        if self.school_id and self.scope == self.Scope.CITY:
            self.scope = self.Scope.SCHOOL
        super().save(*args, **kwargs)

    @property
    def is_citywide(self) -> bool:
        return self.scope == self.Scope.CITY

    @property
    def scope_text(self) -> str:
        if self.scope == self.Scope.SCHOOL and self.school is not None:
            return self.school.name
        if self.scope == self.Scope.DISTRICTS and self.pk:
            return enumerate_text(d.name for d in self.districts.all())
        return str(_("全市所有學校"))

    @property
    def is_whole_day(self) -> bool:
        return self.start_time is None and self.end_time is None

    @property
    def part_text(self) -> str:
        """「全天」, 「12:00 起」, 「至 12:00」 or 「10:00–14:00」."""
        if self.is_whole_day:
            return str(_("全天"))
        if self.end_time is None:
            return _("%(time)s 起") % {"time": f"{self.start_time:%H:%M}"}
        if self.start_time is None:
            return _("至 %(time)s") % {"time": f"{self.end_time:%H:%M}"}
        return f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def stops_text(self) -> str:
        if self.stops_work and self.stops_classes:
            return str(_("停止上班及上課"))
        return str(_("停止上班") if self.stops_work else _("停止上課"))


class DisasterStopClaim(models.Model):
    """停班(課)登記: a person cut off by a disaster (a flooded road, a cut-off village) stopped work on
    their own and registers it afterwards; the school head may grant it within 15 days of the day.

    It is not leave: granted, it makes the day (or the part of it) a disaster stop for that person
    alone — no duty, no leave counted — and nothing else changes for anyone else.
    """

    GRANT_WITHIN_DAYS = 15

    class Status(models.TextChoices):
        PENDING = "pending", _("待核定")
        GRANTED = "granted", _("已核准")
        REFUSED = "refused", _("不核准")
        WITHDRAWN = "withdrawn", _("已撤回")

    # What may follow each status, and who moves it there: schedules/states.py (DISASTER_STOP_CLAIM).

    staff = models.ForeignKey(
        "staff.StaffMember", on_delete=models.CASCADE, related_name="disaster_stop_claims", verbose_name=_("申請人")
    )
    date = models.DateField(_("日期"))
    start_time = models.TimeField(_("開始時間"), null=True, blank=True, help_text=_("空白表示從一早開始"))
    end_time = models.TimeField(_("結束時間"), null=True, blank=True, help_text=_("空白表示到當天結束"))
    reason = models.CharField(_("事由"), max_length=200, help_text=_("如「住家道路淹水無法通行」"))
    status = models.CharField(_("狀態"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("申請時間"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("核定者"),
    )
    decided_at = models.DateTimeField(_("決定時間"), null=True, blank=True)
    comment = models.CharField(_("核定意見"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("停班停課登記")
        verbose_name_plural = _("停班停課登記")
        ordering = ["-date", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "date"], condition=Q(status__in=["pending", "granted"]),
                name="disaster_stop_claim_one_live_per_day",
            ),
            models.CheckConstraint(
                condition=Q(start_time__isnull=True) | Q(end_time__isnull=True) | Q(start_time__lt=F("end_time")),
                name="disaster_stop_claim_start_before_end",
            ),
        ]
        indexes = [models.Index(fields=["staff", "date", "status"])]

    def __str__(self) -> str:
        return f"{self.date} {self.staff}（{self.get_status_display()}）"

    @property
    def is_whole_day(self) -> bool:
        return self.start_time is None and self.end_time is None
