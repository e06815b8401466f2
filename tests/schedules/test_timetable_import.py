"""The timetable CSV import: encodings, every bad row reported by line, all or nothing."""

import codecs
import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEntry
from schedules.models import BellPeriod, Semester, TimetableEntry
from schedules.timetables_services import TimetableError, bell_schedule_ensure_standard, timetable_import

pytestmark = pytest.mark.django_db

GOOD = """教師編號,教師姓名,星期,節次,班級,科目,教室
{t},王老師,1,1,高一3班,國文,301
{t},王老師,二,3,高一 5 班,國文,305
{o},李導師,星期四,2,高二 1 班,國文,
{o},李導師,5,早自習,高二 1 班,早自習,
{h},陳主任,3,2,國二1班,數學,201
"""


@pytest.fixture
def semester(people):
    school = people["school"]
    bell_schedule_ensure_standard(school=school)
    return Semester.objects.create(
        school=school, school_year=114, term=1, start_date=dt.date(2025, 8, 30), end_date=dt.date(2026, 1, 20)
    )


def csv_for(people, text=GOOD):
    return text.format(t=people["teacher"].employee_no, o=people["other_teacher"].employee_no,
                       h=people["unit_head"].employee_no)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "big5", "cp950"])
def test_import_reads_utf8_bom_and_big5(people, semester, encoding):
    data = csv_for(people).encode(encoding)
    if encoding == "utf-8-sig":
        assert data.startswith(codecs.BOM_UTF8)
    result = timetable_import(semester=semester, data=data, actor=people["academic"].user)
    assert (result.created, result.teachers) == (5, 3)
    rows = {
        (e.teacher.name, e.weekday, e.period.division, e.period.number, e.class_name, e.subject, e.room)
        for e in TimetableEntry.objects.select_related("teacher", "period")
    }
    assert rows == {
        ("王老師", 1, "senior", 1, "高一 3 班", "國文", "301"),
        ("王老師", 2, "senior", 3, "高一 5 班", "國文", "305"),
        ("李導師", 4, "senior", 2, "高二 1 班", "國文", ""),
        ("李導師", 5, "senior", 0, "高二 1 班", "早自習", ""),
        ("陳主任", 3, "junior", 2, "國二 1 班", "數學", "201"),  # 國二 → 國中部 bells
    }
    assert AuditEntry.objects.filter(action="schedules.timetable_imported").count() == 1


def test_every_bad_row_is_reported_and_nothing_changes(people, semester):
    timetable_import(semester=semester, data=csv_for(people).encode())
    before = list(TimetableEntry.objects.values_list("pk", flat=True))
    bad = csv_for(people, """教師編號,星期,節次,班級,科目
{t},1,1,高一 3 班,國文
X999,1,2,高一 3 班,國文
{t},八,2,高一 3 班,國文
{t},2,12,高一 3 班,國文
{o},3,1,,國文
{t},1,1,高一 4 班,國文
{o},3,1,三年級,
""")
    with pytest.raises(TimetableError) as exc:
        timetable_import(semester=semester, data=bad.encode("big5"))
    assert exc.value.code == "invalid_rows"
    got = [str(e) for e in exc.value.errors]
    assert got == [
        "第 3 列：找不到教師編號「X999」",
        "第 4 列：星期「八」無法辨識",
        "第 5 列：高中部作息表沒有「12」",
        "第 6 列：未填班級",
        "第 7 列：與第 2 列重複：同一位教師同一時段排了兩堂課",
        "第 8 列：未填科目",
        "第 8 列：無法判斷「三年級」屬於高中部或國中部，請加「部別」欄",
    ]
    assert list(TimetableEntry.objects.values_list("pk", flat=True)) == before


def test_teacher_by_name_and_refusals(people, semester):
    by_name = "教師姓名,星期,節次,班級,科目\n王老師,1,1,高一 3 班,國文\n"
    assert timetable_import(semester=semester, data=by_name.encode()).created == 1
    with pytest.raises(TimetableError) as exc:
        timetable_import(semester=semester, data="姓名,星期\n王老師,1\n".encode())
    assert exc.value.code == "missing_columns" and "節次" in str(exc.value.message)
    with pytest.raises(TimetableError) as exc:
        timetable_import(semester=semester, data=b"\xff\xfe\x00\x01\x80\x81")
    assert exc.value.code in {"encoding", "missing_columns", "empty"}
    with pytest.raises(TimetableError) as exc:
        timetable_import(semester=semester, data="教師姓名,星期,節次,班級,科目\n".encode())
    assert exc.value.code == "empty"


def test_reimport_replaces_the_semester(people, semester):
    timetable_import(semester=semester, data=csv_for(people).encode())
    one = "教師姓名,星期,節次,班級,科目\n王老師,1,1,高一 3 班,國文\n"
    result = timetable_import(semester=semester, data=one.encode())
    assert (result.created, result.replaced) == (1, 5)
    assert TimetableEntry.objects.count() == 1


def test_management_command(people, semester, tmp_path, capsys):
    path = tmp_path / "timetable.csv"
    path.write_bytes(csv_for(people).encode("big5"))
    call_command("import_timetable", str(path), "--school", "563401", "--semester", "114-1")
    assert "5 periods" in capsys.readouterr().out
    path.write_bytes("教師編號,星期,節次,班級,科目\nX1,1,1,高一 3 班,國文\n".encode())
    with pytest.raises(CommandError):
        call_command("import_timetable", str(path), "--school", "563401", "--semester", "114-1")
    assert "第 2 列" in capsys.readouterr().err
    assert TimetableEntry.objects.count() == 5


def test_standard_bells_are_idempotent_and_keep_edits(people):
    school = people["school"]
    assert bell_schedule_ensure_standard(school=school) == 19  # 10 高中部 + 9 國中部
    p1 = BellPeriod.objects.get(school=school, division="senior", number=1)
    assert (p1.minutes, BellPeriod.objects.get(school=school, division="junior", number=1).minutes) == (50, 45)
    p1.start = dt.time(8, 5)
    p1.save()
    assert bell_schedule_ensure_standard(school=school) == 0
    p1.refresh_from_db()
    assert p1.start == dt.time(8, 5)
