"""The city (教育局) opens any school's month sheet read-only: its cells and the day behind one, no edit link or
form, anything but GET refused, every read audited; nobody else opens another school's sheet, whatever their role,
and the page costs the same whatever the school's size."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attendance.models import DailyResult, DailyStatus, Punch, PunchKind
from audit.models import AuditEntry
from staff.models import Role
from tests.clock import at
from tests.factories import make_school, make_staff, make_unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_1_september_2025")]

LATE_DAY = dt.date(2025, 8, 29)  # a Friday of the month before: its results are final
ROLES = ("teacher", "unit_head", "other_head", "other_teacher", "personnel", "principal", "academic", "outsider")


@pytest.fixture
def city(school):
    bureau = make_school(code="000001", name="高雄市政府教育局")
    return make_staff(bureau, unit=make_unit(bureau, "中等教育科"), name="教育局承辦", roles=(Role.CITY,))


@pytest.fixture
def late(school):
    teacher = school["teacher"]
    Punch.objects.create(staff=teacher, work_date=LATE_DAY, kind=PunchKind.IN, at=at(LATE_DAY, "08:10:00"))
    Punch.objects.create(staff=teacher, work_date=LATE_DAY, kind=PunchKind.OUT, at=at(LATE_DAY, "16:05:00"))
    DailyResult.objects.create(school=teacher.school, staff=teacher, date=LATE_DAY, status=DailyStatus.LATE,
                               late_minutes=10, computed_at=timezone.now())
    return teacher


def _sheet_url(school_obj) -> str:
    return reverse("offices:city_sheet", args=[school_obj.pk])


def _day_url(school_obj) -> str:
    return reverse("offices:city_sheet_day", args=[school_obj.pk])


def _content(page) -> str:
    """The page's own part (the layout's language switch and sign-out are forms of every page)."""
    return page.content.decode().split("<main", 1)[1].split("</main>", 1)[0]


def test_the_city_reads_a_schools_sheet_and_a_day_read_only_and_every_read_is_audited(school, city, late,
                                                                                       client_for):
    client, target = client_for(city), school["school"]
    overview = client.get(reverse("offices:city_school", args=[target.pk]), {"month": "2025-08"}).content.decode()
    assert f'href="{_sheet_url(target)}?month=2025-08"' in overview  # the school's overview opens its sheet
    page = client.get(_sheet_url(target), {"month": "2025-08"})
    assert page.status_code == 200
    body = _content(page)
    assert f'data-testid="cell-{late.pk}-2025-08-29" data-key="late"' in body and "遲10" in body
    day_link = f'{_day_url(target)}?staff={late.pk}&amp;date=2025-08-29'
    assert day_link in body
    assert f'data-testid="total-late-{late.pk}">1<' in body
    # Read-only: no form that changes anything, no link into the school's own pages.
    assert not re.search(r"<form[^>]*method=\"?post", body, re.I)
    for name in ("attendance:start_date", "attendance:sheet_print", "attendance:sheet_export",
                 "attendance:correction_new", "attendance:corrections", "attendance:sheet"):
        assert f'href="{reverse(name)}' not in body, name
    assert reverse("attendance:sheet_day", args=[late.pk]) not in body
    entry = AuditEntry.objects.get(action="offices.city_sheet_viewed")
    assert entry.actor == city.user and str(entry.target_id) == str(target.pk) and entry.school_id == target.pk
    assert entry.data == {"month": "2025-08", "unit": None, "category": ""}

    day = client.get(_day_url(target), {"staff": late.pk, "date": "2025-08-29"})
    assert day.status_code == 200
    body = _content(day)
    assert "遲到 10 分" in body and "08:10:00" in body and "16:05:00" in body
    assert not re.search(r"<form[^>]*method=\"?post", body, re.I)
    assert reverse("attendance:staff_month", args=[late.pk, 2025, 8]) not in body
    entry = AuditEntry.objects.get(action="offices.city_day_viewed")
    assert entry.actor == city.user and str(entry.target_id) == str(late.pk) and entry.data == {"date": "2025-08-29"}

    # Filters narrow the sheet, and are audited with it.
    other = school["other_teacher"]
    page = client.get(_sheet_url(target), {"month": "2025-08", "unit": other.unit_id})
    assert f"sheet-row-{other.pk}" in page.content.decode() and f"sheet-row-{late.pk}" not in page.content.decode()
    assert AuditEntry.objects.filter(action="offices.city_sheet_viewed", data__unit=other.unit_id).exists()


def test_anything_but_a_read_is_refused_and_changes_nothing(school, city, late, client_for):
    client, target = client_for(city), school["school"]
    before = (DailyResult.objects.count(), Punch.objects.count(), AuditEntry.objects.count())
    for url in (_sheet_url(target), _day_url(target)):
        for method in ("post", "put", "patch", "delete"):
            answer = getattr(client, method)(url, {"staff": late.pk, "date": "2025-08-29"})
            assert answer.status_code == 405, (url, method)
    assert (DailyResult.objects.count(), Punch.objects.count(), AuditEntry.objects.count()) == before


def test_a_day_of_someone_not_of_that_school_or_a_school_that_is_not_is_not_found(school, city, late, client_for):
    client, target = client_for(city), school["school"]
    outsider = school["outsider"]
    assert client.get(_day_url(target), {"staff": outsider.pk, "date": "2025-08-29"}).status_code == 404
    assert client.get(_day_url(outsider.school), {"staff": late.pk, "date": "2025-08-29"}).status_code == 404
    assert client.get(_day_url(target), {"staff": "x", "date": "2025-08-29"}).status_code == 404
    assert client.get(_sheet_url(target).replace(f"/{target.pk}/", "/999999/")).status_code == 404
    assert not AuditEntry.objects.filter(action="offices.city_day_viewed").exists()
    # A month it cannot read is the current one.
    assert client.get(_sheet_url(target), {"month": "2025-13"}).context["month_value"] == "2025-09"


@pytest.mark.parametrize("role", ROLES)
def test_nobody_but_the_city_opens_a_schools_sheet_through_the_city(school, late, client_for, role):
    client = client_for(school[role])
    for target in (school["school"], school["outsider"].school):  # their own school and the other one
        assert client.get(_sheet_url(target), {"month": "2025-08"}).status_code == 403, target
        assert client.get(_day_url(target), {"staff": late.pk, "date": "2025-08-29"}).status_code == 403, target
    assert not AuditEntry.objects.filter(action__startswith="offices.city").exists()


def test_a_superuser_without_the_city_role_is_refused_too(school, late, client_for):
    admin = make_staff(school["school"], name="系統管理員", roles=(Role.SYSTEM_ADMIN,))
    admin.user.is_superuser = True
    admin.user.save()
    assert client_for(admin).get(_sheet_url(school["school"])).status_code == 403


def test_another_schools_people_never_see_this_schools_sheet(school, late, client_for):
    """Through the school's own pages: the other school's personnel sees only their own school's rows and no day
    of this school's people."""
    outsider = client_for(school["outsider"])
    page = outsider.get(reverse("attendance:sheet"), {"month": "2025-08"}).content.decode()
    assert f"sheet-row-{late.pk}" not in page and f"sheet-row-{school['outsider'].pk}" in page
    assert outsider.get(reverse("attendance:sheet_day", args=[late.pk]), {"date": "2025-08-29"}).status_code == 404
    for name in ("attendance:sheet_print", "attendance:sheet_export"):
        answer = outsider.get(reverse(name), {"month": "2025-08"})
        assert late.name.encode() not in answer.content, name


def test_the_city_sheet_costs_the_same_for_a_small_and_a_larger_school(school, city, client_for):
    client = client_for(city)
    counts = []
    for size in (3, 30):
        target = make_school(name=f"市立{size}人高中")
        unit = make_unit(target, "教務處")
        for n in range(size):
            make_staff(target, unit=unit, name=f"教師{size}-{n}")
        url = _sheet_url(target)
        client.get(url, {"month": "2025-08"})  # the month's results are computed once, on the first read
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url, {"month": "2025-08"})
        assert page.content.decode().count('class="sheet-name"') == size + 1
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
