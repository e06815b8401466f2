"""The import framework (common/imports.py): decoding, a Django Form per row, row-numbered errors in
the form's order, decisive columns, all or nothing and the dry run — and the three importers on it."""

import pytest
from django.core.exceptions import ValidationError

from common.imports import Cell, RowForm, TableError, import_transaction, read_table, validate_rows
from schedules.models import OfficeCalendarYear, Semester, TimetableEntry
from schedules.services import office_calendar_import
from schedules.timetables_services import bell_schedule_ensure_standard, timetable_import
from staff.models import StaffMember
from staff.services import roster_import
from tests.schedules.helpers import office_calendar_rows, to_csv


class PairForm(RowForm[dict[str, int]]):
    """A code that must be unique in the file (decisive), and a number."""

    decisive_fields = ("code",)
    code = Cell()
    number = Cell()

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if not code:
            raise ValidationError("no code", code="missing_code")
        if code in self.context:
            raise ValidationError(f"code {code} again (row {self.context[code]})", code="duplicate_code")
        self.context[code] = self.row
        return code

    def clean_number(self) -> int:
        if not self.cleaned_data["number"].isdigit():
            raise ValidationError("not a number", code="bad_number")
        return int(self.cleaned_data["number"])

    def clean(self):
        if not self.failed() and self.cleaned_data["number"] > 9:
            self.problem("too big", "too_big")
            self.problem("really", "too_big")
        return self.cleaned_data


def test_every_problem_of_every_row_in_the_forms_order_and_a_decisive_column_alone():
    table = read_table(b"code,number\na,1\n\n,x\nb,x\na,x\nc,12\nd,3\n")
    records = table.records({"code": 0, "number": 1})
    assert [row for row, _cells in records] == [2, 4, 5, 6, 7, 8]  # row 3 is blank
    good, errors = validate_rows(records, PairForm, context={})
    assert [(e.row, e.code) for e in errors] == [
        (4, "missing_code"),  # decisive: its bad number is not reported
        (5, "bad_number"),
        (6, "duplicate_code"),
        (7, "too_big"), (7, "too_big"),
    ]
    assert str(errors[0]) == "第 4 列：no code"
    assert [(f.row, f.cleaned_data["number"]) for f in good] == [(2, 1), (8, 3)]


def test_reading_a_table():
    assert read_table("a\tb\n1\t2\n".encode("big5"), delimiter=None).rows == [["a", "b"], ["1", "2"]]
    assert read_table("甲,乙\n".encode("big5")).encoding == "Big5"
    with pytest.raises(TableError) as caught:
        read_table(b"\xff\xff,\x80\x80\n")
    assert caught.value.code == "encoding"
    with pytest.raises(TableError) as caught:
        read_table(b"PK\x03\x04 not really a workbook", xlsx=True)
    assert caught.value.code == "not_readable"
    with pytest.raises(TableError) as caught:
        read_table(("a\n" + "x" * 1001 + "\n").encode())
    assert caught.value.code == "invalid_rows" and [e.row for e in caught.value.errors] == [2]


@pytest.mark.django_db
def test_import_transaction_rolls_a_dry_run_back(people):
    school = people["school"]
    with import_transaction(dry_run=True):
        OfficeCalendarYear.objects.create(year=2031, source_name="x", encoding="UTF-8")
    assert not OfficeCalendarYear.objects.exists()
    with import_transaction():
        OfficeCalendarYear.objects.create(year=2031, source_name="x", encoding="UTF-8")
    assert OfficeCalendarYear.objects.count() == 1
    assert school.pk  # the standing school is untouched either way


@pytest.mark.django_db
def test_each_importer_checks_and_counts_on_a_dry_run_and_keeps_nothing(people):
    school = people["school"]
    before = StaffMember.objects.count()
    roster = "員工編號,姓名,人員類別,到職日\nT9001,許雅婷,專任教師,2015-08-01\n"
    assert roster_import(school=school, data=roster.encode(), actor=None, dry_run=True).created == ["T9001"]
    assert StaffMember.objects.count() == before

    calendars = office_calendar_import(actor=None, content=to_csv(office_calendar_rows(2027)), dry_run=True)
    assert [c.year for c in calendars] == [2027] and not OfficeCalendarYear.objects.exists()

    bell_schedule_ensure_standard(school=school)
    semester = Semester.objects.create(school=school, school_year=114, term=1, start_date="2025-08-30",
                                       end_date="2026-01-20")
    data = f"教師編號,星期,節次,班級,科目\n{people['teacher'].employee_no},1,1,高一3班,國文\n".encode()
    assert timetable_import(semester=semester, data=data, dry_run=True).created == 1
    assert not TimetableEntry.objects.exists()
