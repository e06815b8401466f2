"""Rules as data: validation, versions by effective date, the contract other apps read."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from leave.models import GrantKind, LeaveRule, OverQuota
from leave.selectors import leave_balances, leave_spans
from leave.services import leave_request_submit, leave_step_approve, leave_types_seed
from notifications.models import Notification
from tests.leave.conftest import at

pytestmark = pytest.mark.django_db


def test_seeding_is_idempotent_and_keeps_the_offices_edits(school, types):
    rule = LeaveRule.objects.get(leave_type=types["personal"], audience="教師")
    rule.quota_days = Decimal("8")
    rule.save()
    assert leave_types_seed(school=school["school"]) == 0
    rule.refresh_from_db()
    assert rule.quota_days == Decimal("8")


def test_a_new_rule_version_changes_next_year_not_last_year(school, types):
    old = LeaveRule.objects.get(leave_type=types["personal"], audience="教師")
    old.effective_to = dt.date(2026, 7, 31)
    old.full_clean()
    old.save()
    new = LeaveRule(**{f.attname: getattr(old, f.attname) for f in LeaveRule._meta.concrete_fields if f.name != "id"})
    new.effective_from, new.effective_to, new.quota_days = dt.date(2026, 8, 1), None, Decimal("8")
    new.full_clean()
    new.save()
    teacher = school["teacher"]

    def personal(on):
        rows = leave_balances(staff_members=[teacher], on=on)[teacher.pk]
        return next(r for r in rows if r.leave_type.code == "personal")

    assert personal(dt.date(2026, 3, 1)).granted == 56
    assert personal(dt.date(2026, 9, 1)).granted == 64
    assert personal(dt.date(2026, 9, 1)).rule == new


def test_rule_versions_may_not_overlap(school, types):
    old = LeaveRule.objects.get(leave_type=types["personal"], audience="教師")
    clash = LeaveRule(leave_type=types["personal"], audience="教師", categories=["subject_teacher"],
                      effective_from=dt.date(2026, 8, 1), grant_kind=GrantKind.FIXED, quota_days=Decimal(8))
    with pytest.raises(ValidationError) as error:
        clash.full_clean()
    assert "effective_from" in error.value.message_dict
    # For another category the same dates are fine.
    clash.categories = ["hourly_substitute"]
    clash.full_clean()
    assert old.pk


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"grant_kind": GrantKind.FIXED, "quota_days": None}, "quota_days"),
        ({"grant_kind": GrantKind.SENIORITY, "seniority_steps": [[3, 14], [1, 7]]}, "seniority_steps"),
        ({"grant_kind": GrantKind.PER_EVENT, "event_options": []}, "event_options"),
        ({"over_quota": OverQuota.OVERFLOW}, "overflow_to"),
        ({"categories": ["janitor"]}, "categories"),
    ],
)
def test_rule_validation(school, types, fields, field):
    rule = LeaveRule(leave_type=types["official"], audience="測試", categories=["civil_staff"],
                     effective_from=dt.date(2030, 1, 1), grant_kind=GrantKind.AS_APPROVED)
    for name, value in fields.items():
        setattr(rule, name, value)
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert field in error.value.message_dict


def test_drawing_from_another_quota_cannot_also_be_unpaid(school, types):
    rule = LeaveRule.objects.get(leave_type=types["family_care"], audience="教師")
    rule.over_quota = OverQuota.UNPAID
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "over_quota" in error.value.message_dict


@time_machine.travel(at(2025, 9, 1, 9), tick=False)
def test_leave_spans_for_attendance_in_one_query(school, types, django_assert_num_queries):
    teacher, other = school["teacher"], school["other_teacher"]
    kwargs = {"leave_type": types["personal"], "class_arrangement": "調課"}
    approved = leave_request_submit(applicant=teacher, start=at(2025, 9, 10, 8), end=at(2025, 9, 10, 12),
                                    deputy=other, **kwargs)
    leave_step_approve(request=approved, actor=other)
    leave_step_approve(request=approved, actor=school["unit_head"])
    pending = leave_request_submit(applicant=other, start=at(2025, 9, 11, 8), end=at(2025, 9, 12, 16),
                                   deputy=teacher, **kwargs)
    leave_request_submit(applicant=teacher, start=at(2025, 9, 20, 8), end=at(2025, 9, 22, 16), deputy=other,
                         **kwargs)  # outside the window asked for
    with django_assert_num_queries(1):
        spans = leave_spans(staff_ids=[teacher.pk, other.pk], start=dt.date(2025, 9, 10),
                            end=dt.date(2025, 9, 12), statuses=("approved", "pending"))
    assert [(s.leave_request_id, s.status, s.leave_type_code) for s in spans] == [
        (approved.pk, "approved", "personal"), (pending.pk, "pending", "personal"),
    ]
    assert spans[0].start == at(2025, 9, 10, 8) and spans[0].end == at(2025, 9, 10, 12)
    assert [s.leave_request_id for s in leave_spans(staff_ids=[teacher.pk, other.pk], start=dt.date(2025, 9, 10),
                                                     end=dt.date(2025, 9, 12))] == [approved.pk]


@time_machine.travel(at(2025, 9, 1, 9), tick=False)
def test_notices_in_the_recipients_language(school, types):
    deputy = school["other_teacher"]
    deputy.user.language = "en"
    deputy.user.save()
    leave_request_submit(applicant=school["teacher"], leave_type=types["personal"], start=at(2025, 9, 10, 8),
                         end=at(2025, 9, 10, 12), deputy=deputy, class_arrangement="調課")
    notice = Notification.objects.get(recipient=deputy.user)
    assert notice.title.startswith("Please confirm you will deputise: 王老師")
    assert notice.url.startswith("/leave/requests/")
    zh = Notification.objects.get(recipient=school["teacher"].user)
    assert zh.title.startswith("假單已送出：事假")
