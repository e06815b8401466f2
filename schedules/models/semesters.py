import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

__all__ = ["Semester", "school_year_bounds", "school_year_of"]

ROC_OFFSET = 1911


def school_year_of(day: dt.date) -> int:
    """The 學年度 (民國) a day belongs to; a school year runs 1 August – 31 July."""
    return day.year - ROC_OFFSET if day.month >= 8 else day.year - ROC_OFFSET - 1


def school_year_bounds(school_year: int) -> tuple[dt.date, dt.date]:
    return dt.date(school_year + ROC_OFFSET, 8, 1), dt.date(school_year + ROC_OFFSET + 1, 7, 31)


class Semester(models.Model):
    """A semester of one school: 114 學年度第 1 學期 runs from start to end (class days).

    Between the first and the second semester of a school year is winter vacation; before the
    first and after the second (within the school year) is summer vacation. Where a semester is
    not entered yet, nothing is assumed to be vacation.
    """

    school = models.ForeignKey("staff.School", on_delete=models.CASCADE, related_name="semesters")
    school_year = models.PositiveSmallIntegerField(_("學年度"), help_text=_("民國年，如 114"))
    term = models.PositiveSmallIntegerField(_("學期"), choices=[(1, _("第一學期")), (2, _("第二學期"))])
    start_date = models.DateField(_("開學日"))
    end_date = models.DateField(_("休業式"))

    class Meta:
        verbose_name = _("學期")
        verbose_name_plural = _("學期")
        ordering = ["school", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year", "term"], name="semester_unique"),
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="semester_dates"),
        ]

    def __str__(self) -> str:
        if (get_language() or "").startswith("en"):
            year = self.school_year + 1911
            return f"School year {year}–{(year + 1) % 100:02d}, term {self.term}"
        return f"{self.school_year} 學年度第 {self.term} 學期"

    def clean(self) -> None:
        from common.inputs import LATEST

        last_year = LATEST.year - ROC_OFFSET - 1  # its August-to-July span stays inside the dates we take
        if self.school_year is not None and not 1 <= self.school_year <= last_year:
            raise ValidationError(
                {"school_year": _("學年度須在 1 至 %(last)s 之間。") % {"last": last_year}}
            )
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError(_("休業式不可早於開學日"))
        if self.school_year and self.start_date and self.end_date:
            first, last = school_year_bounds(self.school_year)
            if self.start_date < first or self.end_date > last:
                raise ValidationError(
                    _("學期日期須在 %(year)s 學年度之內（%(first)s 至 %(last)s）")
                    % {"year": self.school_year, "first": first, "last": last}
                )
        if self.school_id and self.start_date and self.end_date:
            others = Semester.objects.filter(school_id=self.school_id).exclude(pk=self.pk)
            if others.filter(start_date__lte=self.end_date, end_date__gte=self.start_date).exists():
                raise ValidationError(_("與此校其他學期的日期重疊"))
            if self.school_year and self.term:
                other_term = others.filter(school_year=self.school_year).exclude(term=self.term).first()
                if other_term is not None and (
                    (self.term == 1 and self.end_date >= other_term.start_date)
                    or (self.term == 2 and self.start_date <= other_term.end_date)
                ):
                    raise ValidationError(_("第一學期須在第二學期之前"))
