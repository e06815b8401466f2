"""Every admin form and inline keeps its choices inside the user's school.

A loop over ``admin.site._registry`` and each admin's inlines, add and change forms, as the personnel
office with every permission there is: each foreign-key and many-to-many field offers rows of their
own school only (or of no school: groups, permissions, the government's office calendar), and never
the account of someone who outranks them. Another school has rows of every kind that is offered, so
a form that forgets the rule shows it.
"""

import contextlib
import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, reverse

from leave.services import approval_chains_seed, leave_types_seed
from schedules.models import Semester
from schedules.services import work_schedules_seed_defaults
from schedules.timetables_services import bell_schedule_ensure_standard
from staff.admin import SHARED_MODELS, school_path_of
from staff.models import Role, StaffCategory, StaffMember, User
from staff.permissions import outranking_q
from tests.factories import make_staff, make_unit
from tests.sweep_world import fixtures

world, as_role = fixtures()


def _other_school_has_everything(world):
    """The outsider's school gets the same kinds of rows the standing school has."""
    other = world.staff("outsider").school
    unit = make_unit(other, "教務處")
    make_staff(other, unit=unit, category=StaffCategory.SUBJECT_TEACHER, name="他校老師", username="their-teacher")
    make_staff(other, category=StaffCategory.CIVIL_STAFF, name="他校資訊", username="their-admin",
               roles=(Role.SYSTEM_ADMIN,))
    work_schedules_seed_defaults(school=other)
    bell_schedule_ensure_standard(school=other)
    leave_types_seed(school=other)
    approval_chains_seed(school=other)
    Semester.objects.create(school=other, school_year=114, term=1, start_date=dt.date(2025, 8, 30),
                            end_date=dt.date(2026, 1, 20))
    return other


def _forms(response):
    """The main form and every inline form (the blank one for a new row too) of an admin page."""
    context = response.context
    yield "form", context["adminform"].form
    for inline in context.get("inline_admin_formsets", []):
        prefix = inline.formset.prefix
        for form in [*inline.formset.forms, inline.formset.empty_form]:
            yield f"inline {prefix}", form


def _urls(model, model_admin, school):
    info = model._meta.app_label, model._meta.model_name
    with contextlib.suppress(NoReverseMatch):
        yield "add", reverse("admin:{}_{}_add".format(*info))
    path = school_path_of(model)
    if path is not None:
        obj = model._default_manager.filter(**{path: school.pk}).order_by("pk").first()
        if obj is not None:
            yield "change", reverse("admin:{}_{}_change".format(*info), args=[obj.pk])


@pytest.mark.django_db
def test_every_admin_form_and_inline_offers_only_the_users_school(world, as_role):
    me = world.staff("personnel")
    school = world.people["school"]
    other = _other_school_has_everything(world)
    me.user.is_staff = True
    me.user.save(update_fields=["is_staff"])
    me.user.user_permissions.set(Permission.objects.all())
    client = as_role("personnel")

    problems: list[str] = []
    pages = fields_checked = others_left_out = 0
    for model, model_admin in admin.site._registry.items():
        for kind, url in _urls(model, model_admin, school):
            response = client.get(url)
            if response.status_code in (403, 302):
                continue  # not theirs at all (the libraries' pages are for superusers)
            assert response.status_code == 200, (url, response.status_code)
            pages += 1
            for where, form in _forms(response):
                for name, field in form.fields.items():
                    queryset = getattr(field, "queryset", None)
                    if queryset is None:
                        continue
                    if where != "form" and name == form._meta.model._meta.pk.name:
                        continue  # an inline row's own key: Django looks it up among the parent's rows only
                    target = queryset.model
                    label = f"{model._meta.label} {kind} {where}.{name} → {target._meta.label}"
                    path = school_path_of(target)
                    if path is None:
                        if (target._meta.app_label, target._meta.model_name) not in SHARED_MODELS:
                            problems.append(f"{label}: no way to its school")
                        continue
                    fields_checked += 1
                    schools = set(queryset.values_list(path, flat=True))
                    if not schools <= {school.pk}:
                        problems.append(f"{label}: offers schools {schools - {school.pk}}")
                    if target._default_manager.filter(**{path: other.pk}).exists():
                        others_left_out += 1
                    if target is User and queryset.filter(outranking_q(me.user, accounts=True)).exists():
                        problems.append(f"{label}: offers the account of someone who outranks them")
                    is_role_staff = target is StaffMember and model._meta.model_name == "roleassignment"
                    if is_role_staff and queryset.filter(outranking_q(me.user)).exists():
                        problems.append(f"{label}: offers a person who outranks them")
    assert not problems, "\n".join(problems)
    # The loop saw the admin, not an empty world: many pages, many choice fields, other schools left out.
    assert pages >= 30 and fields_checked >= 40 and others_left_out >= 30, (pages, fields_checked, others_left_out)


@pytest.mark.django_db
def test_the_leave_rule_inline_offers_only_the_schools_leave_types(world, as_role):
    """The example that was found: 'overflow to' / 'draws from' in the leave type's rule inline."""
    from leave.models import LeaveType

    me = world.staff("personnel")
    other = _other_school_has_everything(world)
    me.user.is_staff = True
    me.user.save(update_fields=["is_staff"])
    me.user.user_permissions.set(Permission.objects.filter(content_type__app_label="leave"))
    leave_type = LeaveType.objects.filter(school=me.school).first()
    page = as_role("personnel").get(reverse("admin:leave_leavetype_change", args=[leave_type.pk]))
    inline = page.context["inline_admin_formsets"][0].formset.empty_form
    theirs = set(LeaveType.objects.filter(school=other).values_list("pk", flat=True))
    for name in ("overflow_to", "draws_from"):
        offered = set(inline.fields[name].queryset.values_list("pk", flat=True))
        assert offered and not offered & theirs
