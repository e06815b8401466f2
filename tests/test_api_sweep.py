"""Every /api/ endpoint, as nobody and as every standing role: 401/403 first, no leaks, no 500s, bad input → 400.

The world is tests/sweep_world.py's: every personal record belongs to 王老師 (``teacher``). ``ARGS`` says which
object fills each endpoint's parameters and whose it is (the owners of tests/test_url_sweep.py).

Leaks are looked for in the answer's text: the teacher's name, employee number and the reasons and titles of
their records (``teacher_markers``) must not reach another unit's teacher or head; nothing of the standing
school (its name, code, people, labels: ``school_markers``) may reach another school's personnel. So that these
checks could fail, ``SEEN_BY`` names, for each list, a role that does see the teacher's rows there.
"""

import json
import re

import pytest

from tests.sweep import (
    EDGE_PATH_VALUES,
    EDGE_VALUES,
    GARBAGE_QUERY,
    Route,
    bounded_params,
    concrete,
    db_snapshot,
    edge_query,
    project_routes,
    snapshot_diff,
)
from tests.sweep_world import ROLES, fixtures, school_markers, teacher_markers

world, as_role = fixtures()

ENDPOINTS = [r for r in project_routes() if r.is_api]

ARGS: dict[str, tuple[str, dict[str, str]]] = {
    "attendance_api:correction_approve": ("teacher", {"pk": "correction"}),
    "attendance_api:correction_reject": ("teacher", {"pk": "correction"}),
    "leave-api-request": ("teacher", {"pk": "leave_request"}),
    "leave-api-approve": ("teacher", {"pk": "leave_request"}),
    "leave-api-reject": ("teacher", {"pk": "leave_request"}),
    "leave-api-withdraw": ("teacher", {"pk": "leave_request"}),
    "leave-api-cancel": ("teacher", {"pk": "leave_request"}),
    "leave-api-reassign": ("teacher", {"pk": "leave_step"}),
    "leave-api-overtime-decide": ("teacher", {"pk": "overtime"}),
    "leave-api-overtime-settle": ("teacher", {"pk": "overtime"}),
    "substitutes-api-candidates": ("teacher", {"pk": "need"}),
    "substitutes-api-assign": ("teacher", {"pk": "need"}),
    "substitutes-api-assignment-cancel": ("teacher", {"pk": "assignment"}),
    # one of the teacher's Web Push devices: only they see or remove it
    "api-push-device": ("teacher", {"pk": "push_device"}),
    # The school's, not the teacher's; other_teacher and other_head have no power over it either.
    "api-calendar-typhoon-withdraw": ("teacher", {"pk": "typhoon"}),
}
REFUSED = {"teacher": ("other_teacher", "other_head", "outsider")}

# Lists that need parameters to list anything.
QUERIES = {
    "api-calendar": {"start": "2025-10-01", "end": "2025-10-31"},
    "api-calendar-school": {"start": "2025-10-01", "end": "2025-10-31"},
}

# For each list that holds the teacher's rows: someone who does see them (the leak checks could fail).
SEEN_BY = {
    "api-notifications": "teacher",
    "attendance_api:daily_results": "personnel",
    "attendance_api:corrections": "unit_head",
    "leave-api-requests": "principal",
    "leave-api-overtime": "teacher",
    "substitutes-api-needs": "academic",
    "substitutes-api-assignments": "academic",
    "api-calendar-typhoons": "other_teacher",  # the school's, not the teacher's: for the outsider check
    "api-calendar-school": "other_teacher",
}

