"""The admin goes through the services and keeps staff users to their own school."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from audit.models import AuditEntry
from schedules.models import PersonalSchedule, SchoolDay, TyphoonDay, WorkSchedule
from schedules.services import school_day_create, work_schedules_seed_defaults
from staff.models import StaffCategory, User
from tests.factories import make_staff

MODELS = ["workschedule", "categoryschedule", "personalschedule", "semester", "schoolday", "typhoonday",
          "officecalendaryear", "officecalendarday"]


@pytest.fixture
def root(db, client):
    user = User.objects.create_superuser("root", "root@example.test", "x")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_changelists_and_add_pages_open(people, root, model):
    work_schedules_seed_defaults(school=people["school"])
    assert root.get(reverse(f"admin:schedules_{model}_changelist")).status_code == 200
    add = root.get(reverse(f"admin:schedules_{model}_add"))
    assert add.status_code in (200, 403)  # the office calendar is imported, not added by hand


def test_typhoon_day_declared_in_admin_is_audited(people, root):
    response = root.post(reverse("admin:schedules_typhoonday_add"),
                         {"date": "2026-11-27", "school": "", "label": "颱風停班停課"})
    assert response.status_code == 302
    assert TyphoonDay.objects.get().school is None
    assert AuditEntry.objects.filter(action="schedules.typhoon_declared").exists()
    again = root.post(reverse("admin:schedules_typhoonday_add"),
                      {"date": "2026-11-27", "school": people["school"].pk, "label": ""})
    assert again.status_code == 200 and "已宣布全市停班停課" in again.content.decode()


def test_school_day_rule_shown_in_admin(people, root):
    response = root.post(reverse("admin:schedules_schoolday_add"), {
        "school": people["school"].pk, "date": "2026-11-23", "kind": "makeup_day", "label": "補課",
    })
    assert response.status_code == 200 and "本來就是上班日" in response.content.decode()
    assert not SchoolDay.objects.exists()


def test_times_of_a_schedule_in_effect_are_read_only(people, root):
    work_schedules_seed_defaults(school=people["school"])
    office = WorkSchedule.objects.get(school=people["school"], name__startswith="行政人員")
    html = root.get(reverse("admin:schedules_workschedule_change", args=[office.pk])).content.decode()
    assert 'name="start"' not in html and 'name="name"' in html


def test_personnel_staff_user_sees_only_their_school(people, client):
    personnel = people["personnel"]
    personnel.user.is_staff = True
    personnel.user.save()
    personnel.user.user_permissions.set(Permission.objects.filter(content_type__app_label="schedules"))
    school_day_create(actor=None, school=people["school"], day=dt.date(2026, 11, 27), kind="day_off", label="校慶補假")
    school_day_create(actor=None, school=people["outsider"].school, day=dt.date(2026, 11, 27), kind="day_off",
                      label="他校校慶補假")
    client.force_login(personnel.user)
    html = client.get(reverse("admin:schedules_schoolday_changelist")).content.decode()
    assert "校慶補假" in html and "他校校慶補假" not in html
    # A personal schedule for someone at another school is refused by the form's choices.
    schedule = WorkSchedule.objects.create(school=people["school"], name="部分工時", start=dt.time(9),
                                           end=dt.time(12))
    stranger = make_staff(people["outsider"].school, category=StaffCategory.CIVIL_STAFF)
    response = client.post(reverse("admin:schedules_personalschedule_add"), {
        "staff": stranger.pk, "schedule": schedule.pk, "start_date": "2026-12-01", "end_date": "", "reason": "x",
    })
    assert response.status_code == 200
    assert not PersonalSchedule.objects.exists()
    mine = people["teacher"]
    response = client.post(reverse("admin:schedules_personalschedule_add"), {
        "staff": mine.pk, "schedule": schedule.pk, "start_date": "2026-12-01", "end_date": "", "reason": "哺乳時間",
    })
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="schedules.personal_schedule_saved").exists()
