"""The personnel office's calendar pages, and who may not use them."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEntry
from schedules.models import OfficeCalendarYear, SchoolDay, Semester, TyphoonDay, WorkSchedule
from schedules.services import school_day_create, typhoon_day_declare
from tests.factories import make_school
from tests.schedules.helpers import add_semesters_114_115, office_calendar_rows, to_csv

NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
DAY = dt.date(2026, 11, 27)

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield



# --- the month view ----------------------------------------------------------------------------


def test_month_view_shows_roc_dates_labels_and_my_window(people, client_for, django_assert_max_num_queries):
    school = people["school"]
    add_semesters_114_115(school)
    school_day_create(actor=None, school=school, day=DAY, kind=SchoolDay.Kind.DAY_OFF, label="校慶補假")
    client = client_for(people["teacher"])
    # savepoint and release (ATOMIC_REQUESTS), session, user, staff with school and unit; the calendar:
    # office days, school days ∪ typhoons, semesters, personal schedules, category schedules; the layout:
    # roles, headed units, unread notices.
    with django_assert_max_num_queries(13):
        response = client.get(reverse("schedules:calendar"), {"month": "2026-11"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "民國 115 年 11 月" in html
    assert "校慶補假" in html
    assert "115/11/23（一）" in html
    assert "08:00–16:00" in html  # the subject teacher's window
    days = {c.day.day: c for week in response.context["cal"].weeks for c in week if c}
    assert days[DAY].day.reason == "school_day_off"
    assert days[dt.date(2026, 11, 28)].day.reason == "weekend"


def test_month_view_of_another_school_only_for_system_admins(people, client_for, sysadmin):
    other = people["outsider"].school
    response = client_for(people["teacher"]).get(reverse("schedules:calendar"), {"school": other.code})
    assert response.context["cal"].school == people["school"]  # the parameter is ignored
    response = client_for(sysadmin).get(reverse("schedules:calendar"), {"school": other.code})
    assert response.context["cal"].school == other


def test_menu_links_by_role(people, client_for):
    teacher_html = client_for(people["teacher"]).get(reverse("schedules:calendar")).content.decode()
    assert reverse("schedules:calendar") in teacher_html
    assert reverse("schedules:typhoons") not in teacher_html
    personnel_html = client_for(people["personnel"]).get(reverse("schedules:calendar")).content.decode()
    for name in ("typhoons", "school_days", "office_calendar", "work_schedules"):
        assert reverse(f"schedules:{name}") in personnel_html


# --- the office calendar import --------------------------------------------------------------------


def _upload(content: bytes, name: str = "116年中華民國政府行政機關辦公日曆表.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_personnel_imports_the_office_calendar(people, client_for):
    client = client_for(people["personnel"])
    assert client.get(reverse("schedules:office_calendar")).status_code == 200
    content = to_csv(office_calendar_rows(2027, {dt.date(2027, 6, 19): (0, "補行上班")}), "cp950")
    response = client.post(reverse("schedules:office_calendar"), {"file": _upload(content)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("schedules:office_calendar")
    assert "已匯入 2027 年" in response.content.decode()
    assert OfficeCalendarYear.objects.get().encoding == "Big5"


def test_import_page_lists_every_bad_row_and_writes_nothing(people, client_for):
    rows = office_calendar_rows(2027)
    rows[2][1] = "日"
    rows[9][2] = "9"
    client = client_for(people["personnel"])
    response = client.post(reverse("schedules:office_calendar"), {"file": _upload(to_csv(rows))})
    assert response.status_code == 200
    html = response.content.decode()
    assert "第 3 列" in html and "第 10 列" in html
    assert "沒有匯入任何資料" in html
    assert not OfficeCalendarYear.objects.exists()


@pytest.mark.parametrize("who", ["teacher", "unit_head", "principal", "academic"])
def test_only_personnel_and_system_admins_import(people, client_for, who):
    client = client_for(people[who])
    assert client.get(reverse("schedules:office_calendar")).status_code == 403
    content = to_csv(office_calendar_rows(2027))
    assert client.post(reverse("schedules:office_calendar"), {"file": _upload(content)}).status_code == 403
    assert not OfficeCalendarYear.objects.exists()


# --- school days and semesters -----------------------------------------------------------------------


def test_personnel_manages_school_days(people, client_for):
    client = client_for(people["personnel"])
    url = reverse("schedules:school_days")
    response = client.post(url, {"date": "2026-11-27", "kind": "day_off", "label": "校慶補假"})
    assert response.status_code == 302
    entry = SchoolDay.objects.get(school=people["school"])
    # A rule the service enforces shows on the page, nothing changes.
    response = client.post(url, {"date": "2026-11-23", "kind": "makeup_day", "label": "補課"})
    assert response.status_code == 200
    assert "本來就是上班日" in response.content.decode()
    assert SchoolDay.objects.count() == 1

    edit = reverse("schedules:school_day_edit", args=[entry.pk])
    response = client.post(edit, {"date": "2026-11-27", "kind": "day_off", "label": "校慶補假（70 週年）"})
    assert response.status_code == 302
    assert SchoolDay.objects.get().label == "校慶補假（70 週年）"
    assert client.post(reverse("schedules:school_day_delete", args=[entry.pk])).status_code == 302
    assert not SchoolDay.objects.exists()
    audited = AuditEntry.objects.filter(action__startswith="schedules.school_day_", actor=people["personnel"].user)
    assert audited.count() == 3


@pytest.mark.parametrize("who", ["teacher", "unit_head", "principal"])
def test_school_days_page_is_for_the_personnel_office(people, client_for, who):
    client = client_for(people[who])
    url = reverse("schedules:school_days")
    assert client.get(url).status_code == 403
    assert client.post(url, {"date": "2026-11-27", "kind": "day_off", "label": "校慶補假"}).status_code == 403
    assert not SchoolDay.objects.exists()


def test_personnel_of_another_school_cannot_touch_ours(people, client_for):
    entry = school_day_create(
        actor=None, school=people["school"], day=DAY, kind=SchoolDay.Kind.DAY_OFF, label="校慶補假"
    )
    semester = Semester.objects.create(school=people["school"], school_year=115, term=1,
                                       start_date=dt.date(2026, 8, 31), end_date=dt.date(2027, 1, 20))
    client = client_for(people["outsider"])
    assert client.get(reverse("schedules:school_day_edit", args=[entry.pk])).status_code == 404
    assert client.post(reverse("schedules:school_day_edit", args=[entry.pk]),
                       {"date": "2026-11-26", "kind": "day_off", "label": "x"}).status_code == 404
    assert client.post(reverse("schedules:school_day_delete", args=[entry.pk])).status_code == 404
    assert client.post(reverse("schedules:semester_delete", args=[semester.pk])).status_code == 404
    assert client.get(reverse("schedules:semester_edit", args=[semester.pk])).status_code == 404
    # ?school= does not lend another school's rights either.
    response = client.post(reverse("schedules:school_days") + f"?school={people['school'].code}",
                           {"date": "2026-11-26", "kind": "day_off", "label": "x"})
    assert SchoolDay.objects.filter(school=people["school"]).count() == 1
    assert response.status_code in (200, 302)
    assert not SchoolDay.objects.filter(label="x", school=people["school"]).exists()
    entry.refresh_from_db()
    assert entry.date == DAY
    assert Semester.objects.filter(pk=semester.pk).exists()


def test_personnel_adds_a_semester(people, client_for):
    client = client_for(people["personnel"])
    response = client.post(reverse("schedules:semester_new"),
                           {"school_year": 115, "term": 1, "start_date": "2026-08-31", "end_date": "2027-01-20"})
    assert response.status_code == 302
    semester = Semester.objects.get(school=people["school"])
    response = client.post(reverse("schedules:semester_new"),
                           {"school_year": 115, "term": 1, "start_date": "2026-08-31", "end_date": "2027-01-20"})
    assert response.status_code == 200  # the same term twice: an error on the page, not a 500
    assert Semester.objects.count() == 1
    assert client.post(reverse("schedules:semester_edit", args=[semester.pk]),
                       {"school_year": 115, "term": 1, "start_date": "2026-09-01",
                        "end_date": "2027-01-20"}).status_code == 302
    assert Semester.objects.get().start_date == dt.date(2026, 9, 1)


# --- typhoon days ----------------------------------------------------------------------------------------


def test_teacher_cannot_declare_a_typhoon_day(people, client_for):
    client = client_for(people["teacher"])
    url = reverse("schedules:typhoons")
    assert client.get(url).status_code == 403
    assert client.post(url, {"date": "2026-11-27", "scope": people["school"].code, "label": ""}).status_code == 403
    assert not TyphoonDay.objects.exists()


def test_personnel_declares_for_their_own_school_only(people, client_for):
    client = client_for(people["personnel"])
    url = reverse("schedules:typhoons")
    response = client.post(url, {"date": "2026-11-27", "scope": "all", "label": ""})
    assert response.status_code == 200 and not TyphoonDay.objects.exists()  # "all" is not offered to them
    other = people["outsider"].school
    response = client.post(url, {"date": "2026-11-27", "scope": other.code, "label": ""})
    assert response.status_code == 200 and not TyphoonDay.objects.exists()
    response = client.post(url, {"date": "2026-11-27", "scope": people["school"].code, "label": ""})
    assert response.status_code == 200 and not TyphoonDay.objects.exists()  # first the preview
    assert response.context["preview"]["people"] == people["school"].staff.filter(is_active=True).count()
    response = client.post(url, {"date": "2026-11-27", "scope": people["school"].code, "label": "", "confirm": "1"})
    assert response.status_code == 302
    typhoon = TyphoonDay.objects.get()
    assert typhoon.school == people["school"] and typhoon.label == "颱風停班停課"
    assert typhoon.declared_by == people["personnel"].user


def test_system_admin_declares_for_all_schools_and_personnel_cannot_withdraw_it(people, client_for, sysadmin):
    response = client_for(sysadmin).post(reverse("schedules:typhoons"), {"date": "2026-11-27", "scope": "all",
                                                                         "label": "颱風停班停課", "confirm": "1"})
    assert response.status_code == 302
    typhoon = TyphoonDay.objects.get(school__isnull=True)
    client = client_for(people["personnel"])
    assert client.post(reverse("schedules:typhoon_withdraw", args=[typhoon.pk])).status_code == 403
    assert TyphoonDay.objects.filter(pk=typhoon.pk).exists()
    client = client_for(sysadmin)
    assert client.post(reverse("schedules:typhoon_withdraw", args=[typhoon.pk])).status_code == 302
    assert not TyphoonDay.objects.exists()


def test_other_schools_personnel_cannot_withdraw_our_typhoon_day(people, client_for):
    typhoon = typhoon_day_declare(actor=None, day=DAY, school=people["school"])
    withdraw = reverse("schedules:typhoon_withdraw", args=[typhoon.pk])
    assert client_for(people["outsider"]).post(withdraw).status_code == 404
    assert client_for(people["teacher"]).post(withdraw).status_code == 403
    assert TyphoonDay.objects.filter(pk=typhoon.pk).exists()
    response = client_for(people["personnel"]).get(reverse("schedules:typhoons"))
    assert [t for t, _may in response.context["rows"]] == [typhoon]


def test_a_second_declaration_shows_the_reason(people, client_for, sysadmin):
    typhoon_day_declare(actor=None, day=DAY, school=None)
    response = client_for(people["personnel"]).post(
        reverse("schedules:typhoons"), {"date": DAY.isoformat(), "scope": people["school"].code, "label": ""}
    )
    assert response.status_code == 200
    assert "已宣布全市停班停課" in response.content.decode()


# --- work schedules ---------------------------------------------------------------------------------------


def test_personnel_seeds_work_schedules(people, client_for):
    client = client_for(people["personnel"])
    assert "尚未建立班別" in client.get(reverse("schedules:work_schedules")).content.decode()
    assert client.post(reverse("schedules:work_schedules_seed")).status_code == 302
    html = client.get(reverse("schedules:work_schedules")).content.decode()
    assert "國中部導師" in html and "07:30" in html
    assert WorkSchedule.objects.filter(school=people["school"]).count() == 5


@pytest.mark.parametrize("who", ["teacher", "principal", "outsider"])
def test_work_schedules_page_denied(people, client_for, who):
    client = client_for(people[who])
    if who == "outsider":  # personnel elsewhere: sees their own school, never ours
        client.post(reverse("schedules:work_schedules_seed") + f"?school={people['school'].code}")
        assert not WorkSchedule.objects.filter(school=people["school"]).exists()
        return
    assert client.get(reverse("schedules:work_schedules")).status_code == 403
    assert client.post(reverse("schedules:work_schedules_seed")).status_code == 403
    assert not WorkSchedule.objects.exists()


def test_superuser_without_staff_record_picks_a_school(db, client):
    from staff.models import User

    school = make_school()
    admin = User.objects.create_superuser("root", "root@example.test", "x")
    client.force_login(admin)
    response = client.get(reverse("schedules:school_days"), {"school": school.code})
    assert response.status_code == 200 and response.context["school"] == school


def test_every_page_opens_for_the_personnel_office(people, client_for):
    school = people["school"]
    add_semesters_114_115(school)
    entry = school_day_create(actor=None, school=school, day=DAY, kind=SchoolDay.Kind.EXAM, label="期中考")
    typhoon_day_declare(actor=None, day=dt.date(2026, 9, 1), school=school)
    semester = Semester.objects.filter(school=school).first()
    client = client_for(people["personnel"])
    for url in (
        reverse("schedules:calendar"),
        reverse("schedules:calendar") + "?month=2026-01",
        reverse("schedules:calendar") + "?month=garbage",
        reverse("schedules:office_calendar"),
        reverse("schedules:school_days"),
        reverse("schedules:school_days") + "?year=114",
        reverse("schedules:school_day_edit", args=[entry.pk]),
        reverse("schedules:semester_new"),
        reverse("schedules:semester_edit", args=[semester.pk]),
        reverse("schedules:typhoons"),
        reverse("schedules:work_schedules"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    html = client.get(reverse("schedules:school_days") + "?year=115").content.decode()
    assert "115/11/27" in html and "期中考" in html
    assert "115 學年度第 1 學期" in html
