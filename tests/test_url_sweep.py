"""Every page of the project, as nobody and as every standing role: sign-in first, per-object refusals, no 500.

The table ``ARGS`` says, for every pattern with parameters, which object of the sweep's world fills it and
whose it is; a new pattern with parameters fails ``test_every_pattern_with_parameters_is_in_the_table`` until
it is added. Owners:

- ``teacher``: 王老師's own record (their leave, 補登, overtime, timetable, portal binding...). Another unit's
  teacher and head, and another school's personnel, are refused it (403/404) and change nothing.
- ``recipient``: only the teacher may open it (an in-app notice); everyone else is refused.
- ``school``: the standing school's record (semester, school day, typhoon day, a recorded absence);
  another school's personnel is refused it.
- ``None``: the viewer's own view (a month, a report of their own school): no one else's object in the URL.
"""

import pytest

from tests.sweep import (
    EDGE_PATH_VALUES,
    EDGE_VALUES,
    GARBAGE_QUERY,
    PUBLIC,
    SIGN_OUT,
    Route,
    bare_int_converters,
    bounded_params,
    concrete,
    db_snapshot,
    edge_query,
    project_routes,
    snapshot_diff,
)
from tests.sweep_world import ROLES, fixtures, school_markers, teacher_markers

world, as_role = fixtures()

PAGES = [r for r in project_routes() if not r.is_api]
SWEPT_ROLES = tuple(r for r in ROLES if r != "other_head")  # other_head is checked on objects only

# pattern name -> (owner, {parameter: world object key | "@role" (that person's StaffMember pk) | literal})
ARGS: dict[str, tuple[str | None, dict[str, object]]] = {
    "notifications:open": ("recipient", {"pk": "notification"}),
    "notifications:push_remove": ("recipient", {"pk": "push_device"}),
    "sso:binding_unbind": ("teacher", {"identity_id": "identity"}),
    "sso:binding_bind": ("teacher", {"identity_id": "identity"}),
    "sso:binding_preregister": ("teacher", {"staff_id": "@teacher"}),
    "sso:lockout_unlock": ("teacher", {"staff_id": "@teacher"}),
    "sso:password_reset_confirm": (None, {"uidb64": "MQ", "token": "set-password"}),
    "schedules:school_day_edit": ("school", {"pk": "school_day"}),
    "schedules:school_day_delete": ("school", {"pk": "school_day"}),
    "schedules:semester_edit": ("school", {"pk": "semester"}),
    "schedules:semester_delete": ("school", {"pk": "semester"}),
    "schedules:typhoon_withdraw": ("school", {"pk": "typhoon"}),
    "schedules:cap_alert_confirm": ("school", {"pk": "cap_alert"}),
    "schedules:cap_alert_dismiss": ("school", {"pk": "cap_alert"}),
    "schedules:disaster_stop_decide": ("teacher", {"pk": "disaster_claim"}),
    "schedules:disaster_stop_withdraw": ("teacher", {"pk": "disaster_claim"}),
    "schedules:timetable_teacher": ("teacher", {"pk": "@teacher"}),
    "attendance:my_month_of": (None, {"year": 2025, "month": 10}),
    # the token in the address is the credential (config/feeds.py): a public page, whoever asks
    "calendar_feed": (None, {"token": "calendar_token"}),
    "attendance:staff_month": ("teacher", {"staff_id": "@teacher", "year": 2025, "month": 10}),
    "attendance:export": (None, {"fmt": "csv"}),
    "attendance:sheet_day": ("teacher", {"staff_id": "@teacher"}),
    "attendance:correction_approve": ("teacher", {"correction_id": "correction"}),
    "attendance:correction_reject": ("teacher", {"correction_id": "correction"}),
    "leave:detail": ("teacher", {"pk": "leave_request"}),
    "leave:approve": ("teacher", {"pk": "leave_request"}),
    "leave:reject": ("teacher", {"pk": "leave_request"}),
    "leave:withdraw": ("teacher", {"pk": "leave_request"}),
    "leave:cancel": ("teacher", {"pk": "leave_request"}),
    "leave:reassign": ("teacher", {"pk": "leave_request"}),
    "leave:attachment": ("teacher", {"pk": "leave_attachment"}),
    "leave:overtime_decide": ("teacher", {"pk": "overtime"}),
    "leave:overtime_withdraw": ("teacher", {"pk": "overtime"}),
    "leave:overtime_settle": ("teacher", {"pk": "overtime"}),
    "substitutes:need": ("teacher", {"pk": "need"}),
    "substitutes:assign": ("teacher", {"pk": "need"}),
    "substitutes:assignment_cancel": ("teacher", {"pk": "assignment"}),
    "substitutes:absence_cancel": ("school", {"pk": "absence"}),
    # the unit's calendar (offices/calendars.py): the teacher's unit, for its head, personnel and the principal
    "offices:unit_calendar_of": ("teacher", {"unit_id": "unit"}),
    # the city's read-only view of a school: nobody of the standing world holds the city role
    "offices:city_school": ("school", {"school_id": "school"}),
    "offices:city_sheet": ("school", {"school_id": "school"}),
    "offices:city_sheet_day": ("school", {"school_id": "school"}),
}

