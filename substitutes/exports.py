"""The monthly pay report as files: CSV (UTF-8 with BOM, so Excel opens it right) and XLSX."""

from django.utils import timezone
from openpyxl import Workbook

from common.exports import csv_bytes, xlsx_bytes, xlsx_table
from staff.twdate import format_roc_short
from substitutes.selectors import Fairness, PayReport

SUMMARY_HEADER = ["員工編號", "姓名", "鐘點費負擔", "節數", "金額（元）"]
LINES_HEADER = ["姓名", "日期", "節次", "班級", "科目", "原任課教師", "假別", "鐘點費負擔", "每節（元）"]


def _summary_rows(report: PayReport) -> list[list]:
    rows = [[r.employee_no, r.name, r.paid_by_label, r.periods, r.amount] for r in report.rows]
    rows.append(["", "合計（公費）", "", "", report.school_total])
    rows.append(["", "合計（自理）", "", "", report.teacher_total])
    rows.append(["", "總計", "", report.total_periods, report.total_amount])
    return rows


def _line_rows(report: PayReport) -> list[list]:
    return [
        [
            a.substitute.name, format_roc_short(a.date), a.need.period_label, a.need.class_name, a.need.subject,
            a.need.teacher.name, a.need.absence.leave_type_display, a.get_paid_by_display(), a.rate,
        ]
        for a in report.lines
    ]


def pay_report_csv(report: PayReport) -> bytes:
    return csv_bytes(SUMMARY_HEADER, _summary_rows(report))


def pay_report_xlsx(report: PayReport, *, school_name: str) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = "代課鐘點費"
    title = f"{school_name} {report.year - 1911} 年 {report.month} 月 代課鐘點費"
    xlsx_table(summary, SUMMARY_HEADER, _summary_rows(report), title=title)
    lines = book.create_sheet("明細")
    xlsx_table(lines, LINES_HEADER, _line_rows(report))
    book.properties.created = timezone.now().replace(tzinfo=None)
    return xlsx_bytes(book)


FAIRNESS_HEADER = [
    "員工編號", "姓名", "職稱", "本月代課", "本月調課", "本月接受合計", "本月提供", "本月婉拒",
    "本學期代課", "本學期調課", "本學期接受合計", "本學期提供", "本學期婉拒",
]


def fairness_xlsx(table: Fairness, *, school_name: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "代課節數"
    month = table.month_first
    title = f"{school_name} {month.year - 1911} 年 {month.month} 月 代課節數"
    if table.semester is not None:
        title += f"（{table.semester}）"
    rows = [
        [r.staff.employee_no, r.staff.name, r.staff.title, r.month_substitute, r.month_swap, r.month_total,
         r.month_offered, r.month_declined, r.semester_substitute, r.semester_swap, r.semester_total,
         r.semester_offered, r.semester_declined]
        for r in table.rows
    ]
    xlsx_table(sheet, FAIRNESS_HEADER, rows, title=title)
    book.properties.created = timezone.now().replace(tzinfo=None)
    return xlsx_bytes(book)