# Who may take each action (the sweep posts bad input as them, so that the 400 path is reached).
ACTORS = {
    "api-notifications-read": "teacher",
    "api-push-devices": "teacher",
    "attendance_api:punches": "teacher",
    "attendance_api:corrections": "teacher",
    "attendance_api:correction_approve": "unit_head",
    "attendance_api:correction_reject": "unit_head",
    "leave-api-requests": "teacher",
    "leave-api-preview": "teacher",
    "leave-api-approve": "unit_head",
    "leave-api-reject": "unit_head",
    "leave-api-withdraw": "teacher",
    "leave-api-cancel": "teacher",
    "leave-api-reassign": "personnel",
    "leave-api-overtime": "teacher",
    "leave-api-overtime-decide": "unit_head",
    "leave-api-overtime-settle": "personnel",
    "substitutes-api-assign": "academic",
    "substitutes-api-assign-many": "academic",
    "substitutes-api-assignment-cancel": "academic",
    "substitutes-api-propose": "academic",
    "substitutes-api-proposal-confirm": "academic",
    "substitutes-api-offers-answer": "teacher",
    "api-timetables-import": "academic",
    "substitutes-api-policy": "academic",
    "api-calendar-typhoons": "personnel",
    "api-calendar-typhoons-preview": "personnel",
}
# Actions whose request body is optional: an empty or garbage body is a valid request, not an error.
BODY_OPTIONAL = {
    "leave-api-withdraw": "withdrawing takes no input",
    "leave-api-approve": "the approver's comment is optional",
    "attendance_api:correction_approve": "the approver's note is optional",
    "attendance_api:correction_reject": "a rejection's note is optional (attendance/services.py)",
    "substitutes-api-assignment-cancel": "the reason is optional",
}

BAD_BODIES = {
    "not_json": "{這不是 JSON",
    "a_list": "[1, 2]",
    "empty": "{}",
    "wrong_types": json.dumps({
        "kind": 7, "start": "not-a-date", "end": 5, "date": "2025-13-45", "time": "25:99", "leave_type": "abc",
        "deputy": "abc", "reason": ["x"], "substitute_id": "abc", "approve": "maybe", "decision": "maybe",
        "comment": {"a": 1}, "ids": "x", "all": "sometimes", "assignee": "abc", "worked_start": "x",
        "worked_end": [], "planned_start": "1999-01-01", "planned_end": "x", "compensation": "gold",
        "swap_date": "x", "swap_period_number": -3, "note": 5,
    }),
    "out_of_range": json.dumps({
        "kind": "in", "start": "9999-12-31T08:00:00+08:00", "end": "0001-01-01T08:00:00+08:00",
        "date": "1900-01-01", "time": "23:59", "leave_type": 999999, "deputy": 999999, "reason": "x" * 5000,
        "substitute_id": 999999, "comment": "", "ids": [0, -1], "assignee": 999999,
        "worked_start": "2025-10-09T20:00:00+08:00", "worked_end": "2025-10-09T17:00:00+08:00",
        "planned_start": "2025-10-09T20:00:00+08:00", "planned_end": "2025-10-09T17:00:00+08:00",
    }),
}


# Every date, time, number and id field a body may carry, set to one value at the edge of the calendar or of a
# column (tests/sweep.py); text and choice fields keep their wrong types (a "9999" comment would be valid).
_WRONG = json.loads(BAD_BODIES["wrong_types"])
_WORDS = {"kind", "reason", "comment", "note", "decision", "compensation", "approve", "all"}
_EDGE_KEYS = (*(k for k in _WRONG if k not in _WORDS), "event_date", "to", "month", "year", "on")
BAD_BODIES.update({
    f"edge_{index}": json.dumps({**{k: _WRONG[k] for k in _WORDS}, **dict.fromkeys(_EDGE_KEYS, value)})
    for index, value in enumerate([*EDGE_VALUES, 10**30, -(10**30), 2**63])
})

# (endpoint, body) pairs where the "bad" body is a valid request.
VALID_BODIES = {
    ("attendance_api:punches", name): "a punch takes only its kind, and `in` is one"
    for name in BAD_BODIES
    if name == "out_of_range"
}


def url_of(route: Route, world) -> str:
    _owner, params = ARGS.get(route.name, (None, {}))
    return concrete(route, {key: world.objects[value] for key, value in params.items()})


def found(markers: list[str], text: str) -> list[str]:
    return [m for m in markers if m in text]


def test_every_endpoint_with_parameters_is_in_the_table():
    with_params = {r.name for r in ENDPOINTS if r.params}
    assert with_params - ARGS.keys() == set(), "new endpoints: say in ARGS which object fills them"
    assert ARGS.keys() - with_params == set(), "stale entries in ARGS"
    names = {r.name for r in ENDPOINTS}
    assert (SEEN_BY.keys() | ACTORS.keys() | QUERIES.keys()) - names == set(), "stale entries in the tables"


