"""Every filter set that narrows a list to a person takes what people type: part of the name, the employee
number, the account, or the id as before. The class is tested, not one example: every FilterSet of the project
is found, every filter that reaches a person must be a PersonFilter, and each one is run against real rows."""

import importlib

import django_filters
import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse

from staff.filters import PersonFilter
from staff.models import StaffMember
from staff.selectors import person_search_q
from tests.sweep_world import fixtures

world, as_role = fixtures()

FILTER_MODULES = ["attendance.filters", "leave.filters", "substitutes.filters", "schedules.api", "notifications.api",
                  "attendance.api", "leave.api", "substitutes.api", "sso.api", "staff.filters"]


def _all_filtersets() -> list[type[django_filters.FilterSet]]:
    for name in FILTER_MODULES:
        importlib.import_module(name)
    found, todo = [], list(django_filters.FilterSet.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls._meta.model is not None and cls.__module__.split(".")[0] in {c.name for c in apps.get_app_configs()}:
            found.append(cls)
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__name__}")


def _reaches_a_person(model, path: str) -> bool:
    """Whether ``path`` (a filter's field_name) ends on a foreign key to a person (or on a person's id)."""
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if isinstance(field, models.ForeignKey):
            if field.related_model is StaffMember and path.split("__")[-1] == part:
                return True
            model = field.related_model
        else:
            return model is StaffMember and part in ("id", "pk")
    return False


PERSON_FILTERS = [
    pytest.param(cls, name, id=f"{cls.__name__}.{name}")
    for cls in _all_filtersets()
    for name, flt in cls.base_filters.items()
    if isinstance(flt, PersonFilter) or _reaches_a_person(cls._meta.model, flt.field_name or "")
]


def test_the_loop_finds_the_person_filters():
    names = {p.id for p in PERSON_FILTERS}
    assert {"DailyResultFilter.staff", "LeaveRequestFilter.applicant", "CoverageNeedFilter.teacher",
            "CoverageAssignmentFilter.substitute"} <= names


@pytest.mark.parametrize(("cls", "name"), PERSON_FILTERS)
def test_every_filter_on_a_person_takes_a_name_a_number_an_account_or_an_id(cls, name, world):
    flt = cls.base_filters[name]
    assert isinstance(flt, PersonFilter), f"{cls.__name__}.{name} wants an internal id: use staff.filters.PersonFilter"
    model = cls._meta.model
    path = flt.person_path
    row = model.objects.filter(**{f"{path}__isnull": False}).select_related(path).first()
    assert row is not None, f"the sweep world has no {model.__name__} to try {name} on"
    person = getattr(row, path)
    theirs = set(model.objects.filter(**{path: person}).values_list("pk", flat=True))
    typed = (person.name, person.name[1:], person.employee_no.lower(), person.user.username.upper(), str(person.pk))
    for text in typed:
        found = set(flt.filter(model.objects.all(), text).values_list("pk", flat=True))
        assert theirs <= found, f"{name}={text!r} misses {person.name}'s rows"
        named = model.objects.filter(person_search_q(text, f"{path}__")).values_list("pk", flat=True)
        assert found == set(named)
    assert not flt.filter(model.objects.all(), "沒有這個人").exists()
    assert flt.filter(model.objects.all(), "   ").count() == model.objects.count()  # blank: no filter


def test_a_typed_name_reaches_the_school_view_and_the_leave_list(world, as_role):
    teacher = world.staff("teacher")
    page = as_role("personnel").get("/attendance/school/", {"staff": teacher.name, "off_days": "on",
                                                            "date_after": "2025-10-01", "date_before": "2025-10-08"})
    assert page.status_code == 200 and teacher.name in page.content.decode()
    other = world.staff("other_teacher")
    assert other.name not in page.content.decode().split('data-testid="school-results"')[1]
    api = as_role("personnel").get("/api/leave/requests/", {"applicant": teacher.user.username})
    assert api.status_code == 200
    rows = api.json()["results"] if isinstance(api.json(), dict) else api.json()
    assert rows and all(r["applicant"]["id"] == teacher.pk for r in rows)


# --- Every query parameter of the API that names a person ------------------------------------------------
#
# Filters (a list narrowed to a person) and picks (whose balances, whose duty days) alike: the schema is walked,
# so a new endpoint with an id-only person parameter fails here until it takes what people type.

