"""Timetable pages: weekly grids per teacher and per class, the import page for academic affairs."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from schedules.models import Semester, TimetableEntry
from schedules.timetables_services import bell_schedule_ensure_standard, timetable_import

pytestmark = pytest.mark.django_db

CSV = (
    "教師姓名,星期,節次,班級,科目,教室\n"
    "王老師,1,1,高一 3 班,國文,301\n李導師,1,2,高一 3 班,英文,\n王老師,3,4,高二 1 班,國文,\n"
)


@pytest.fixture
def semester(people):
    bell_schedule_ensure_standard(school=people["school"])
    semester = Semester.objects.create(
        school=people["school"], school_year=114, term=1, start_date=dt.date(2025, 8, 30),
        end_date=dt.date(2026, 1, 20),
    )
    timetable_import(semester=semester, data=CSV.encode())
    return semester


def test_teacher_and_class_timetables(people, semester, client_for, django_assert_max_num_queries):
    client = client_for(people["other_teacher"])  # any staff of the school may read timetables
    url = f"/schedules/timetables/teacher/{people['teacher'].pk}/?semester={semester.pk}"
    # Layout: session, user, staff with school and unit, roles, headed units, unread notices (6).
    # Page: teacher, semester, the teacher's rows with periods, the bell schedule (4).
    # ATOMIC_REQUESTS: savepoint and release (2).
    with django_assert_max_num_queries(12):
        r = client.get(url)
    assert r.status_code == 200
    html = r.content.decode()
    assert "王老師" in html and "高一 3 班" in html and "高二 1 班" in html and "301" in html
    grid = r.context["grid"]
    assert grid.count == 2
    row1 = next(row for row in grid.rows if row.period.number == 1 and row.period.division == "senior")
    assert [len(c) for c in row1.cells] == [1, 0, 0, 0, 0]

    r = client.get("/schedules/timetables/class/", {"semester": semester.pk, "name": "高一 3 班"})
    assert r.status_code == 200
    assert "李導師" in r.content.decode() and r.context["grid"].count == 2

    index = client.get("/schedules/timetables/")
    assert index.status_code == 200 and "高二 1 班" in index.content.decode()


def test_other_schools_see_nothing(people, semester, client_for):
    client = client_for(people["outsider"])
    assert client.get(f"/schedules/timetables/teacher/{people['teacher'].pk}/").status_code == 404
    assert client.get("/schedules/timetables/class/", {"semester": semester.pk, "name": "高一 3 班"}).status_code == 404


def test_import_page_only_for_academic_affairs(people, semester, client_for):
    for who in ("teacher", "unit_head", "personnel", "principal"):
        assert client_for(people[who]).get("/schedules/timetables/import/").status_code == 403
    client = client_for(people["academic"])
    assert client.get("/schedules/timetables/import/").status_code == 200

    bad = "教師姓名,星期,節次,班級,科目\n王老師,1,1,高一 3 班,國文\n無此人,9,1,高一 3 班,國文\n"
    r = client.post("/schedules/timetables/import/", {
        "semester": semester.pk, "file": SimpleUploadedFile("t.csv", bad.encode("big5"), "text/csv"),
    })
    assert r.status_code == 200
    html = r.content.decode()
    assert "第 3 列：找不到教師「無此人」" in html and "第 3 列：星期「9」無法辨識" in html
    assert TimetableEntry.objects.count() == 3  # unchanged

    good = "教師姓名,星期,節次,班級,科目\n王老師,2,1,高一 3 班,國文\n"
    r = client.post("/schedules/timetables/import/", {
        "semester": semester.pk, "file": SimpleUploadedFile("t.csv", ("\ufeff" + good).encode(), "text/csv"),
    })
    assert r.status_code == 302
    assert list(TimetableEntry.objects.values_list("weekday", flat=True)) == [2]