@pytest.mark.parametrize("route", ENDPOINTS, ids=str)
def test_anonymous_gets_401_or_403(route, world, as_role):
    client, url = as_role(None), url_of(route, world)
    get = client.get(url, QUERIES.get(route.name, {}))
    post = client.post(url, {}, content_type="application/json")
    for response in (get, post):
        assert response.status_code in (401, 403), response.status_code
        assert "detail" in response.json()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ENDPOINTS, ids=str)
def test_every_role_gets_an_answer_not_an_error(route, role, world, as_role):
    client, url = as_role(role), url_of(route, world)
    response = client.get(url, QUERIES.get(route.name, {}))
    assert response.status_code in (200, 400, 403, 404, 405), response.status_code
    response = client.get(url, GARBAGE_QUERY)
    assert response.status_code in (200, 400, 403, 404, 405), f"garbage query: {response.status_code}"
    if response.status_code == 400:
        assert response.json(), "a 400 says what is wrong"


DENIALS = [
    pytest.param(route, role, id=f"{route}-{role}")
    for route in ENDPOINTS
    if route.name in ARGS
    for role in REFUSED[ARGS[route.name][0]]
]


@pytest.mark.parametrize(("route", "role"), DENIALS)
def test_strangers_are_refused_the_object(route, role, world, as_role):
    client, url = as_role(role), url_of(route, world)
    response = client.get(url)
    assert response.status_code in (403, 404, 405), f"GET {url} as {role}: {response.status_code}"
    if response.status_code == 405:
        before = db_snapshot()
        for body in ({}, {"approve": True, "decision": "approve", "comment": "同意", "substitute_id": 1}):
            response = client.post(url, body, content_type="application/json")
            assert response.status_code in (403, 404), f"POST {url} as {role}: {response.status_code}"
        assert snapshot_diff(before, db_snapshot()) == []


LISTS = [r for r in ENDPOINTS if not r.params]
# Lists whose rows the whole school reads by design: only another school's people are strangers there.
SCHOOL_WIDE = {
    "api-timetables": "timetables are posted at school: anyone of the same school reads them (docs/substitutes.md)",
}


@pytest.mark.parametrize("route", LISTS, ids=str)
def test_lists_leak_nothing_to_strangers(route, world, as_role):
    query = QUERIES.get(route.name, {})
    if route.name in SEEN_BY:  # the check below can fail: the rows are there for someone who may see them
        seen = as_role(SEEN_BY[route.name]).get(url_of(route, world), query).content.decode()
        assert found(school_markers(world), seen), f"{SEEN_BY[route.name]} should see rows here"
    strangers = (
        ("other_teacher", teacher_markers(world)),
        ("other_head", teacher_markers(world)),
        ("outsider", school_markers(world)),
    )
    for role, markers in strangers[2:] if route.name in SCHOOL_WIDE else strangers:
        teacher, school = world.staff("teacher"), world.people["school"]
        # ...also when the stranger asks for the teacher's rows by the filters' names
        aimed = {
            "staff": teacher.pk, "applicant": teacher.pk, "teacher": teacher.pk, "staff_id": teacher.pk,
            "unit": teacher.unit_id, "school": school.pk, "school_code": school.code,
            "employee_no": teacher.employee_no,
        }
        for params in (query, {**query, **aimed}):
            response = as_role(role).get(url_of(route, world), params)
            if response.status_code == 405:
                continue
            assert found(markers, response.content.decode()) == [], f"{route} leaks to {role} with {params}"


POSTS = [
    pytest.param(route, body, id=f"{route}-{name}")
    for route in ENDPOINTS
    if route.name in ACTORS
    for name, body in BAD_BODIES.items()
    if (route.name, name) not in VALID_BODIES
]


