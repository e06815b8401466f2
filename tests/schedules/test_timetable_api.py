"""Timetables through the REST API: read (whole semester, per teacher, per class) by anyone of the school,
and pushed by a timetabling system (academic affairs only) with the page import's all-or-nothing report."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from schedules.models import Semester, TimetableEntry
from schedules.timetables_services import bell_schedule_ensure_standard

pytestmark = pytest.mark.django_db


@pytest.fixture
def semester(people):
    bell_schedule_ensure_standard(school=people["school"])
    return Semester.objects.create(school=people["school"], school_year=114, term=1,
                                   start_date=dt.date(2025, 8, 30), end_date=dt.date(2026, 1, 20))


def api(staff) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff.user)
    return client


def rows(people) -> list[dict]:
    t, o = people["teacher"].employee_no, people["other_teacher"].employee_no
    return [
        {"employee_no": t, "weekday": 1, "period": 1, "class_name": "高一3班", "subject": "國文", "room": "301"},
        {"employee_no": t, "weekday": "二", "period": "第三節", "class_name": "高一 5 班", "subject": "國文"},
        {"teacher_name": "李導師", "weekday": "Thu", "period": 2, "class_name": "高二 1 班", "subject": "國文"},
        {"employee_no": o, "weekday": 5, "period": "早自習", "class_name": "高二 1 班", "subject": "早自習"},
    ]


def snapshot():
    return sorted(TimetableEntry.objects.values_list("teacher_id", "weekday", "period_id", "class_name", "subject"))


def test_a_timetabling_system_pushes_a_timetable_and_anyone_of_the_school_reads_it(people, semester):
    pushed = api(people["academic"]).post("/api/schedules/timetables/import/",
                                          {"semester": "114-1", "rows": rows(people)}, format="json")
    assert pushed.status_code == 200, pushed.content
    assert pushed.json() == {"semester": semester.pk, "created": 4, "teachers": 2, "replaced": 0,
                             "classes": ["高一 3 班", "高一 5 班", "高二 1 班"]}
    reader = api(people["other_teacher"])
    whole = reader.get("/api/schedules/timetables/").json()  # the current semester by default
    assert whole["count"] == 4
    assert [(e["teacher"]["name"], e["weekday"], e["period"], e["class_name"]) for e in whole["results"]] == [
        ("王老師", 1, 1, "高一 3 班"), ("王老師", 2, 3, "高一 5 班"), ("李導師", 4, 2, "高二 1 班"),
        ("李導師", 5, 0, "高二 1 班"),
    ]
    first = whole["results"][0]
    assert (first["division"], first["starts"], first["ends"], first["room"]) == ("senior", "08:10:00", "09:00:00",
                                                                                   "301")
    mine = reader.get("/api/schedules/timetables/", {"teacher": people["teacher"].pk, "semester": semester.pk})
    assert [e["class_name"] for e in mine.json()["results"]] == ["高一 3 班", "高一 5 班"]
    by_class = reader.get("/api/schedules/timetables/", {"class_name": "高二 1 班", "semester": "114-1"})
    assert [e["subject"] for e in by_class.json()["results"]] == ["國文", "早自習"]


def test_a_bad_row_changes_nothing_and_is_reported_by_its_row_number(people, semester):
    client = api(people["academic"])
    client.post("/api/schedules/timetables/import/", {"semester": "114-1", "rows": rows(people)}, format="json")
    before = snapshot()
    bad = [
        *rows(people)[:2],
        {"employee_no": "NOPE", "weekday": 9, "period": 1, "class_name": "高一 1 班", "subject": "國文"},
        {"employee_no": people["teacher"].employee_no, "weekday": 1, "period": 1, "class_name": "高一 3 班",
         "subject": ""},
    ]
    r = client.post("/api/schedules/timetables/import/", {"semester": "114-1", "rows": bad}, format="json")
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "invalid_rows" and body["detail"]
    # Numbered as the page numbers a file's lines (header = row 1): rows[2] is row 4, rows[3] row 5.
    assert [(e["row"], e["message"]) for e in body["errors"]] == [
        (4, "找不到教師編號「NOPE」"), (4, "星期「9」無法辨識"), (5, "未填科目"),
        (5, "與第 2 列重複：同一位教師同一時段排了兩堂課"),
    ]
    assert snapshot() == before


def test_the_csv_file_of_the_page_import_is_taken_too(people, semester):
    text = "教師編號,星期,節次,班級,科目\n{t},1,1,高一3班,國文\n{t},1,99,高一3班,國文\n".format(
        t=people["teacher"].employee_no)
    upload = SimpleUploadedFile("課表.csv", text.encode("big5"), content_type="text/csv")
    r = api(people["academic"]).post("/api/schedules/timetables/import/", {"semester": "114-1", "file": upload},
                                     format="multipart")
    assert r.status_code == 400 and [e["row"] for e in r.json()["errors"]] == [3]  # the file's own line
    assert not TimetableEntry.objects.exists()


def test_only_academic_affairs_import_and_other_schools_read_nothing(people, semester):
    body = {"semester": "114-1", "rows": rows(people)}
    for who in ("teacher", "unit_head", "personnel", "outsider"):
        r = api(people[who]).post("/api/schedules/timetables/import/", body, format="json")
        assert r.status_code == 403, who
    assert not TimetableEntry.objects.exists()
    api(people["academic"]).post("/api/schedules/timetables/import/", body, format="json")
    outsider = api(people["outsider"])
    assert outsider.get("/api/schedules/timetables/").json()["count"] == 0
    r = outsider.get("/api/schedules/timetables/", {"semester": semester.pk})
    assert r.status_code == 400 and "semester" in r.json()
    assert APIClient().get("/api/schedules/timetables/").status_code in (401, 403)


@pytest.mark.parametrize(("body", "field"), [
    ({"rows": []}, "semester"),
    ({"semester": "115-3", "rows": []}, "semester"),
    ({"semester": "999-1", "rows": []}, "semester"),
    ({"semester": "114-1"}, "rows"),
    ({"semester": "114-1", "rows": [{"weekday": {"a": 1}}]}, "rows"),
])
def test_bad_requests_are_400s_with_the_field(people, semester, body, field):
    r = api(people["academic"]).post("/api/schedules/timetables/import/", body, format="json")
    assert r.status_code == 400 and field in r.json(), r.json()


def test_reading_a_semester_costs_the_same_whatever_its_size(people, semester, django_assert_num_queries):
    api(people["academic"]).post("/api/schedules/timetables/import/", {"semester": "114-1", "rows": rows(people)},
                                 format="json")
    reader = api(people["teacher"])
    # staff with school (1), roles (1), the semester (1), count (1), the rows with teacher and period (1)
    with django_assert_num_queries(5):
        assert reader.get("/api/schedules/timetables/", {"semester": "114-1"}).json()["count"] == 4
