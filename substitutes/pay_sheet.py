"""The pay sign-off sheet (代課鐘點費印領清冊): the month's pay report as a PDF for the accounting office.

Per substitute and payer, every period (date, period, class, subject, whose class), the rate and the
amount, a subtotal with a signature cell; the 自理 periods again as who owes whom; the totals and the
offices' signature boxes; the school's name at the top; 民國 dates. An official form of the Taiwanese
school, so it is written in Chinese whatever the reader's language (like the XLSX export).

Rendered by WeasyPrint from ``templates/substitutes/pay_sheet.html``; the CJK text needs a CJK font
installed where it runs (Debian: fonts-noto-cjk, see docs/deploy.md).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from staff.twdate import format_roc_date, format_roc_month, format_roc_short
from substitutes.models import Payer
from substitutes.selectors import PayReport


@dataclass
class SheetLine:
    date: str
    period: str
    class_name: str
    subject: str
    absent: str
    leave_type: str
    rate: int


@dataclass
class SheetGroup:
    """One substitute's periods paid by one payer."""

    substitute: str
    employee_no: str
    paid_by: str
    payer_label: str
    lines: list[SheetLine] = field(default_factory=list)

    @property
    def periods(self) -> int:
        return len(self.lines)

    @property
    def amount(self) -> int:
        return sum(line.rate for line in self.lines)


@dataclass
class Debt:
    """自理: what an absent teacher owes a substitute for the month."""

    teacher: str
    substitute: str
    periods: int = 0
    amount: int = 0


@dataclass
class Sheet:
    school_name: str
    month_label: str
    printed: str
    school_groups: list[SheetGroup]
    teacher_groups: list[SheetGroup]
    debts: list[Debt]
    school_total: int
    teacher_total: int
    total_periods: int
    total_amount: int


def pay_sheet(report: PayReport, *, school_name: str, today: dt.date | None = None) -> Sheet:
    """Group the report's lines (already in substitute-name and time order) by substitute and payer."""
    groups: dict[tuple[int, str], SheetGroup] = {}
    debts: dict[tuple[int, int], Debt] = {}
    for a in report.lines:
        need = a.need
        group = groups.setdefault((a.substitute_id, a.paid_by), SheetGroup(
            substitute=a.substitute.name, employee_no=a.substitute.employee_no, paid_by=a.paid_by,
            payer_label=str(Payer(a.paid_by).label),
        ))
        rate = a.rate or 0  # annotated by pay_report (rate_subquery)
        group.lines.append(SheetLine(
            date=format_roc_short(a.date), period=need.period_label, class_name=need.class_name, subject=need.subject,
            absent=need.teacher.name, leave_type=need.absence.leave_type_name, rate=rate,
        ))
        if a.paid_by == Payer.TEACHER:
            debt = debts.setdefault((need.teacher_id, a.substitute_id), Debt(need.teacher.name, a.substitute.name))
            debt.periods += 1
            debt.amount += rate
    ordered = list(groups.values())
    return Sheet(
        school_name=school_name,
        month_label=format_roc_month(report.year, report.month),
        printed=format_roc_date(today or timezone.localdate(), weekday=False),
        school_groups=[g for g in ordered if g.paid_by == Payer.SCHOOL],
        teacher_groups=[g for g in ordered if g.paid_by == Payer.TEACHER],
        debts=sorted(debts.values(), key=lambda d: (d.teacher, d.substitute)),
        school_total=report.school_total, teacher_total=report.teacher_total,
        total_periods=report.total_periods, total_amount=report.total_amount,
    )


def pay_sheet_pdf(report: PayReport, *, school_name: str, today: dt.date | None = None) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango is slow and only this download needs it

    with translation.override(settings.LANGUAGE_CODE):  # an official Chinese form, whoever downloads it
        sheet = pay_sheet(report, school_name=school_name, today=today)
        html = render_to_string("substitutes/pay_sheet.html", {"sheet": sheet})
    return HTML(string=html).write_pdf()