# Who must be refused an object, by owner.
REFUSED = {
    "teacher": ("other_teacher", "other_head", "outsider"),
    "recipient": ("unit_head", "other_teacher", "other_head", "personnel", "principal", "academic", "outsider"),
    "school": ("outsider",),
}

# Exceptions to REFUSED, with the reason.
ALLOWED_EXCEPTIONS: dict[tuple[str, str], str] = {
    (name, role): "timetables are posted at school: anyone of the same school reads them (docs/substitutes.md)"
    for name in ("schedules:timetable_teacher",)
    for role in ("other_teacher", "other_head")
}


def url_of(route: Route, world, **override) -> str:
    return concrete(route, {**values_of(route, world), **override})


def values_of(route: Route, world) -> dict[str, object]:
    _owner, params = ARGS.get(route.name, (None, {}))
    values = {}
    for key, value in params.items():
        if isinstance(value, str) and value.startswith("@"):
            values[key] = world.staff(value[1:]).pk
        elif isinstance(value, str) and value in world.objects:
            values[key] = world.objects[value]
        else:
            values[key] = value
    return values


def test_every_pattern_with_parameters_is_in_the_table():
    with_params = {r.name for r in PAGES if r.params}
    assert with_params - ARGS.keys() == set(), "new URL patterns: say in ARGS which object fills them"
    assert ARGS.keys() - with_params == set(), "stale entries in ARGS"
    assert len({r.name for r in PAGES}) == len(PAGES), "two page patterns share a name"


@pytest.mark.parametrize("route", PAGES, ids=str)
def test_anonymous_is_sent_to_sign_in(route, world, as_role):
    response = as_role(None).get(url_of(route, world))
    if route.name in PUBLIC:
        assert response.status_code == 200, PUBLIC[route.name]
    elif route.name in SIGN_OUT:
        assert response.status_code == 405
    else:
        # A page that takes only POST may refuse the method before asking who is there.
        assert response.status_code in (302, 405), response.status_code
        if response.status_code == 302:
            assert response.url.startswith("/accounts/login/"), response.url


@pytest.mark.parametrize("role", SWEPT_ROLES)
@pytest.mark.parametrize("route", PAGES, ids=str)
def test_every_role_gets_an_answer_not_an_error(route, role, world, as_role):
    response = as_role(role).get(url_of(route, world))
    assert response.status_code in (200, 302, 403, 404, 405), response.status_code


DENIALS = [
    pytest.param(route, role, id=f"{route}-{role}")
    for route in PAGES
    if ARGS.get(route.name, (None,))[0] in REFUSED
    for role in REFUSED[ARGS[route.name][0]]
]


@pytest.mark.parametrize(("route", "role"), DENIALS)
def test_strangers_are_refused_the_object(route, role, world, as_role):
    if (route.name, role) in ALLOWED_EXCEPTIONS:
        pytest.skip(ALLOWED_EXCEPTIONS[(route.name, role)])
    client, url = as_role(role), url_of(route, world)
    response = client.get(url)
    assert response.status_code in (403, 404, 405), f"GET {url} as {role}: {response.status_code}"
    if response.status_code == 405:  # an action: try to take it
        before = db_snapshot()
        response = client.post(url, {})
        assert response.status_code in (403, 404), f"POST {url} as {role}: {response.status_code}"
        assert snapshot_diff(before, db_snapshot()) == []


