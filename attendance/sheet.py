"""The month sheet (月出勤總表): people as rows, the days of a month as columns, one glyph per day and
the month's totals per person. What the personnel office reads, prints for the monthly sign-off and
downloads as XLSX (docs/attendance.md, "The month sheet").

Reads only: the people (staff.selectors), the stored daily results and the approved leave counted
day by day (``leave.selectors.leave_hours``, the leave module's contract). Three queries whatever the
number of people and days.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy

from attendance.models import DailyResult, DailyStatus
from attendance.selectors import month_bounds
from common.i18n import enumerate_text, separate_text
from leave import selectors as leave_selectors
from staff.models import School, StaffMember
from staff.permissions import visible_staff_q
from staff.selectors import school_people
from staff.twdate import WEEKDAY_LABELS, format_days_hours

# The glyphs, in the legend's order: (key, glyph, meaning). A cell's ``key`` is one of these (its CSS
# class is ``sheet-<key>``); late and early minutes and the leave type are written into the glyph.
LEGEND: list[tuple[str, str | Promise, Promise]] = [
    ("on_time", "✓", gettext_lazy("正常")),
    ("late", pgettext_lazy("sheet glyph", "遲n"), gettext_lazy("遲到 n 分鐘")),
    ("early", pgettext_lazy("sheet glyph", "早n"), gettext_lazy("早退 n 分鐘")),
    ("missing", pgettext_lazy("sheet glyph", "未上／未下"), gettext_lazy("未刷上班卡／未刷下班卡")),
    ("absent", pgettext_lazy("sheet glyph", "缺"), gettext_lazy("缺勤（整天沒有打卡，也沒有請假）")),
    ("leave", pgettext_lazy("sheet glyph", "假別"), gettext_lazy("請假整天，寫出假別（事假、病假、公假…）")),
    ("partial", pgettext_lazy("sheet glyph", "假別 n時"), gettext_lazy("請假部分時間（n 小時），其餘時間正常")),
    ("holiday", pgettext_lazy("sheet glyph", "休"), gettext_lazy("放假（週末、國定假日、學校放假）")),
    ("typhoon", pgettext_lazy("sheet glyph", "停"), gettext_lazy("停班停課（颱風等天然災害）")),
    ("no_duty", pgettext_lazy("sheet glyph", "免"), gettext_lazy("免打卡（寒暑假、職別無需打卡）")),
    ("pending", "…", gettext_lazy("進行中（今天尚未結束）")),
    ("not_started", "—", gettext_lazy("未啟用（學校啟用本系統之前）")),
    ("none", "", gettext_lazy("空白：尚無結果（未到職或日期未到）")),
]

# A day of leave is 8 hours, as the leave module counts balances (staff.twdate.format_days_hours).
HOURS_PER_DAY = 8

TOTAL_COLUMNS: list[tuple[str, Promise]] = [
    ("late_count", gettext_lazy("遲到次數")),
    ("late_minutes", gettext_lazy("遲到分鐘")),
    ("early_count", gettext_lazy("早退次數")),
    ("early_minutes", gettext_lazy("早退分鐘")),
    ("missing", gettext_lazy("未刷卡次數")),
    ("absent", gettext_lazy("缺勤日數")),
]


@dataclass(frozen=True)
class Cell:
    day: dt.date
    key: str  # a LEGEND key
    text: str  # the glyph
    title: str  # the same in words (the cell's tooltip and the detail link's label)

    @property
    def iso(self) -> str:
        return self.day.isoformat()


@dataclass
class Totals:
    late_count: int = 0
    late_minutes: int = 0
    early_count: int = 0
    early_minutes: int = 0
    missing: int = 0
    absent: int = 0
    leave_hours: dict[str, int] = field(default_factory=dict)  # type name -> hours (8 to a day)

    def leave_text(self, name: str) -> str:
        hours = self.leave_hours.get(name)
        return format_days_hours(hours) if hours else ""


@dataclass(frozen=True)
class Row:
    person: StaffMember
    cells: list[Cell]
    totals: Totals
    leave_texts: list[str]  # the totals of leave in the sheet's leave_types order, as 「1日4小時」


@dataclass(frozen=True)
class MonthSheet:
    year: int
    month: int
    days: list[dt.date]
    rows: list[Row]
    leave_types: list[str]  # the types taken by anyone on the sheet, in the school's order

    @property
    def weekdays(self) -> list[str]:
        return [str(WEEKDAY_LABELS[d.weekday()]) for d in self.days]

    @property
    def legend(self) -> list[tuple[str, str, str]]:
        return [(key, str(glyph), str(meaning)) for key, glyph, meaning in LEGEND]


class Facts(NamedTuple):
    """What the sheet reads of a stored daily result (a row of ``values_list``, not a model instance:
    4,650 instances are most of a 150-person month's time)."""

    status: str
    late_minutes: int
    early_minutes: int
    leave_minutes: int
    day_reason: str
    day_label: str
    leave_label: str


FACT_FIELDS = ["status", "late_minutes", "early_minutes", "leave_minutes", "day_reason", "day_label", "leave_label"]


class Words:
    """The sheet's words in the active language, translated once per sheet rather than per cell."""

    def __init__(self) -> None:
        self.status = {value: str(label) for value, label in DailyStatus.choices}
        self.typhoon = pgettext("sheet glyph", "停")
        self.holiday = pgettext("sheet glyph", "休")
        self.no_duty = pgettext("sheet glyph", "免")
        self.absent = pgettext("sheet glyph", "缺")
        self.missing_in = pgettext("sheet glyph", "未上")
        self.missing_out = pgettext("sheet glyph", "未下")
        self.some_leave = pgettext("sheet glyph", "假")
        self.leave = _("請假")
        self.leave_title = _("請假：%(types)s")
        self.late = pgettext("sheet glyph", "遲%(n)s")
        self.early = pgettext("sheet glyph", "早%(n)s")
        self.hours = pgettext("sheet glyph", "%(hours)s時")
        self.not_started = _("未啟用")


def sheet_cell(
    day: dt.date, facts: Facts | None, leave: dict[str, int], words: Words, *, started: dt.date | None = None
) -> Cell:
    """One day of one person: the glyph and its words. ``leave`` is the day's approved leave by type
    name, in hours (empty when none); ``started`` the school's 啟用日 (before it: 未啟用, never 缺勤)."""
    if started is not None and day < started:
        return Cell(day, "not_started", "—", words.not_started)
    if facts is None:
        return Cell(day, "none", "", "")
    status = facts.status
    label = words.status[status]
    if status == DailyStatus.HOLIDAY:
        if facts.day_reason == "typhoon":
            return Cell(day, "typhoon", words.typhoon, facts.day_label or label)
        return Cell(day, "holiday", words.holiday, facts.day_label or label)
    if status == DailyStatus.NO_DUTY:
        return Cell(day, "no_duty", words.no_duty, facts.day_label or label)
    if status == DailyStatus.PENDING:
        return Cell(day, "pending", "…", label)
    names = enumerate_text(leave) or facts.leave_label
    if status == DailyStatus.LEAVE:
        return Cell(day, "leave", names or words.leave, words.leave_title % {"types": names or label})
    if status == DailyStatus.ABSENT:
        return Cell(day, "absent", words.absent, label)

    parts, said = [], []
    key = "on_time"
    if facts.leave_minutes:
        key = "partial"
        hours = sum(leave.values())
        parts.append(f"{names}{words.hours % {'hours': hours}}" if hours else names or words.some_leave)
        said.append(words.leave_title % {"types": names or words.leave})
    if status in (DailyStatus.MISSING_IN, DailyStatus.MISSING_OUT):
        key = "missing"
        parts.append(words.missing_in if status == DailyStatus.MISSING_IN else words.missing_out)
        said.append(label)
    if facts.late_minutes:
        key = "late" if key != "missing" else key
        parts.append(words.late % {"n": facts.late_minutes})
        said.append(ngettext("遲到 %(n)s 分鐘", "遲到 %(n)s 分鐘", facts.late_minutes) % {"n": facts.late_minutes})
    if facts.early_minutes:
        key = "early" if key in ("on_time", "partial") else key
        parts.append(words.early % {"n": facts.early_minutes})
        said.append(ngettext("早退 %(n)s 分鐘", "早退 %(n)s 分鐘", facts.early_minutes) % {"n": facts.early_minutes})
    if not parts:
        return Cell(day, "on_time", "✓", label)
    return Cell(day, key, " ".join(parts), separate_text(said))


def _add(totals: Totals, facts: Facts) -> None:
    if facts.late_minutes:
        totals.late_count += 1
        totals.late_minutes += facts.late_minutes
    if facts.early_minutes:
        totals.early_count += 1
        totals.early_minutes += facts.early_minutes
    if facts.status in (DailyStatus.MISSING_IN, DailyStatus.MISSING_OUT):
        totals.missing += 1
    elif facts.status == DailyStatus.ABSENT:
        totals.absent += 1


def sheet_people(
    viewer: StaffMember, *, unit_id: int | None = None, category: str | None = None
) -> QuerySet[StaffMember]:
    """The people on the viewer's sheet: their school's, those the viewer may see, by unit and number."""
    people = school_people(school_id=viewer.school_id).filter(visible_staff_q(viewer))
    if unit_id:
        people = people.filter(unit_id=unit_id)
    if category:
        people = people.filter(category=category)
    return people.select_related("unit").order_by("unit__name", "employee_no", "pk")


def month_sheet(
    viewer: StaffMember,
    year: int,
    month: int,
    *,
    unit_id: int | None = None,
    category: str | None = None,
) -> MonthSheet:
    """The sheet of the month for the people the viewer may see (filtered by unit and category).

    Three queries: the people, their results of the month, their approved leave of the month.
    The caller makes sure the results are there (``daily_results_ensure``).
    """
    people = sheet_people(viewer, unit_id=unit_id, category=category)
    return _sheet(list(people), year, month, started=viewer.school.attendance_start)


def school_month_sheet(
    school: School,
    year: int,
    month: int,
    *,
    unit_id: int | None = None,
    category: str | None = None,
) -> MonthSheet:
    """The same sheet of a whole school, for a reader outside it who may read every school (the city's
    read-only view: offices, which checks that role and audits the read). Three queries, as above."""
    people = school_people(school_id=school.pk)
    if unit_id:
        people = people.filter(unit_id=unit_id)
    if category:
        people = people.filter(category=category)
    people = people.select_related("unit").order_by("unit__name", "employee_no", "pk")
    return _sheet(list(people), year, month, started=school.attendance_start)


def _sheet(members: list[StaffMember], year: int, month: int, *, started: dt.date | None) -> MonthSheet:
    start, end = month_bounds(year, month)
    ids = [m.pk for m in members]
    results: dict[tuple[int, dt.date], Facts] = {}
    leave: dict[tuple[int, dt.date], dict[str, int]] = defaultdict(dict)
    type_order: dict[str, int] = {}
    if ids:
        rows = (
            DailyResult.objects.filter(staff_id__in=ids, date__range=(start, end))
            .order_by()
            .values_list("staff_id", "date", *FACT_FIELDS)
        )
        results = {(staff_id, day): Facts(*facts) for staff_id, day, *facts in rows}
        for row in leave_selectors.leave_hours(staff_ids=ids, start=start, end=end):
            day_types = leave[(row.staff_id, row.day)]
            day_types[row.leave_type_name] = day_types.get(row.leave_type_name, 0) + row.hours
            type_order.setdefault(row.leave_type_name, row.leave_type_order)

    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    leave_types = sorted(type_order, key=lambda name: (type_order[name], name))
    words = Words()
    sheet_rows = []
    no_leave: dict[str, int] = {}
    for member in members:
        totals = Totals()
        cells = []
        for day in days:
            facts = results.get((member.pk, day)) if started is None or day >= started else None
            day_leave = leave.get((member.pk, day), no_leave)
            for name, hours in day_leave.items():
                totals.leave_hours[name] = totals.leave_hours.get(name, 0) + hours
            if facts is not None:
                _add(totals, facts)
            cells.append(sheet_cell(day, facts, day_leave, words, started=started))
        leave_texts = [totals.leave_text(name) for name in leave_types]
        sheet_rows.append(Row(person=member, cells=cells, totals=totals, leave_texts=leave_texts))
    return MonthSheet(year=year, month=month, days=days, rows=sheet_rows, leave_types=leave_types)


# --- The same sheet as XLSX ------------------------------------------------------------------

FIXED_COLUMNS = 3  # 員工編號, 姓名, 處室: frozen with the two header rows


def sheet_headers(sheet: MonthSheet) -> tuple[list[str], list[str]]:
    """The two header rows of the download: day numbers over weekdays, then the totals with their
    units (leave by type as two columns, 日 and 小時, as the balances are shown)."""
    first = [_("員工編號"), _("姓名"), _("處室")] + [str(d.day) for d in sheet.days]
    second = ["", "", "", *sheet.weekdays]
    units = {"late_minutes": pgettext("unit", "分鐘"), "early_minutes": pgettext("unit", "分鐘"),
             "absent": pgettext("unit", "日")}
    for key, label in TOTAL_COLUMNS:
        first.append(str(label))
        second.append(str(units.get(key, pgettext("unit", "次"))))
    for name in sheet.leave_types:
        first += [_("%(type)s（日）") % {"type": name}, _("%(type)s（小時）") % {"type": name}]
        second += [pgettext("unit", "日"), pgettext("unit", "小時")]
    return first, second


def sheet_table(sheet: MonthSheet) -> list[list[object]]:
    """The rows of the download: the glyphs, then the totals as numbers (leave as days and hours)."""
    table = []
    for row in sheet.rows:
        person, totals = row.person, row.totals
        line: list[object] = [person.employee_no, person.name, person.unit.name if person.unit else ""]
        line += [cell.text for cell in row.cells]
        line += [getattr(totals, key) for key, _label in TOTAL_COLUMNS]
        for name in sheet.leave_types:
            line += list(divmod(totals.leave_hours.get(name, 0), HOURS_PER_DAY))
        table.append(line)
    return table


def sheet_workbook(sheet: MonthSheet, *, title: str):
    """An openpyxl workbook: the title, two frozen header rows and three frozen name columns, widths
    that fit Chinese headers, the legend under the table, landscape A4 fitted to one page wide with the
    headers repeated on every page."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from common.exports import xlsx_fit_columns

    book = Workbook()
    ws = book.active
    ws.title = f"{sheet.year - 1911}-{sheet.month:02d}"
    ws.append([title])
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    first, second = sheet_headers(sheet)
    ws.append(first)
    ws.append(second)
    for header_row in (2, 3):
        for cell in ws[header_row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
    weekend = PatternFill("solid", fgColor="EEEEEE")
    for index, day in enumerate(sheet.days):
        if day.weekday() >= 5:
            for header_row in (2, 3):
                ws.cell(row=header_row, column=FIXED_COLUMNS + 1 + index).fill = weekend
    for line in sheet_table(sheet):
        ws.append(line)
    last_row, last_column = ws.max_row, len(first)
    xlsx_fit_columns(ws, skip_rows=1)
    ws.freeze_panes = ws.cell(row=4, column=FIXED_COLUMNS + 1).coordinate
    ws.print_area = f"A1:{get_column_letter(last_column)}{last_row}"
    ws.print_title_rows = "2:3"
    ws.print_title_cols = f"A:{get_column_letter(FIXED_COLUMNS)}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    ws.append([])
    ws.append([_("圖例")])
    ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
    for _key, glyph, meaning in sheet.legend:
        ws.append(["", glyph, meaning])
    return book
