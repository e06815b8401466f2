"""Names kept as data in two languages: leave types, rules' audiences and events, approval chains."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from leave import seed
from leave.models import ApprovalChain, LeaveRequest, LeaveRule, LeaveType
from notifications.models import Notification
from substitutes.models import Absence
from tests.leave.test_views import submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_1_september_2025")]


def english(person) -> None:
    person.user.language = "en"
    person.user.save(update_fields=["language"])


def test_the_seed_names_everything_in_both_languages(school):
    types = LeaveType.objects.filter(school=school["school"])
    assert types.count() == len(seed.LEAVE_TYPES)
    assert all(t.name_en and t.name_en.isascii() for t in types)
    assert all(r.audience_en.isascii() and r.audience_en for r in LeaveRule.objects.filter(leave_type__in=types))
    options = [o for r in LeaveRule.objects.filter(leave_type__in=types) for o in r.event_options]
    assert options and all(o["label_en"].isascii() for o in options)
    chains = ApprovalChain.objects.filter(school=school["school"])
    assert [c.name_en for c in chains] == ["Up to 1 day", "Over 1 day, up to 3 days", "Over 3 days"]


def test_names_follow_the_active_language(types):
    personal = types["personal"]
    rule = personal.rules.first()
    with translation.override("en"):
        assert (personal.display_name, str(personal)) == ("Personal leave", "Personal leave")
        assert str(rule).startswith("Personal leave (Teachers) from ")
    with translation.override("zh-hant"):
        assert (personal.display_name, str(personal)) == ("事假", "事假")
        assert str(rule).startswith("事假（教師）")
    # A type the office added without an English name reads in Chinese in English too.
    personal.name_en = ""
    with translation.override("en"):
        assert personal.display_name == "事假"


def test_pages_notices_and_the_api_show_the_english_name(school, types, client_for):
    teacher, deputy = school["teacher"], school["other_teacher"]
    english(teacher)
    english(deputy)
    request = submit(school, types, day=10)
    assert (request.chain_name, request.chain_name_en) == ("一日以內", "Up to 1 day")
    client = client_for(teacher)
    mine = client.get(reverse("leave:mine")).content.decode()
    assert "Personal leave" in mine and "事假" not in mine
    detail = client.get(reverse("leave:detail", args=[request.pk])).content.decode()
    assert "Up to 1 day" in detail and "一日以內" not in detail
    api = client.get(f"/api/leave/requests/{request.pk}/").json()
    assert (api["leave_type_name"], api["chain_name"]) == ("Personal leave", "Up to 1 day")
    notice = Notification.objects.get(recipient=deputy.user)
    assert "Personal leave" in notice.title + notice.body and "事假" not in notice.title + notice.body
    # The Chinese reader of the same request.
    school["unit_head"].user.language = "zh-hant"
    zh = client_for(school["unit_head"]).get(reverse("leave:detail", args=[request.pk])).content.decode()
    assert "事假" in zh and "一日以內" in zh


def test_the_absence_behind_a_leave_carries_both_names(school, types):
    request = submit(school, types, day=10)
    absence = Absence.objects.filter(leave_request_id=request.pk).first()
    if absence is None:  # the teacher teaches nothing that day in this world: nothing to cover
        pytest.skip("no coverage needs for this leave")
    with translation.override("en"):
        assert absence.leave_type_display == "Personal leave"


def test_the_data_migration_names_the_seeded_rows_of_existing_schools(school, types):
    request = submit(school, types, day=10)
    LeaveType.objects.update(name_en="")
    ApprovalChain.objects.update(name_en="")
    LeaveRequest.objects.update(chain_name_en="")
    LeaveRule.objects.update(audience_en="")
    renamed = types["sick"]
    LeaveType.objects.filter(pk=renamed.pk).update(name="病假（本校）")  # the office's own name stays untranslated
    for rule in LeaveRule.objects.exclude(event_options=[]):
        rule.event_options = [{k: v for k, v in o.items() if k != "label_en"} for o in rule.event_options]
        rule.save(update_fields=["event_options"])
    importlib.import_module("leave.migrations.0005_english_names_fill").fill(apps, None)
    assert LeaveType.objects.get(pk=types["personal"].pk).name_en == "Personal leave"
    assert LeaveType.objects.get(pk=renamed.pk).name_en == ""
    assert LeaveRequest.objects.get(pk=request.pk).chain_name_en == "Up to 1 day"
    bereavement = LeaveRule.objects.filter(leave_type=types["bereavement"]).first()
    assert bereavement.event_options[0]["label_en"] == "Death of a parent or spouse"
    assert set(LeaveRule.objects.values_list("audience_en", flat=True)) == {"Teachers", "Staff"}