@pytest.mark.parametrize("role", ("personnel", "academic", "teacher"))
@pytest.mark.parametrize("route", [r for r in PAGES if r.name not in PUBLIC], ids=str)
def test_garbage_query_parameters_are_not_an_error(route, role, world, as_role):
    """A stale bookmark or a hand-edited ?month=13 gets the page (or a clear refusal), never a 500."""
    response = as_role(role).get(url_of(route, world), GARBAGE_QUERY)
    assert response.status_code in (200, 302, 400, 403, 404, 405), response.status_code


def _markers(world, role: str) -> list[str]:
    """What must not reach ``role``: the teacher's records (another unit), or anything of the school (outsider)."""
    return school_markers(world) if role == "outsider" else teacher_markers(world)


# Pages that show the teacher's name to another unit by design.
NAMES_SHOWN = {
    "schedules:timetables": "the timetable index lists the school's teachers (timetables are posted at school)",
    "schedules:timetable_teacher": "a teacher's timetable is headed by their name (timetables are posted at school)",
    "leave:new": "the deputy list offers the school's colleagues (leave/forms.py deputy_choices)",
    "substitutes:board": "the cover board names who is away and who covers, for the whole school (docs/substitutes.md)",
}


@pytest.mark.parametrize("name", ("leave:overview", "attendance:school", "attendance:corrections"))
def test_the_leak_check_can_fail(name, world, as_role):
    """The markers are on the school-wide pages for personnel: their absence elsewhere means something."""
    route = next(r for r in PAGES if r.name == name)
    text = as_role("personnel").get(url_of(route, world)).content.decode()
    assert [m for m in _markers(world, "other_teacher") if m in text]


@pytest.mark.parametrize("role", ("other_teacher", "other_head", "outsider"))
@pytest.mark.parametrize("route", [r for r in PAGES if r.name not in PUBLIC], ids=str)
def test_pages_leak_nothing_to_strangers(route, role, world, as_role):
    if route.name in NAMES_SHOWN and role != "outsider":
        pytest.skip(NAMES_SHOWN[route.name])
    teacher, school = world.staff("teacher"), world.people["school"]
    aimed = {  # asking for the teacher's rows by the filters' names changes nothing
        "staff": teacher.pk, "applicant": teacher.pk, "teacher": teacher.pk, "unit": teacher.unit_id,
        "school": school.pk, "school_code": school.code,
    }
    for params in ({}, aimed):
        response = as_role(role).get(url_of(route, world), params)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith(("text/", "application/")):
            continue
        text = response.content.decode("utf-8", errors="replace")
        leaked = [m for m in _markers(world, role) if m in text]
        assert leaked == [], f"{route} shows {role} with {params}: {leaked}"


# --- Edge values: dates at the calendar's ends, other scripts' digits, ids no table holds ---------------


def test_no_pattern_takes_an_unbounded_int():
    """Every number in a path goes through a bounded converter (<id:…>, <year:…>, <month:…>)."""
    unbounded = {r.name: bare_int_converters(r) for r in project_routes() if bare_int_converters(r)}
    assert unbounded == {}


@pytest.mark.parametrize("route", [r for r in PAGES if bounded_params(r)], ids=str)
def test_edge_values_in_the_path_are_not_found(route, world, as_role):
    client = as_role("personnel")
    for param, converter in bounded_params(route).items():
        for value in EDGE_PATH_VALUES[converter]:
            url = url_of(route, world, **{param: value})
            response = client.get(url)
            assert response.status_code == 404, f"{url}: {response.status_code}"


@pytest.mark.parametrize("role", ("personnel", "unit_head", "academic"))
@pytest.mark.parametrize("route", [r for r in PAGES if r.name not in PUBLIC], ids=str)
def test_edge_values_in_the_query_string_are_not_an_error(route, role, world, as_role):
    """?month=9999-12, ?date=0001-01-01, ?staff=111…1 (30 digits), ?year=١٢ …: the page, or a clear 400."""
    client, url = as_role(role), url_of(route, world)
    for value in EDGE_VALUES:
        response = client.get(url, edge_query(value))
        assert response.status_code in (200, 302, 400, 403, 404, 405), f"{value!r}: {response.status_code}"
