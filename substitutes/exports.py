"""The monthly pay report as files: CSV (UTF-8 with BOM, so Excel opens it right) and XLSX."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from common.exports import csv_bytes, xlsx_bytes, xlsx_table
from staff.twdate import format_roc_month, format_roc_short, period_name
from substitutes.selectors import Fairness, PayReport

# Worded in the language of whoever downloads the file (headers, sheet names, titles and totals).
SUMMARY_HEADER = [gettext_lazy("員工編號"), gettext_lazy("姓名"), gettext_lazy("鐘點費負擔"), gettext_lazy("節數"),
                  gettext_lazy("金額（元）")]
LINES_HEADER = [gettext_lazy("姓名"), gettext_lazy("日期"), gettext_lazy("節次"), gettext_lazy("班級"),
                gettext_lazy("科目"), gettext_lazy("原任課教師"), gettext_lazy("假別"), gettext_lazy("鐘點費負擔"),
                gettext_lazy("每節（元）")]


def _words(header: list) -> list[str]:
    return [str(h) for h in header]


def _summary_rows(report: PayReport) -> list[list]:
    rows = [[r.employee_no, r.name, r.paid_by_label, r.periods, r.amount] for r in report.rows]
    rows.append(["", _("合計（公費）"), "", "", report.school_total])
    rows.append(["", _("合計（自理）"), "", "", report.teacher_total])
    rows.append(["", _("總計"), "", report.total_periods, report.total_amount])
    return rows


def _line_rows(report: PayReport) -> list[list]:
    return [
        [
            a.substitute.name, format_roc_short(a.date), period_name(a.need.period_number, a.need.period_label),
            a.need.class_name, a.need.subject,
            a.need.teacher.name, a.need.absence.leave_type_display, a.get_paid_by_display(), a.rate,
        ]
        for a in report.lines
    ]


def pay_report_csv(report: PayReport) -> bytes:
    return csv_bytes(_words(SUMMARY_HEADER), _summary_rows(report))


def pay_report_xlsx(report: PayReport, *, school_name: str) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = _("代課鐘點費")
    title = _("%(school)s %(month)s 代課鐘點費") % {"school": school_name,
                                                 "month": format_roc_month(report.year, report.month)}
    xlsx_table(summary, _words(SUMMARY_HEADER), _summary_rows(report), title=title)
    lines = book.create_sheet(_("明細"))
    xlsx_table(lines, _words(LINES_HEADER), _line_rows(report))
    book.properties.created = timezone.now().replace(tzinfo=None)
    return xlsx_bytes(book)


FAIRNESS_HEADER = [
    gettext_lazy("員工編號"), gettext_lazy("姓名"), gettext_lazy("職稱"), gettext_lazy("本月代課"),
    gettext_lazy("本月調課"), gettext_lazy("本月接受合計"), gettext_lazy("本月提供"), gettext_lazy("本月婉拒"),
    gettext_lazy("本學期代課"), gettext_lazy("本學期調課"), gettext_lazy("本學期接受合計"), gettext_lazy("本學期提供"),
    gettext_lazy("本學期婉拒"),
]


def fairness_xlsx(table: Fairness, *, school_name: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("代課節數")
    month = table.month_first
    title = _("%(school)s %(month)s 代課節數") % {"school": school_name,
                                               "month": format_roc_month(month.year, month.month)}
    if table.semester is not None:
        title += _("（%(semester)s）") % {"semester": table.semester}
    rows = [
        [r.staff.employee_no, r.staff.name, r.staff.title, r.month_substitute, r.month_swap, r.month_total,
         r.month_offered, r.month_declined, r.semester_substitute, r.semester_swap, r.semester_total,
         r.semester_offered, r.semester_declined]
        for r in table.rows
    ]
    xlsx_table(sheet, _words(FAIRNESS_HEADER), rows, title=title)
    book.properties.created = timezone.now().replace(tzinfo=None)
    return xlsx_bytes(book)
