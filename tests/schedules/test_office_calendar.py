"""Importing the government's 「中華民國政府行政機關辦公日曆表」 CSV."""

import datetime as dt

import pytest

from audit.models import AuditEntry
from schedules.calendar import Reason, duty_day
from schedules.models import OfficeCalendarDay, OfficeCalendarYear
from schedules.services import OfficeCalendarImportError, office_calendar_import
from staff.models import StaffCategory
from tests.factories import make_school, make_staff
from tests.schedules.helpers import office_calendar_rows, to_csv

BRIDGE_THU, BRIDGE_FRI = dt.date(2027, 6, 10), dt.date(2027, 6, 11)
MAKEUP_SAT = dt.date(2027, 6, 19)
CONFUCIUS = dt.date(2027, 9, 28)  # a holiday in the package; this file (for the test) says it is worked

CHANGES_2027 = {
    BRIDGE_THU: (2, "調整放假"),
    BRIDGE_FRI: (2, ""),
    MAKEUP_SAT: (0, "補行上班"),
    CONFUCIUS: (0, ""),
}


@pytest.fixture
def clerk(db):
    return make_staff(make_school(), category=StaffCategory.CIVIL_STAFF)


def test_utf8_bom_file_makes_a_saturday_a_working_day(clerk, calendar_events):
    assert duty_day(clerk, MAKEUP_SAT).reason == Reason.WEEKEND  # the package knows nothing of it
    content = to_csv(office_calendar_rows(2027, CHANGES_2027), "utf-8-sig")

    [calendar] = office_calendar_import(actor=None, content=content, source_name="116年辦公日曆表.csv")

    assert calendar.year == 2027 and calendar.encoding == "UTF-8 (BOM)"
    assert OfficeCalendarDay.objects.filter(calendar=calendar).count() == 365
    saturday = duty_day(clerk, MAKEUP_SAT)
    assert saturday.has_duty and saturday.reason == Reason.MAKEUP_WORKDAY and saturday.label == "補行上班"
    thursday = duty_day(clerk, BRIDGE_THU)
    assert (thursday.has_duty, thursday.reason, thursday.label) == (False, Reason.HOLIDAY, "調整放假")
    assert duty_day(clerk, BRIDGE_FRI).label == "放假"  # published without a name
    # The imported year is authoritative over the package.
    assert duty_day(clerk, CONFUCIUS).has_duty
    entry = AuditEntry.objects.get(action="schedules.office_calendar_imported")
    assert entry.data["makeup_workdays"] == ["2027-06-19"]
    [event] = calendar_events
    assert event["school_ids"] is None and event["staff_ids"] is None
    assert (event["start"], event["end"]) == (dt.date(2027, 1, 1), dt.date(2027, 12, 31))
    assert event["sender"] is OfficeCalendarYear and event["in_transaction"]


def test_big5_file(clerk):
    rows = office_calendar_rows(2027, CHANGES_2027)
    content = to_csv(rows, "cp950")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")  # really not UTF-8

    [calendar] = office_calendar_import(actor=clerk.user, content=content, source_name="116年.csv")

    assert calendar.encoding == "Big5"
    assert OfficeCalendarDay.objects.get(date=dt.date(2027, 1, 1)).note == "中華民國開國紀念日"
    assert duty_day(clerk, MAKEUP_SAT).has_duty


def test_real_2025_layout_gives_the_known_make_up_saturday(clerk):
    """The published 2025 file: 1/27 off (小年夜), 2/8 (Saturday) worked."""
    rows = office_calendar_rows(
        2025, {dt.date(2025, 1, 27): (2, "小年夜"), dt.date(2025, 2, 8): (0, "補行上班")}
    )
    office_calendar_import(actor=None, content=to_csv(rows), source_name="114年中華民國政府行政機關辦公日曆表.csv")
    assert duty_day(clerk, dt.date(2025, 1, 27)).label == "小年夜"
    assert duty_day(clerk, dt.date(2025, 2, 8)).reason == Reason.MAKEUP_WORKDAY


def test_bad_rows_are_all_reported_and_nothing_is_written(clerk, calendar_events):
    rows = office_calendar_rows(2027)
    rows[3] = ["2027013", "日", "2", ""]  # line 4: not a date
    rows[10] = ["20270110", "一", "2", ""]  # line 11: 2027-01-10 is a Sunday
    rows[20] = ["20270120", "三", "1", ""]  # line 21: 是否放假 must be 0 or 2
    rows[30] = list(rows[29])  # line 31: duplicates line 30 (and so 2027-01-30 is missing)
    rows[40] = ["20270209"]  # line 41: too few columns
    with pytest.raises(OfficeCalendarImportError) as caught:
        office_calendar_import(actor=None, content=to_csv(rows), source_name="bad.csv")

    err = caught.value
    assert err.code == "office_calendar_invalid"
    joined = "\n".join(err.errors)
    for line in (4, 11, 21, 31, 41):
        assert f"第 {line} 列" in joined
    assert "星期「一」與日期 2027-01-10（星期日）不符" in joined
    assert "2027 年缺少" in joined and "2027-01-03" in joined and "2027-01-30" in joined
    assert len(err.errors) == 6
    assert not OfficeCalendarYear.objects.exists()
    assert not OfficeCalendarDay.objects.exists()
    assert calendar_events == []


def test_a_bad_file_leaves_the_earlier_import_alone(clerk):
    office_calendar_import(actor=None, content=to_csv(office_calendar_rows(2027, CHANGES_2027)))
    bad = office_calendar_rows(2027)
    bad[5][2] = "X"
    with pytest.raises(OfficeCalendarImportError):
        office_calendar_import(actor=None, content=to_csv(bad))
    assert OfficeCalendarDay.objects.filter(date__year=2027).count() == 365
    assert duty_day(clerk, MAKEUP_SAT).has_duty


def test_reimport_replaces_the_year(clerk):
    office_calendar_import(actor=None, content=to_csv(office_calendar_rows(2027, CHANGES_2027)))
    office_calendar_import(actor=None, content=to_csv(office_calendar_rows(2027)))  # the revised file (修正版)
    assert OfficeCalendarYear.objects.count() == 1
    assert OfficeCalendarDay.objects.filter(date__year=2027).count() == 365
    assert duty_day(clerk, MAKEUP_SAT).reason == Reason.WEEKEND
    assert AuditEntry.objects.filter(action="schedules.office_calendar_imported").last().data["replaced"] is False
    assert AuditEntry.objects.filter(action="schedules.office_calendar_imported").first().data["replaced"] is True


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "檔案是空的"),
        ("日期,星期,放假\n20270101,五,2\n".encode(), "標題應為"),
        (b"\xff\xfe\x00\x00garbage\x81", "無法辨識檔案編碼"),
    ],
    ids=["empty", "wrong header", "unknown encoding"],
)
def test_unreadable_files(db, content, message):
    with pytest.raises(OfficeCalendarImportError) as caught:
        office_calendar_import(actor=None, content=content)
    assert message in caught.value.errors[0]
