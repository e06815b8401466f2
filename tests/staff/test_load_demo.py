"""manage.py load_demo: the demo school, every category and role, idempotent, each app's demo hook called."""

import datetime as dt
import io
import sys
import types

import pytest
import time_machine
from django.core.management import CommandError, call_command

from staff import demo
from staff.models import Role, RoleAssignment, School, StaffCategory, StaffMember, Unit, User

pytestmark = pytest.mark.django_db


def load(**kwargs) -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out, **kwargs)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count() for model in (School, Unit, StaffMember, User, RoleAssignment)
    }


def test_runs_twice_without_duplicating_anything(settings):
    settings.DEBUG = True
    load()
    first = counts()
    load()
    assert counts() == first
    assert first["School"] == 1
    assert 40 <= first["StaffMember"] <= 50


def test_covers_every_category_every_role_and_every_office(settings):
    settings.DEBUG = True
    load()
    school = School.objects.get(code="563401")
    assert school.name == "高雄市立示範高級中學"
    assert school.has_senior_division and school.has_junior_division
    assert set(StaffMember.objects.values_list("category", flat=True)) == set(StaffCategory.values)
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)

    units = {unit.name: unit for unit in Unit.objects.filter(school=school).select_related("head", "parent")}
    assert set(units) == {"教務處", "教學組", "學務處", "總務處", "輔導室", "圖書館", "人事室", "會計室", "校長室"}
    assert units["教學組"].parent == units["教務處"]
    assert all(unit.head is not None and unit.head.unit == unit for unit in units.values())
    assert units["教學組"].head.has_role(Role.ACADEMIC_AFFAIRS)


def test_demo_accounts_sign_in_with_the_printed_password(settings, client):
    settings.DEBUG = True
    out = load(url="http://127.0.0.1:8765/")
    assert "http://127.0.0.1:8765/accounts/login/" in out
    assert demo.DEMO_PASSWORD in out
    for username in ("principal", "head-academic", "academic-affairs", "personnel", "teacher01", "admin"):
        assert username in out
        assert User.objects.get(username=username).check_password(demo.DEMO_PASSWORD)

    response = client.post("/accounts/login/", {"username": "teacher01", "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302
    assert "王小明" in client.get("/").content.decode()

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.staff.has_role(Role.SYSTEM_ADMIN)
    personnel = User.objects.get(username="personnel")
    assert personnel.is_staff and not personnel.is_superuser
    assert personnel.has_perm("staff.change_staffmember")
    assert not User.objects.get(username="teacher01").is_staff


def test_calls_each_apps_demo_and_the_sso_sign_in_help(settings, monkeypatch):
    settings.DEBUG = True
    calls = []
    leave_demo = types.ModuleType("leave.demo")
    leave_demo.load = lambda school: calls.append(("leave", school.code))
    sso_demo = types.ModuleType("sso.demo")
    sso_demo.load = lambda school: calls.append(("sso", school.code))
    sso_demo.sign_in_help = lambda: ["  入口網站（模擬）: /oidc/authenticate/"]
    monkeypatch.setitem(sys.modules, "leave.demo", leave_demo)
    monkeypatch.setitem(sys.modules, "sso.demo", sso_demo)

    out = load()
    assert ("leave", "563401") in calls and ("sso", "563401") in calls
    assert calls.index(("leave", "563401")) < calls.index(("sso", "563401"))
    assert "入口網站（模擬）" in out


def test_an_apps_failing_demo_rolls_everything_back(settings, monkeypatch):
    settings.DEBUG = True
    broken = types.ModuleType("substitutes.demo")

    def fail(school):
        raise RuntimeError("broken demo")

    broken.load = fail
    monkeypatch.setitem(sys.modules, "substitutes.demo", broken)
    with pytest.raises(RuntimeError):
        load()
    assert not School.objects.filter(code="563401").exists()


def test_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        load()
    assert not School.objects.exists()


@time_machine.travel(dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
def test_every_module_has_something_to_show_around_today(settings):
    """Loaded on a Wednesday: the sample leave makes coverage needs (the timetable exists before it is
    filed), a past absence is covered, so this month's pay report has lines; a past leave shows."""
    from attendance.models import DailyResult, DailyStatus
    from substitutes.models import Absence, CoverageAssignment, CoverageNeed
    from substitutes.selectors import pay_report

    settings.DEBUG = True
    load()
    school = School.objects.get(code=demo.SCHOOL_CODE)
    from_leave = CoverageNeed.objects.filter(school=school, absence__source=Absence.Source.LEAVE)
    assert from_leave.filter(status=CoverageNeed.Status.OPEN, date__gt=dt.date(2026, 11, 18)).exists()
    assert CoverageAssignment.objects.filter(need__school=school, date__lt=dt.date(2026, 11, 18)).exists()
    assert pay_report(school=school, year=2026, month=11).rows
    # Last week's approved sick day: a 請假 day on the month views, and past periods 教學組 still sees.
    assert DailyResult.objects.filter(school=school, status=DailyStatus.LEAVE, date__lt=dt.date(2026, 11, 18)).exists()
    assert from_leave.filter(date__lt=dt.date(2026, 11, 18)).exists()


@time_machine.travel(dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
def test_nobody_punches_on_an_approved_leave_day_and_results_come_last(settings):
    """The attendance demo runs after the leave demo: the sick teacher (吳欣怡) has no punches on her
    approved sick day, and her result for it, computed after all demo data exist, is 請假."""
    from attendance.models import DailyResult, DailyStatus, Punch
    from leave.models import LeaveRequest
    from leave.selectors import leave_spans
    from staff.management.commands.load_demo import DEMO_APPS

    assert DEMO_APPS.index("substitutes") < DEMO_APPS.index("leave") < DEMO_APPS.index("attendance")
    settings.DEBUG = True
    load()
    school = School.objects.get(code=demo.SCHOOL_CODE)
    sick = LeaveRequest.objects.get(applicant__school=school, leave_type__code="sick", status="approved")
    assert sick.applicant.name == "吳欣怡"
    start, end = dt.date(2026, 10, 21), dt.date(2026, 11, 17)  # the attendance demo's four weeks
    spans = leave_spans(staff_ids=school.staff.values_list("pk", flat=True), start=start, end=end)
    assert spans  # the past sick day at least
    for span in spans:
        day = span.start.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
        assert not Punch.objects.filter(staff_id=span.staff_id, work_date=day).exists()
        result = DailyResult.objects.get(staff_id=span.staff_id, date=day)
        assert result.status == DailyStatus.LEAVE and result.first_in is None
    # Everyone else still has a month with colour.
    assert Punch.objects.filter(staff__school=school, work_date__range=(start, end)).count() > 300
    # A second run adds no punch to the leave day either.
    load()
    sick_day = sick.start.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    assert sick_day in {span.start.astimezone(dt.timezone(dt.timedelta(hours=8))).date() for span in spans}
    assert not Punch.objects.filter(staff=sick.applicant, work_date=sick_day).exists()
    assert DailyResult.objects.get(staff=sick.applicant, date=sick_day).status == DailyStatus.LEAVE
