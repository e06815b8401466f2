from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["Semester"]


class Semester(models.Model):
    """A semester of one school: 114 學年度第 1 學期 runs from start to end (class days).

    Days of the school year outside every semester are winter or summer vacation.
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
        return f"{self.school_year} 學年度第 {self.term} 學期"

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError(_("休業式不可早於開學日"))
