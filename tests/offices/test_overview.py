"""The principal's and heads' overview, and the city's view (教育局): who may see them, their figures,
their audit trail and their query counts."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from attendance.models import DailyResult, DailyStatus
from audit.models import AuditEntry
from leave.services import leave_step_approve
from offices.overview import school_overview
from staff.models import Role
from tests.clock import at
from tests.factories import make_school, make_staff, make_unit
from tests.offices.test_inbox import WORKDAYS, for_the_head, leave

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_1_september_2025")]


def result(staff, day: dt.date, status: str) -> DailyResult:
    return DailyResult.objects.create(school=staff.school, staff=staff, date=day, status=status,
                                      computed_at=timezone.now())


def test_the_school_and_a_unit_see_who_is_away_and_the_months_figures(school, types):
    teacher, other = school["teacher"], school["other_teacher"]
    approved = for_the_head(school, types, WORKDAYS[0], deputy="other_teacher")  # Tue 2 Sep, 4 hours
    leave_step_approve(request=approved, actor=school["unit_head"])
    pending = leave(school, types, WORKDAYS[1], who="other_teacher", deputy="teacher")  # Wed 3 Sep
    result(teacher, dt.date(2025, 9, 1), DailyStatus.LATE)
    result(other, dt.date(2025, 9, 1), DailyStatus.ABSENT)
    result(other, dt.date(2025, 8, 29), DailyStatus.ABSENT)  # last month: not counted

    with time_machine.travel(at(2025, 9, 2, 9), tick=False):
        whole = school_overview(school["principal"])
        unit = school_overview(school["unit_head"])
    assert [(a.name, a.pending) for a in whole.away_today] == [("王老師", False)]
    cells = {u.unit: [[a.name for a in day] for day in u.days] for u in whole.units}
    assert cells["教務處"][1] == ["王老師"] and cells["學務處"][2] == ["李導師"]
    assert [a.pending for u in whole.units if u.unit == "學務處" for a in u.days[2]] == [True]
    assert {b.label: b.value for b in whole.exceptions}["遲到"] == 1
    assert {b.label: b.value for b in whole.exceptions}["缺勤"] == 1
    assert [(b.label, b.value) for b in whole.leave_by_type] == [("事假", 4)]
    assert whole.exceptions[0].url.startswith(reverse("attendance:school") + "?result=late")
    # The head of 教務處 sees their unit only: not 學務處's absence nor its pending leave.
    assert [u.unit for u in unit.units] == ["教務處"]
    assert {b.label: b.value for b in unit.exceptions}["缺勤"] == 0
    assert pending.pk not in [a.request_id for u in unit.units for day in u.days for a in day]


def test_the_overview_is_for_heads_and_the_school_wide(school, client_for):
    for who in ("principal", "personnel", "unit_head"):
        assert client_for(school[who]).get(reverse("offices:overview")).status_code == 200, who
    assert client_for(school["teacher"]).get(reverse("offices:overview")).status_code == 403


@pytest.mark.parametrize("n", [2, 12])
def test_the_overview_costs_the_same_whatever_the_people_and_leave(school, types, client_for, n,
                                                                   django_assert_num_queries):
    unit = school["units"]["student"]
    for i in range(n):
        person = make_staff(school["school"], unit=unit, name=f"教師{i}")
        result(person, dt.date(2025, 9, 1), DailyStatus.MISSING_OUT)
        leave(school, types, WORKDAYS[i % 4], who="teacher" if i == 0 else "other_teacher",
              deputy="unit_head") if i < 2 else None
    client = client_for(school["principal"])
    # 12 queries: savepoint and release; session, user with staff; roles; the people (with units); their leave
    # this week; the open cover; the month's exceptions; the month's leave by type; the menu's headed units;
    # the unread count.
    with django_assert_num_queries(12):
        assert client.get(reverse("offices:overview")).status_code == 200


@pytest.fixture
def city(school):
    bureau = make_school(code="000001", name="高雄市政府教育局")
    return make_staff(bureau, unit=make_unit(bureau, "中等教育科"), name="教育局承辦", roles=(Role.CITY,))


def test_the_city_view_refuses_anyone_but_the_city_role(school, city, client_for, django_user_model):
    for who in ("teacher", "unit_head", "personnel", "principal", "outsider"):
        assert client_for(school[who]).get(reverse("offices:city")).status_code == 403, who
        assert client_for(school[who]).get(
            reverse("offices:city_school", args=[school["school"].pk])).status_code == 403, who
    admin = make_staff(school["school"], name="系統管理員", roles=(Role.SYSTEM_ADMIN,))
    admin.user.is_superuser = True
    admin.user.save()
    assert client_for(admin).get(reverse("offices:city")).status_code == 403
    assert not AuditEntry.objects.filter(action__startswith="offices.").exists()
    assert client_for(city).get(reverse("offices:city")).status_code == 200


def test_every_city_read_is_audited(school, city, client_for):
    client = client_for(city)
    page = client.get(reverse("offices:city"), {"month": "2025-09"})
    assert "高雄市立示範高級中學" in page.content.decode()
    entry = AuditEntry.objects.get(action="offices.city_viewed")
    assert entry.actor == city.user and entry.data["month"] == "2025-09"
    assert client.get(reverse("offices:city_school", args=[school["school"].pk]), {"month": "x"}).status_code == 200
    entry = AuditEntry.objects.get(action="offices.city_school_viewed")
    assert entry.actor == city.user and str(entry.target_id) == str(school["school"].pk)
    assert entry.data["month"] == "2025-09"  # a month it cannot read is the current one
    assert client.get(reverse("offices:city_school", args=[999999])).status_code == 404


@pytest.mark.parametrize("n", [2, 8])
def test_the_city_view_costs_the_same_whatever_the_number_of_schools(school, types, city, client_for, n,
                                                                     django_assert_num_queries):
    for i in range(n):
        other = make_school(name=f"市立第{i}高中")
        person = make_staff(other, name=f"他校教師{i}")
        result(person, dt.date(2025, 9, 1), DailyStatus.LATE)
    client = client_for(city)
    # 14 queries: savepoint and release; session, user with staff; roles; the schools; the people per school;
    # exceptions, leave by type, cover, pay (one each, grouped by school); the audit entry; the menu's
    # headed units; the unread count.
    with django_assert_num_queries(14):
        page = client.get(reverse("offices:city"), {"month": "2025-09"})
    assert len(page.context["rows"]) == n + 3  # the standing school, the other one, the bureau
    late = {r.name: r.exceptions_total for r in page.context["rows"]}
    assert late["市立第0高中"] == 1


def test_only_a_superuser_hands_out_the_city_role(school, rf):
    from django.contrib import admin

    from staff.models import RoleAssignment

    model_admin = admin.site._registry[RoleAssignment]
    field = RoleAssignment._meta.get_field("role")
    request = rf.get("/")
    request.user = school["personnel"].user
    offered = {value for value, _label in model_admin.formfield_for_choice_field(field, request).choices}
    assert Role.CITY not in offered and Role.SYSTEM_ADMIN not in offered and Role.PERSONNEL in offered
    request.user.is_superuser = True
    offered = {value for value, _label in model_admin.formfield_for_choice_field(field, request).choices}
    assert Role.CITY in offered


def test_the_week_tells_pending_leave_in_words_and_names_its_type_in_the_readers_language(school, types, client_for):
    leave(school, types, WORKDAYS[1], who="other_teacher", deputy="teacher")  # pending, Wed 3 Sep
    principal = school["principal"]

    def week_table() -> str:
        page = client_for(principal).get(reverse("offices:overview")).content.decode()
        return page.split('data-testid="away-week"')[1].split("</table>")[0]

    with time_machine.travel(at(2025, 9, 2, 9), tick=False):
        table = week_table()
        assert "簽核中" in table and "事假" in table
        principal.user.language = "en"
        principal.user.save(update_fields=["language"])
        table = week_table()
    assert "Awaiting approval" in table and "Personal leave" in table and "事假" not in table
