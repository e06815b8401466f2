"""Coverage pages: who may open them, what they show, and their query budgets."""

import datetime as dt
from urllib.parse import quote_plus, unquote

import pytest
import time_machine

from leave.events import LeaveEvent, publish_leave_changed
from staff.models import Role
from substitutes.models import CoverageAssignment, CoverageNeed
from substitutes.services import coverage_assign
from tests.factories import make_staff
from tests.substitutes.conftest import THU, add_class, at

pytestmark = pytest.mark.django_db

WED_BEFORE = dt.datetime(2025, 10, 8, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
MON = dt.date(2025, 10, 13)


@pytest.fixture
def needs(school_setup, leave):
    # 王老師 Thu 10/9 – Mon 10/13 (Friday 國慶日): Thu P1, P3 and Mon P1; 李導師 Thu: P2, P3.
    leave(school_setup["teacher"], [(at(THU, "07:30"), at(MON, "17:00"))])
    leave(school_setup["other_teacher"], [(at(THU, "07:30"), at(THU, "17:00"))], request_id=102)
    return school_setup


@time_machine.travel(WED_BEFORE, tick=False)
def test_dashboard_lists_needs_by_date_without_n_plus_one(needs, client_for, django_assert_num_queries):
    client = client_for(needs["academic"])
    first = CoverageNeed.objects.get(teacher=needs["teacher"], date=THU, period_number=1)
    coverage_assign(actor=needs["academic"], need_id=first.pk, substitute_id=needs["other_head"].pk)
    # Layout: session, user with staff, school and unit, roles, headed units, unread notices (5);
    # page: upcoming needs with teacher and absence, their active assignments with substitutes,
    # past open needs, the classes for the filter, the substitute picker for ticked periods (5);
    # ATOMIC_REQUESTS savepoint and release (2).
    with django_assert_num_queries(12):
        r = client.get("/substitutes/")
    assert r.status_code == 200
    board = r.context["board"]
    assert [d.date for d in board.days] == [THU, MON]
    assert [n.period_number for n in board.days[0].needs] == [1, 2, 3, 3]
    html = r.content.decode()
    assert "代課：林主任" in html and "高一 3 班" in html and "高二 1 班" in html

    # The same budget with twice as many needs: no query per need.
    needs_more = needs["unit_head"]
    for n in range(5, 9):
        add_class(needs["semester"], needs_more, 4, n, f"高三 {n} 班", "數學")
    publish_leave_changed(LeaveEvent(
        leave_request_id=103, staff_id=needs_more.pk, school_id=needs_more.school_id, action="submitted",
        leave_type_code="official", leave_type_name="公假", spans=((at(THU, "07:30"), at(THU, "17:00")),),
    ))
    assert CoverageNeed.objects.filter(teacher=needs_more).count() == 5
    with django_assert_num_queries(12):
        r = client.get("/substitutes/?open=1")
    assert sum(len(d.needs) for d in r.context["board"].days) == 9  # 10 live, 1 covered
    with django_assert_num_queries(12):  # narrowed by a typed name and a range: the same reads
        r = client.get("/substitutes/", {"teacher": needs_more.name, "date_from": THU.isoformat()})
    assert sum(len(d.needs) for d in r.context["board"].days) == 5


def _listed(response) -> list[tuple[str, dt.date, int]]:
    board = response.context["board"]
    listed = [*board.overdue, *(n for d in board.days for n in d.needs)]
    return [(n.teacher.name, n.date, n.period_number) for n in listed]


@time_machine.travel(WED_BEFORE, tick=False)
def test_the_dashboard_filters_by_teacher_class_and_dates(needs, client_for):
    """The teacher as typed (part of the name, the employee number, the account in any case), one class, a range
    of days; bad values are said and ignored while the others still narrow; narrowed, the open periods are
    ticked and the narrowing is kept after assigning them."""
    client = client_for(needs["academic"])
    wang, li = needs["teacher"], needs["other_teacher"]
    everyone = _listed(client.get("/substitutes/"))
    assert {name for name, *_ in everyone} == {wang.name, li.name} and len(everyone) == 5
    html = client.get("/substitutes/").content.decode()
    assert '<option value="高一 3 班">' in html and '<option value="高二 1 班">' in html  # the class filter

    for typed in (wang.name[1:], wang.employee_no, wang.user.username.upper()):
        r = client.get("/substitutes/", {"teacher": typed})
        assert {name for name, *_ in _listed(r)} == {wang.name}, typed
        assert len(_listed(r)) == 3, typed
    assert _listed(client.get("/substitutes/", {"teacher": "沒有這個人"})) == []
    assert _listed(client.get("/substitutes/", {"class_name": "高二 1 班"})) == [(li.name, THU, 2), (li.name, THU, 3)]
    assert _listed(client.get("/substitutes/", {"date_from": MON.isoformat(), "date_to": MON.isoformat()})) == [
        (wang.name, MON, 1)
    ]
    r = client.get("/substitutes/", {"teacher": wang.name, "date_to": THU.isoformat()})
    assert _listed(r) == [(wang.name, THU, 1), (wang.name, THU, 3)]
    html = r.content.decode()
    assert html.count('data-testid="pick"') == 2 and html.count(" checked ") == 2  # narrowed: ticked
    assert f'<input type="hidden" name="teacher" value="{wang.name}">' in html

    # A bad date is said next to its field and ignored; the name still narrows.
    r = client.get("/substitutes/", {"teacher": wang.name, "date_from": "2025-13-45", "class_name": "x" * 300})
    assert r.status_code == 200 and len(_listed(r)) == 3
    assert "errorlist" in r.content.decode()

    # Assigning the narrowed periods comes back to the same narrowing.
    r = client.post("/substitutes/needs/assign/", {
        "need": [n.pk for n in CoverageNeed.objects.filter(teacher=wang, date=THU)],
        "substitute": needs["hourly"].pk, "teacher": wang.name, "date_to": THU.isoformat(),
    })
    assert r.status_code == 302
    assert r["Location"] == f"/substitutes/?teacher={quote_plus(wang.name)}&date_to={THU.isoformat()}"


@time_machine.travel(WED_BEFORE, tick=False)
def test_only_academic_affairs_may_open_the_dashboard_or_assign(needs, client_for):
    need = CoverageNeed.objects.filter(teacher=needs["teacher"]).first()
    for who in ("teacher", "unit_head", "other_teacher", "personnel", "principal", "outsider"):
        client = client_for(needs[who])
        assert client.get("/substitutes/").status_code == 403, who
        assert client.get(f"/substitutes/needs/{need.pk}/").status_code == 403, who
        r = client.post(f"/substitutes/needs/{need.pk}/assign/", {"substitute": needs["other_head"].pk,
                                                                 "kind": "substitute"})
        assert r.status_code == 403, who
        assert client.get("/substitutes/absences/new/").status_code == 403, who
    assert not CoverageAssignment.objects.exists()


@time_machine.travel(WED_BEFORE, tick=False)
def test_assigning_from_the_need_page(needs, client_for):
    client = client_for(needs["academic"])
    need = CoverageNeed.objects.get(teacher=needs["teacher"], date=THU, period_number=1)
    r = client.get(f"/substitutes/needs/{need.pk}/")
    assert r.status_code == 200
    names = [c.staff.name for c in r.context["candidates"].internal]
    assert "林主任" in names
    assert "陳主任" not in names  # teaching Thursday P1
    assert [c.staff.name for c in r.context["candidates"].pool] == ["趙代課"]

    # A clash is refused with the service's message, nothing changes.
    r = client.post(f"/substitutes/needs/{need.pk}/assign/", {"substitute": needs["unit_head"].pk,
                                                             "kind": "substitute"}, follow=True)
    assert "陳主任 該節自己有課" in r.content.decode()
    need.refresh_from_db()
    assert need.status == "open"

    r = client.post(f"/substitutes/needs/{need.pk}/assign/", {"substitute": needs["other_head"].pk,
                                                             "kind": "substitute"})
    assert r.status_code == 302
    need.refresh_from_db()
    assert need.status == "covered"
    assignment = CoverageAssignment.objects.get(need=need)
    r = client.post(f"/substitutes/assignments/{assignment.pk}/cancel/", {"reason": "改請他人"})
    assert r.status_code == 302
    need.refresh_from_db()
    assert need.status == "open"


def test_other_schools_needs_are_not_found(needs, client_for):
    other_academic = make_staff(needs["outsider"].school, roles=(Role.ACADEMIC_AFFAIRS,), username="otheraa")
    need = CoverageNeed.objects.first()
    client = client_for(other_academic)
    assert client.get(f"/substitutes/needs/{need.pk}/").status_code == 404
    r = client.post(f"/substitutes/needs/{need.pk}/assign/", {"substitute": needs["other_head"].pk,
                                                             "kind": "substitute"})
    assert r.status_code == 404
    assert client.get("/substitutes/").context["board"].days == []


def test_recording_an_hourly_absence_through_the_form(school_setup, client_for):
    client = client_for(school_setup["academic"])
    r = client.post("/substitutes/absences/new/", {
        "teacher": school_setup["hourly"].pk, "date": "2025-10-09", "start_time": "07:30", "end_time": "17:00",
        "paid_by": "school", "reason": "病",
    })
    assert r.status_code == 302
    assert list(CoverageNeed.objects.values_list("teacher__name", "period_number")) == [("趙代課", 4)]
    # A day without classes is refused with the message, not a 500.
    r = client.post("/substitutes/absences/new/", {
        "teacher": school_setup["hourly"].pk, "date": "2025-10-10", "start_time": "07:30", "end_time": "17:00",
        "paid_by": "school",
    })
    assert r.status_code == 200 and "沒有課" in r.content.decode()


def test_pay_pages_and_exports(school_setup, client_for):
    for who in ("academic", "personnel", "principal"):
        client = client_for(school_setup[who])
        assert client.get("/substitutes/pay/?month=2025-10").status_code == 200, who
    client = client_for(school_setup["academic"])
    r = client.get("/substitutes/pay/export.csv?month=2025-10")
    assert r["Content-Type"].startswith("text/csv")
    assert unquote(r["Content-Disposition"]).endswith("代課鐘點費-114年10月.csv")
    r = client.get("/substitutes/pay/export.xlsx?month=bad")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    for who in ("teacher", "unit_head", "other_teacher"):
        client = client_for(school_setup[who])
        assert client.get("/substitutes/pay/").status_code == 403, who
        assert client.get("/substitutes/pay/export.csv").status_code == 403, who


@time_machine.travel(WED_BEFORE, tick=False)
def test_my_cover_page_and_home_card(needs, client_for):
    need = CoverageNeed.objects.get(teacher=needs["teacher"], date=THU, period_number=1)
    coverage_assign(actor=needs["academic"], need_id=need.pk, substitute_id=needs["other_head"].pk)
    r = client_for(needs["other_head"]).get("/substitutes/mine/")
    assert "高一 3 班" in r.content.decode() and len(r.context["duties"]) == 1
    r = client_for(needs["teacher"]).get("/substitutes/mine/")
    assert "代課：林主任" in r.content.decode()
    home = client_for(needs["academic"]).get("/").content.decode()
    assert "今天起尚有 4 節未安排代課" in home
