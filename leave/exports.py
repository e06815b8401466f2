"""CSV and XLSX exports of the personnel view (openpyxl for Excel)."""

from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from openpyxl import Workbook

from common.exports import csv_bytes, days_and_hours, download, xlsx_bytes, xlsx_table
from leave.models import LeaveRequest
from leave.selectors import BalanceRow
from staff.models import StaffMember
from staff.twdate import format_roc_short

# Amounts as the screen shows them, 「日」 and 「小時」 in two columns with the unit in the header.
REQUEST_HEADER = [_("員工編號"), _("姓名"), _("處室"), _("人員類別"), _("種類"), _("假別"), _("開始"), _("結束"),
                  _("長度（日）"), _("長度（小時）"), _("不支薪（日）"), _("不支薪（小時）"), _("狀態"),
                  _("職務代理人"), _("代課鐘點費"), _("送出時間")]

# The four amounts of a balance, each in two columns: 「事假核給（日）」「事假核給（小時）」.
BALANCE_PARTS = [_("核給"), _("已用"), pgettext_lazy("balance column", "簽核中"), _("剩餘")]


def request_header() -> list[str]:
    return [str(h) for h in REQUEST_HEADER]


def _local(value) -> str:
    local = timezone.localtime(value)
    return f"{format_roc_short(local.date())} {local:%H:%M}"


def request_rows(requests: Iterable[LeaveRequest]) -> list[list]:
    return [
        [
            r.applicant.employee_no,
            r.applicant.name,
            r.applicant.unit.name if r.applicant.unit is not None else "",
            r.applicant.get_category_display(),
            r.get_kind_display(),
            r.leave_type.display_name,
            _local(r.start),
            _local(r.end),
            *days_and_hours(r.hours),
            *days_and_hours(r.unpaid_hours),
            r.get_status_display(),
            r.deputy.name,
            r.get_substitute_paid_by_display() if r.substitute_paid_by else "",
            _local(r.submitted_at),
        ]
        for r in requests
    ]


def quota_type_names(balances: dict[int, list[BalanceRow]]) -> list[str]:
    """The types with a quota anyone in the list has, in the school's order."""
    names: list[str] = []
    for rows in balances.values():
        for row in rows:
            if row.granted is not None and row.leave_type.display_name not in names:
                names.append(row.leave_type.display_name)
    return names


def balance_rows(people: list[StaffMember], balances: dict[int, list[BalanceRow]]) -> tuple[list, list[list]]:
    type_names = quota_type_names(balances)
    header = [str(_("員工編號")), str(_("姓名")), str(_("處室")), str(_("人員類別"))]
    for name in type_names:
        # As the screen shows them: 7日0小時 is 7 and 0 in two columns, the unit in each header (8 小時 = 1 日).
        for part in BALANCE_PARTS:
            header += [_("%(type)s%(part)s（日）") % {"type": name, "part": part},
                       _("%(type)s%(part)s（小時）") % {"type": name, "part": part}]
    header += [str(_("不支薪（日）")), str(_("不支薪（小時）"))]
    out = []
    for person in people:
        by_name = {row.leave_type.display_name: row for row in balances.get(person.pk, [])}
        line: list[int | str] = [person.employee_no, person.name, person.unit.name if person.unit is not None else "",
                person.get_category_display()]
        for name in type_names:
            row = by_name.get(name)
            if row is None or row.granted is None:
                line += [""] * 8
            else:
                for amount in (row.granted, row.used, row.pending, row.remaining):
                    line += days_and_hours(amount)
        line += days_and_hours(sum(row.unpaid for row in balances.get(person.pk, [])))
        out.append(line)
    return header, out


def csv_response(filename: str, header: list, rows: list[list]) -> HttpResponse:
    return download(csv_bytes(header, rows), filename=f"{filename}.csv")


def xlsx_response(filename: str, sheet: str, header: list, rows: list[list]) -> HttpResponse:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    xlsx_table(ws, header, rows)
    ws.freeze_panes = "C2"  # the header row and the employee number and name
    return download(xlsx_bytes(book), filename=f"{filename}.xlsx")
