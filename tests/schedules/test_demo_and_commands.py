"""Demo data and the management commands."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from schedules import demo
from schedules.calendar import Reason, duty_day, is_school_day
from schedules.models import CategorySchedule, OfficeCalendarYear, SchoolDay, Semester
from staff.models import StaffCategory
from tests.factories import make_school, make_staff
from tests.schedules.helpers import office_calendar_rows, to_csv


def test_demo_load_is_idempotent_and_gives_this_school_years_calendar(db):
    school = make_school(has_junior_division=True)
    demo.load(school)
    demo.load(school)
    assert Semester.objects.filter(school=school).count() == 3
    assert set(Semester.objects.values_list("school_year", "term")) == {(114, 1), (114, 2), (115, 1)}
    assert SchoolDay.objects.filter(school=school).count() == len(demo.SCHOOL_DAYS)
    assert CategorySchedule.objects.filter(school=school).count() == len(StaffCategory.values)
    teacher = make_staff(school, category=StaffCategory.HOMEROOM_JUNIOR)
    assert duty_day(teacher, dt.date(2026, 12, 7)).reason == Reason.SCHOOL_DAY_OFF  # 校慶補假
    assert duty_day(teacher, dt.date(2026, 11, 23)).start == dt.time(7, 30)  # class day: 早自習
    assert duty_day(teacher, dt.date(2026, 8, 26)).reason == Reason.VACATION
    assert duty_day(teacher, dt.date(2026, 8, 27)).has_duty  # 期初教師研習
    assert is_school_day(school, dt.date(2026, 11, 25))  # exam day


def test_import_office_calendar_command(db, tmp_path):
    good = tmp_path / "116年中華民國政府行政機關辦公日曆表.csv"
    good.write_bytes(to_csv(office_calendar_rows(2027), "cp950"))
    call_command("import_office_calendar", str(good), "--dry-run")
    assert not OfficeCalendarYear.objects.exists()
    call_command("import_office_calendar", str(good))
    assert OfficeCalendarYear.objects.get().source_name == good.name

    rows = office_calendar_rows(2028)
    rows[7][0] = "2028-01-07"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(to_csv(rows))
    with pytest.raises(CommandError, match="沒有匯入任何資料"):
        call_command("import_office_calendar", str(bad))
    assert not OfficeCalendarYear.objects.filter(year=2028).exists()


def test_seed_work_schedules_command(db):
    school, other = make_school(), make_school()
    call_command("seed_work_schedules", school.code)
    assert CategorySchedule.objects.filter(school=school).count() == len(StaffCategory.values)
    assert not CategorySchedule.objects.filter(school=other).exists()
    call_command("seed_work_schedules", "--all")
    assert CategorySchedule.objects.filter(school=other).count() == len(StaffCategory.values)
    with pytest.raises(CommandError):
        call_command("seed_work_schedules", "nope")
    with pytest.raises(CommandError):
        call_command("seed_work_schedules")
