"""The month sheet (月出勤總表): a constructed month whose cells and totals are computed by hand, the
same figures in the XLSX, a constant number of queries, the day behind a cell, and the denials."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from attendance.models import DailyResult, Punch, PunchCorrection, PunchKind
from attendance.services import daily_results_recompute
from attendance.sheet import month_sheet
from leave.models import LeaveDay, LeaveRequest, LeaveRule, LeaveStatus, LeaveType
from leave.services import leave_types_seed
from schedules.services import typhoon_day_declare
from staff.models import Role, StaffMember
from tests.attendance.conftest import at
from tests.factories import make_school, make_staff, make_unit

OCTOBER = (dt.date(2025, 10, 1), dt.date(2025, 10, 31))
LATER = at(dt.date(2025, 11, 3), "09:00:00")
SHEET = reverse("attendance:sheet")

# personnel is 職員: 07:30–16:30 with lunch 12:00–13:00. The month, day by day (October 2025;
# 10/6 中秋節 and 10/10 國慶日 are holidays, 10/15 is declared a typhoon day):
PUNCHES = {
    dt.date(2025, 10, 2): ("07:40:00", "16:35:00"),  # late 10
    dt.date(2025, 10, 3): ("07:25:00", "16:10:00"),  # early 20
    dt.date(2025, 10, 7): ("07:20:00", None),  # no 下班
    dt.date(2025, 10, 8): (None, None),  # absent
    dt.date(2025, 10, 14): ("07:28:00", "12:05:00"),  # afternoon 事假 13:00–16:30 (4 hours)
    dt.date(2025, 10, 17): ("07:35:00", "16:00:00"),  # late 5 and early 30
}
LEAVE = [  # (type code, day, start, end, hours)
    ("personal", dt.date(2025, 10, 9), "07:30", "16:30", 8),
    ("sick", dt.date(2025, 10, 13), "07:30", "16:30", 8),
    ("personal", dt.date(2025, 10, 14), "13:00", "16:30", 4),
    ("official", dt.date(2025, 10, 16), "07:30", "16:30", 8),
]
TYPHOON = dt.date(2025, 10, 15)

EXPECTED_CELLS = {
    1: "✓", 2: "遲10", 3: "早20", 4: "休", 5: "休", 6: "休", 7: "未下", 8: "缺", 9: "事假", 10: "休",
    13: "病假", 14: "事假4時", 15: "停", 16: "公假", 17: "遲5 早30",
    24: "休",  # 臺灣光復節 (Saturday 10/25) observed on the Friday
}
EXPECTED_TOTALS = {"late_count": 2, "late_minutes": 15, "early_count": 2, "early_minutes": 50,
                   "missing": 1, "absent": 1}
EXPECTED_LEAVE = {"事假": 12, "病假": 8, "公假": 8}


def _leave(person, deputy, code: str, day: dt.date, start: str, end: str, hours: int) -> None:
    leave_type = LeaveType.objects.get(school=person.school, code=code)
    request = LeaveRequest.objects.create(
        school=person.school, applicant=person, leave_type=leave_type,
        rule=LeaveRule.objects.filter(leave_type=leave_type).first(),
        start=at(day, f"{start}:00"), end=at(day, f"{end}:00"), hours=hours, status=LeaveStatus.APPROVED,
        deputy=deputy,
    )
    LeaveDay.objects.create(request=request, day=day, hours=hours)


@pytest.fixture
def month(people):
    """The personnel officer's constructed October; everyone else's days are computed as they come."""
    person = people["personnel"]
    leave_types_seed(school=people["school"])
    day = OCTOBER[0]
    while day <= OCTOBER[1]:
        arrive, leave = PUNCHES.get(day, ("07:25:00", "16:35:00"))
        if day.weekday() < 5:
            if arrive:
                Punch.objects.create(staff=person, work_date=day, kind=PunchKind.IN, at=at(day, arrive))
            if leave:
                Punch.objects.create(staff=person, work_date=day, kind=PunchKind.OUT, at=at(day, leave))
        day += dt.timedelta(days=1)
    for code, day, start, end, hours in LEAVE:
        _leave(person, people["principal"], code, day, start, end, hours)
    with TestCase.captureOnCommitCallbacks(execute=True):
        typhoon_day_declare(actor=person.user, day=TYPHOON, school=people["school"], label="颱風停班停課")
    daily_results_recompute(school=people["school"], start=OCTOBER[0], end=OCTOBER[1], now=LATER)
    return people


def _row(sheet, person):
    return next(row for row in sheet.rows if row.person.pk == person.pk)


def test_cells_and_totals_equal_the_hand_computed_month(month):
    person = month["personnel"]
    sheet = month_sheet(person, 2025, 10)
    row = _row(sheet, person)
    cells = {cell.day.day: cell.text for cell in row.cells}
    assert {day: cells[day] for day in EXPECTED_CELLS} == EXPECTED_CELLS
    # Every other weekday was on time; every other weekend day off.
    for cell in row.cells:
        if cell.day.day not in EXPECTED_CELLS:
            assert cell.text == ("休" if cell.day.weekday() >= 5 else "✓"), cell.day
    assert {key: getattr(row.totals, key) for key in EXPECTED_TOTALS} == EXPECTED_TOTALS
    assert row.totals.leave_hours == EXPECTED_LEAVE
    assert sheet.leave_types == ["事假", "病假", "公假"]  # the school's order of its types
    assert row.leave_texts == ["1日4小時", "1日0小時", "1日0小時"]
    keys = {cell.day.day: cell.key for cell in row.cells}
    assert (keys[2], keys[3], keys[7], keys[8], keys[9], keys[14], keys[15], keys[17]) == (
        "late", "early", "missing", "absent", "leave", "partial", "typhoon", "late")


def test_the_page_shows_the_cells_totals_and_legend(month, client_for):
    person = month["personnel"]
    page = client_for(person).get(SHEET, {"month": "2025-10"}).content.decode()
    assert f'data-testid="cell-{person.pk}-2025-10-02" data-key="late"' in page
    assert f'href="{reverse("attendance:sheet_day", args=[person.pk])}?date=2025-10-02"' in page
    assert f'data-testid="total-late-{person.pk}">2<' in page
    assert f'data-testid="total-missing-{person.pk}">1<' in page
    assert "1日4小時" in page
    assert 'data-testid="sheet-legend"' in page and "停班停課" in page


def test_filters_by_unit_and_category(month, client_for):
    personnel, teacher = month["personnel"], month["teacher"]
    sheet = month_sheet(personnel, 2025, 10, unit_id=teacher.unit_id)
    assert {row.person.pk for row in sheet.rows} == set(
        StaffMember.objects.filter(unit=teacher.unit_id, is_active=True).values_list("pk", flat=True))
    sheet = month_sheet(personnel, 2025, 10, category=personnel.category)
    assert personnel.pk in {row.person.pk for row in sheet.rows} and teacher.pk not in {r.person.pk for r in sheet.rows}
    page = client_for(personnel).get(SHEET, {"month": "2025-10", "category": teacher.category}).content.decode()
    assert f"sheet-row-{teacher.pk}" in page and f"sheet-row-{personnel.pk}" not in page


def test_the_xlsx_has_frozen_panes_widths_print_setup_and_the_same_totals(month, client_for):
    person = month["personnel"]
    response = client_for(person).get(reverse("attendance:sheet_export"), {"month": "2025-10"})
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert "114%E5%B9%B410%E6%9C%88.xlsx" in response["Content-Disposition"]  # 114年10月.xlsx
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws.freeze_panes == "D4"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.print_area and ws.print_title_rows == "$2:$3"
    header = [c.value for c in ws[2]]
    line = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] == person.employee_no)
    row = dict(zip(header, line, strict=False))
    assert (row["遲到次數"], row["遲到分鐘"], row["早退次數"], row["早退分鐘"], row["未刷卡次數"], row["缺勤日數"]) == (
        2, 15, 2, 50, 1, 1)
    assert (row["事假（日）"], row["事假（小時）"], row["病假（日）"], row["病假（小時）"]) == (1, 4, 1, 0)
    assert row["2"] == "遲10" and row["15"] == "停"
    # Widths fit the Chinese headers: 「事假（小時）」 is 6 wide characters, 12 columns.
    column = header.index("事假（小時）") + 1
    assert ws.column_dimensions[ws.cell(row=2, column=column).column_letter].width >= 12
    assert ws.column_dimensions["B"].width >= 2 * len(person.name)


def test_the_print_page_has_the_sheet_and_signature_boxes(month, client_for):
    person = month["personnel"]
    page = client_for(person).get(reverse("attendance:sheet_print"), {"month": "2025-10"}).content.decode()
    assert 'data-testid="sheet-signoff"' in page and "sheet-print" in page
    assert f'data-testid="cell-{person.pk}-2025-10-02" data-key="late">遲10<' in page  # no links on paper


def test_the_day_behind_a_cell(month, client_for):
    person, teacher = month["personnel"], month["teacher"]
    PunchCorrection.objects.create(school=person.school, staff=person, date=dt.date(2025, 10, 7),
                                   kind=PunchKind.OUT, time=dt.time(16, 40), reason="忘了")
    url = reverse("attendance:sheet_day", args=[person.pk])
    page = client_for(month["principal"]).get(url, {"date": "2025-10-07"}).content.decode()
    assert "07:20:00" in page and "忘了" in page and "未刷下班卡" in page
    page = client_for(month["principal"]).get(url, {"date": "2025-10-14"}).content.decode()
    assert "事假" in page and "13:00–16:30" in page
    # A unit head sees their own people's day, not others'; another school's personnel nobody's here.
    assert client_for(month["unit_head"]).get(url, {"date": "2025-10-07"}).status_code == 404
    assert client_for(month["unit_head"]).get(
        reverse("attendance:sheet_day", args=[teacher.pk]), {"date": "2025-10-07"}).status_code == 200
    assert client_for(month["outsider"]).get(url, {"date": "2025-10-07"}).status_code == 404
    assert client_for(month["principal"]).get(url, {"date": "2025-13-07"}).status_code == 200  # today instead


@pytest.mark.parametrize("name", ["sheet", "sheet_print", "sheet_export"])
def test_teachers_and_unit_heads_are_refused(people, client_for, name):
    for who in ("teacher", "unit_head"):
        assert client_for(people[who]).get(reverse(f"attendance:{name}")).status_code == 403


def test_another_schools_personnel_sees_only_their_school(month, client_for):
    page = client_for(month["outsider"]).get(SHEET, {"month": "2025-10"}).content.decode()
    assert f"sheet-row-{month['personnel'].pk}" not in page
    assert f"sheet-row-{month['outsider'].pk}" in page


def _school_of(size: int):
    school = make_school()
    unit = make_unit(school, "教務處")
    boss = make_staff(school, unit=unit, roles=(Role.PERSONNEL,))
    for _n in range(size - 1):
        make_staff(school, unit=unit)
    daily_results_recompute(school=school, start=OCTOBER[0], end=OCTOBER[1], now=LATER)
    return boss


def test_a_constant_number_of_queries_for_40_and_150_people(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    counts = []
    for size in (40, 150):
        boss = _school_of(size)
        assert DailyResult.objects.filter(school=boss.school).count() == size * 31
        assert boss.has_role(Role.PERSONNEL)  # the viewer's roles are read once per request, before the sheet
        with CaptureQueriesContext(connection) as queries:
            sheet = month_sheet(boss, 2025, 10)
        assert len(sheet.rows) == size
        counts.append(len(queries))
    # people, their results of the month, their approved leave of the month
    assert counts == [3, 3], [q["sql"][:120] for q in queries.captured_queries]


def test_the_page_in_a_constant_number_of_queries(db, settings, client):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    counts = []
    for size in (40, 150):
        boss = _school_of(size)
        client.force_login(boss.user)
        client.get(SHEET, {"month": "2025-10"})  # warm: the session, the person's roles
        with CaptureQueriesContext(connection) as queries:
            response = client.get(SHEET, {"month": "2025-10"})
        assert response.status_code == 200 and response.content.decode().count('class="sheet-name"') == size + 1
        counts.append(len(queries))
    assert counts[0] == counts[1]