PERSON_PARAMETERS = {"staff", "teacher", "applicant", "substitute", "deputy", "person", "assignee", "approver"}

# For each such parameter: who asks, whose rows, and what else the endpoint needs to answer anything.
PARAMETER_CASES = {
    ("/api/attendance/daily-results/", "staff"): ("personnel", "teacher", {}),
    ("/api/calendar/", "staff"): ("unit_head", "teacher", {"start": "2025-10-01", "end": "2025-10-07"}),
    ("/api/leave/balances/", "staff"): ("personnel", "teacher", {"on": "2025-10-09"}),
    ("/api/leave/requests/", "applicant"): ("principal", "teacher", {}),
    ("/api/schedules/timetables/", "teacher"): ("other_teacher", "teacher", {}),
    ("/api/substitutes/needs/", "teacher"): ("academic", "teacher", {}),
    ("/api/substitutes/assignments/", "substitute"): ("academic", "hourly", {}),
}


def _person_parameters() -> dict[tuple[str, str], dict]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and parameter["name"] in PERSON_PARAMETERS:
                    assert method == "get", (path, method, parameter["name"])
                    found[(path, parameter["name"])] = parameter
    return found


def test_every_person_parameter_of_the_api_is_text_and_has_a_case(db):
    found = _person_parameters()
    assert set(found) == set(PARAMETER_CASES), "a person parameter without a case below (or a case without one)"
    for key, parameter in found.items():
        assert parameter["schema"]["type"] == "string", f"{key} wants an internal id"


def _answer(response) -> list:
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


@pytest.mark.parametrize(("path", "name"), sorted(PARAMETER_CASES),
                         ids=[f"{path}?{name}" for path, name in sorted(PARAMETER_CASES)])
def test_every_person_parameter_takes_a_name_a_number_an_account_or_an_id(world, as_role, path, name):
    role, whose, extra = PARAMETER_CASES[(path, name)]
    client, person = as_role(role), world.staff(whose)
    by_id = client.get(path, {**extra, name: person.pk})
    assert by_id.status_code == 200, by_id.content[:300]
    expected = _answer(by_id)
    assert expected, f"{path}?{name}= answers nothing for {person.name}: the check could not fail"
    for text in (person.name, person.name[1:], person.employee_no.lower(), person.user.username.upper()):
        answer = client.get(path, {**extra, name: text})
        assert answer.status_code == 200 and _answer(answer) == expected, (text, answer.content[:300])
    nobody = client.get(path, {**extra, name: "沒有這個人"})
    assert nobody.status_code == 404 or (nobody.status_code == 200 and _answer(nobody) == [])


def test_a_pick_refuses_a_text_naming_several_and_hides_people_out_of_sight(world, as_role):
    teacher = world.staff("teacher")
    personnel = as_role("personnel")
    # 「主任」 is part of two names (陳主任, 林主任): which balances would be a guess.
    several = personnel.get("/api/leave/balances/", {"staff": "主任"})
    assert several.status_code == 400 and several.json()["code"] == "ambiguous"
    assert personnel.get("/api/leave/balances/", {"staff": teacher.name}).status_code == 200
    # Another unit's head may not see the teacher: by name as by id, nobody there.
    other_head = as_role("other_head")
    for text in (teacher.name, teacher.employee_no, str(teacher.pk)):
        assert other_head.get("/api/leave/balances/", {"staff": text}).status_code == 404, text
        assert other_head.get("/api/calendar/", {"staff": text, "start": "2025-10-01",
                                                 "end": "2025-10-07"}).status_code == 404, text


def test_a_nul_in_a_person_parameter_is_no_error(world, as_role):
    teacher = world.staff("teacher")
    personnel = as_role("personnel")
    assert personnel.get("/api/leave/balances/", {"staff": f"{teacher.employee_no}\x00"}).status_code == 200
    assert personnel.get("/api/calendar/", {"staff": "\x00", "start": "2025-10-01", "end": "2025-10-07"}).status_code \
        in (200, 404)
    assert personnel.get(reverse("leave:balances"), {"staff": f"{teacher.name}\x00"}).status_code == 200
