"""Over-long cells: every importer refuses a file with a cell no person would type, naming its row,
and writes nothing (a 200 KB cell used to crash Python's CSV reader, past its 128 KB field limit)."""

import io

import pytest
from django.core.management import CommandError, call_command

from common.tables import MAX_CELL_CHARS, RowError, csv_table, overlong_cells
from schedules.models import OfficeCalendarYear, Semester, TimetableEntry
from schedules.services import OfficeCalendarImportError, office_calendar_import
from schedules.timetables_services import TimetableError, bell_schedule_ensure_standard, timetable_import
from staff.models import StaffMember
from staff.services import RosterImportError, roster_import
from tests.schedules.helpers import office_calendar_rows, to_csv

HUGE = "長" * (200 * 1024)  # 200 KB of text in one cell: past the CSV reader's own limit
LONG = "x" * (MAX_CELL_CHARS + 1)  # just over ours, well within the reader's
SIZES = pytest.mark.parametrize("cell", [HUGE, LONG], ids=["200KB", "max+1"])


def test_csv_table_numbers_the_refused_rows_as_a_spreadsheet_does():
    rows, refused = csv_table(f"a,b\n1,2\n3,{LONG}\n4,5\n6,{LONG}\n")
    assert rows[0] == ["a", "b"] and len(rows) == 5
    assert [(e.row, e.code) for e in refused] == [(3, "cell_too_long"), (5, "cell_too_long")]
    assert str(refused[0]).startswith("第 3 列：")


def test_a_cell_past_the_readers_own_limit_is_a_row_error_not_a_crash():
    _rows, refused = csv_table(f"a,b\n1,2\n3,{HUGE}\n")
    assert refused == [RowError(3, "cell_too_long", refused[0].message)]


def test_a_cell_of_exactly_the_limit_is_kept():
    rows, refused = csv_table("a\n" + "x" * MAX_CELL_CHARS + "\n")
    assert refused == [] and len(rows[1][0]) == MAX_CELL_CHARS
    [error] = overlong_cells([["ok"], ["x" * (MAX_CELL_CHARS + 1)]], first_row=2)
    assert (error.row, error.code) == (3, "cell_too_long")


# --- Each importer ---------------------------------------------------------------------------------

ROSTER = "員工編號,姓名,電子郵件,處室,職稱,人員類別,到職日\nT1001,許雅婷,,教務處,專任教師,專任教師,2015-08-01\n"


@SIZES
def test_the_roster_import_refuses_the_row(people, cell):
    before = StaffMember.objects.count()
    data = (ROSTER + f"T1002,{cell},,教務處,專任教師,專任教師,2015-08-01\n").encode("utf-8")
    with pytest.raises(RosterImportError) as caught:
        roster_import(school=people["school"], data=data, actor=people["personnel"].user)
    assert caught.value.code == "invalid_rows"
    assert [(e.row, e.code) for e in caught.value.errors] == [(3, "cell_too_long")]
    assert StaffMember.objects.count() == before


def test_the_roster_command_prints_the_row_without_a_traceback(people, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes((ROSTER + f"T1002,{HUGE},,教務處,專任教師,專任教師,2015-08-01\n").encode("utf-8"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_staff", str(path), "--school", people["school"].code, stderr=err, stdout=io.StringIO())
    assert "第 3 列" in err.getvalue() and "Traceback" not in err.getvalue()


def test_the_roster_from_excel_refuses_the_row_too(people):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["員工編號", "姓名", "電子郵件", "處室", "職稱", "人員類別", "到職日"])
    sheet.append(["T1002", LONG, "", "教務處", "專任教師", "專任教師", "2015-08-01"])
    content = io.BytesIO()
    book.save(content)
    with pytest.raises(RosterImportError) as caught:
        roster_import(school=people["school"], data=content.getvalue(), actor=people["personnel"].user)
    assert [(e.row, e.code) for e in caught.value.errors] == [(2, "cell_too_long")]


@SIZES
def test_the_office_calendar_import_refuses_the_row(db, cell):
    rows = office_calendar_rows(2027)
    rows[5] = [rows[5][0], rows[5][1], rows[5][2], cell]  # line 6: the 備註 column
    with pytest.raises(OfficeCalendarImportError) as caught:
        office_calendar_import(actor=None, content=to_csv(rows), source_name="long.csv")
    assert caught.value.code == "office_calendar_invalid"
    assert len(caught.value.errors) == 1 and caught.value.errors[0].startswith("第 6 列：")
    assert not OfficeCalendarYear.objects.exists()


@SIZES
def test_the_timetable_import_refuses_the_row(people, cell):
    school = people["school"]
    bell_schedule_ensure_standard(school=school)
    semester = Semester.objects.create(school=school, school_year=114, term=1, start_date="2025-08-30",
                                       end_date="2026-01-20")
    no = people["teacher"].employee_no
    data = (
        "教師編號,教師姓名,星期,節次,班級,科目,教室\n"
        f"{no},王老師,1,1,高一3班,國文,301\n"
        f"{no},王老師,2,1,高一3班,{cell},301\n"
    )
    with pytest.raises(TimetableError) as caught:
        timetable_import(semester=semester, data=data.encode("utf-8"))
    assert caught.value.code == "invalid_rows"
    assert [e.row for e in caught.value.errors] == [3]
    assert not TimetableEntry.objects.exists()