@pytest.mark.parametrize(("route", "body"), POSTS)
def test_bad_input_is_a_400_with_a_message_and_changes_nothing(route, body, world, as_role):
    client, url = as_role(ACTORS[route.name]), url_of(route, world)
    before = db_snapshot()
    response = client.post(url, body, content_type="application/json")
    if route.name in BODY_OPTIONAL and response.status_code in (200, 201):
        pytest.skip(BODY_OPTIONAL[route.name])
    assert response.status_code == 400, f"{response.status_code}: {response.content.decode()[:300]}"
    payload = response.json()
    assert payload, "a 400 says what is wrong"
    assert snapshot_diff(before, db_snapshot()) == []


# --- Edge values: dates at the calendar's ends, other scripts' digits, ids no table holds ---------------


@pytest.mark.parametrize("role", ("teacher", "unit_head", "personnel", "academic"))
@pytest.mark.parametrize("route", ENDPOINTS, ids=str)
def test_edge_values_in_the_query_string_are_a_400_or_ignored(route, role, world, as_role):
    client, url = as_role(role), url_of(route, world)
    for value in EDGE_VALUES:
        response = client.get(url, {**QUERIES.get(route.name, {}), **edge_query(value)})
        assert response.status_code in (200, 400, 403, 404, 405), f"{value!r}: {response.status_code}"
        assert response.json() is not None, "the API answers in JSON"


@pytest.mark.parametrize("route", [r for r in ENDPOINTS if bounded_params(r)], ids=str)
def test_edge_values_in_the_path_are_a_json_404(route, world, as_role):
    client = as_role(ACTORS.get(route.name, "personnel"))
    for param, converter in bounded_params(route).items():
        for value in EDGE_PATH_VALUES[converter]:
            values = {key: world.objects[name] for key, name in ARGS[route.name][1].items()}
            url = concrete(route, {**values, param: value})
            for response in (client.get(url), client.post(url, {}, content_type="application/json")):
                assert response.status_code == 404, f"{url}: {response.status_code}"
                assert response.json()["code"] == "not_found"


# --- Text lengths and body sizes ---------------------------------------------------------------------------

MEGABYTE = "字" * (1024 * 1024 // 3 + 1)  # over 1 MB in UTF-8


def _text_fields_of_every_input(client):
    """(route, field) for every string field of every JSON request body the schema publishes."""
    schema = client.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]

    def resolve(node):
        while "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[1]]
        return node

    by_path = {"/" + re.sub(r"<[^>]+>", "{}", r.route): r for r in ENDPOINTS}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if method != "post" or body is None:
                continue
            for name, field in resolve(body["schema"]).get("properties", {}).items():
                field = resolve(field)
                if field.get("type") == "string" and "enum" not in field and "format" not in field:
                    yield by_path[re.sub(r"\{[^}]+\}", "{}", path)], name


def test_a_megabyte_in_any_text_field_of_any_input_is_a_400(world, as_role):
    """A 1 MB value for each text field of each API input, one at a time: refused by that field."""
    fields = list(_text_fields_of_every_input(as_role("teacher")))
    assert len(fields) >= 8, fields
    for route, name in fields:
        client, url = as_role(ACTORS.get(route.name, "teacher")), url_of(route, world)
        before = db_snapshot()
        response = client.post(url, {name: MEGABYTE}, content_type="application/json")
        assert response.status_code == 400, f"{route} {name}: {response.status_code}"
        assert name in response.json(), f"{route}: {name} not refused ({response.json()})"
        assert snapshot_diff(before, db_snapshot()) == []


@pytest.mark.parametrize("content_type", ("application/json", "application/x-www-form-urlencoded"))
@pytest.mark.parametrize("route", [r for r in ENDPOINTS if r.name in ACTORS], ids=str)
def test_an_over_size_body_is_a_json_413(route, content_type, world, as_role, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    client, url = as_role(ACTORS[route.name]), url_of(route, world)
    body = json.dumps({"reason": "x" * 5000}) if content_type == "application/json" else "reason=" + "x" * 5000
    before = db_snapshot()
    response = client.post(url, body, content_type=content_type)
    assert response.status_code == 413, response.status_code
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "request_too_large"
    assert snapshot_diff(before, db_snapshot()) == []


def test_the_api_answers_in_json_where_no_endpoint_is(as_role):
    for role in (None, "teacher"):
        response = as_role(role).get("/api/no-such-thing/")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
