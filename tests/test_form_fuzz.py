"""Every page that takes a POST, fed nothing and fed nonsense: a clear message, nothing changed, never a 500.

For each page pattern (tests/test_url_sweep.py's ``ARGS`` fills the parameters) the fuzz posts, as each of the
people who use forms (``ACTORS``), an empty form and a form of wrong types and impossible dates. The answer must
be the form again (200/400) with an error shown, or a redirect carrying an error message, or a refusal
(403/404/405); and a snapshot of every app's rows (tests/sweep.py) must be the same before and after.

``EMPTY_IS_AN_ACTION`` lists the pages where a POST with no fields is a complete, valid request (a confirmation
button): they are fuzzed with the nonsense form only, and only the 500 and the message are checked.
"""

import pytest
from django.contrib.messages import constants

from tests.sweep import EDGE_VALUES, db_snapshot, project_routes, snapshot_diff
from tests.sweep_world import fixtures
from tests.test_url_sweep import url_of

world, as_role = fixtures()

# Every page that takes a POST, and who fills its form in.
FORMS = {
    "notifications:mark_read": "teacher",
    "notifications:push_remove": "teacher",
    "sso:profile": "teacher",
    "sso:binding_policy": "personnel",
    "sso:binding_bind": "personnel",
    "sso:binding_unbind": "personnel",
    "sso:binding_preregister": "personnel",
    "sso:lockout_unlock_address": "personnel",
    "sso:lockout_unlock": "personnel",
    "schedules:office_calendar": "personnel",
    "schedules:school_days": "personnel",
    "schedules:school_day_edit": "personnel",
    "schedules:school_day_delete": "personnel",
    "schedules:semester_new": "personnel",
    "schedules:semester_edit": "personnel",
    "schedules:semester_delete": "personnel",
    "schedules:typhoons": "personnel",
    "schedules:typhoon_withdraw": "personnel",
    "schedules:cap_alerts": "personnel",
    "schedules:cap_alert_confirm": "personnel",
    "schedules:cap_alert_dismiss": "personnel",
    "schedules:disaster_stops": "teacher",
    "schedules:disaster_stop_decide": "principal",
    "schedules:disaster_stop_withdraw": "teacher",
    "schedules:work_schedules_seed": "personnel",
    "schedules:timetable_import": "academic",
    "attendance:punch": "teacher",
    "attendance:correction_new": "teacher",
    "attendance:correction_approve": "unit_head",
    "attendance:correction_reject": "unit_head",
    "attendance:start_date": "personnel",
    "leave:new": "teacher",
    "leave:approve": "unit_head",
    "leave:reject": "unit_head",
    "leave:withdraw": "teacher",
    "leave:cancel": "teacher",
    "leave:reassign": "personnel",
    "leave:overtime": "teacher",
    "leave:overtime_decide": "unit_head",
    "leave:overtime_withdraw": "teacher",
    "leave:overtime_settle": "personnel",
    "substitutes:assign": "academic",
    "substitutes:assign_many": "academic",
    "substitutes:propose_confirm": "academic",
    "substitutes:assignment_cancel": "academic",
    "substitutes:absence_new": "academic",
    "substitutes:absence_cancel": "academic",
    "offices:decide": "unit_head",
    "calendar_feed_manage": "teacher",
    "substitutes:offers_answer": "teacher",
    "substitutes:policy": "academic",
}
ROUTES = {r.name: r for r in project_routes() if not r.is_api}

# A POST with no fields is the whole request (a confirm button): only "no 500" is checked there.
EMPTY_IS_AN_ACTION = {
    "notifications:mark_read": "marks every notice read",
    "notifications:push_remove": "removes one of one's own push devices",
    "leave:withdraw": "withdraws the request",
    "leave:overtime_withdraw": "withdraws the overtime request",
    "leave:approve": "the comment is optional",
    "attendance:correction_approve": "the note is optional",
    "attendance:correction_reject": "the note is optional",
    "schedules:school_day_delete": "deletes the school day",
    "schedules:semester_delete": "deletes the semester",
    "schedules:typhoon_withdraw": "withdraws the declaration",
    "schedules:cap_alert_confirm": "confirms the announcement for the school (declares its closure)",
    "schedules:cap_alert_dismiss": "dismisses the announcement for the school",
    "schedules:disaster_stop_withdraw": "withdraws the registration",
    "schedules:work_schedules_seed": "adds the default clock-in rules",
    "substitutes:assignment_cancel": "the reason is optional",
    "substitutes:absence_cancel": "cancels the recorded absence",
    "substitutes:policy": "an unticked box is a choice: offers off (the default, so nothing changes)",
    "sso:binding_unbind": "unbinds the portal account",
    "sso:lockout_unlock": "unlocks the account",
    "sso:binding_policy": "an unticked box is a choice: no pre-registered matching",
    "sso:binding_preregister": "a blank portal e-mail pre-registers by name (PortalPreRegistration.portal_email)",
}
# Pages that answer input naming something one may not touch with a refusal rather than a message.
REFUSE_BAD_INPUT = {
    "sso:profile": "the form names one of one's own portal identities; any other value is a 404",
    "sso:lockout_unlock_address": "only an address the page listed for the school may be unlocked; others are 404",
}

NONSENSE = {
    # dates and times that do not exist, numbers that are words, choices that are not offered
    "date": "2025-13-45", "day": "2025-02-30", "start_date": "0000-00-00", "end_date": "yesterday",
    "start_time": "25:99", "end_time": "-1:00", "time": "noon", "start": "abc", "end": "2025-10-09T99:00",
    "work_date": "x", "effective_from": "x", "school_year": "abc", "term": "9", "year": "-5", "month": "13",
    "leave_type": "abc", "deputy": "abc", "kind": "nonsense", "category": "nonsense", "decision": "maybe",
    "substitute": "abc", "substitute_id": "abc", "teacher": "abc", "staff": "abc", "to": "abc", "assignee": "abc",
    "swap_date": "x", "swap_period_number": "-3", "period": "x", "paid_by": "x", "compensation": "gold",
    "planned_start": "x", "planned_end": "x", "worked_start": "x", "worked_end": "x", "hours": "many",
    "schedule": "abc", "semester": "abc", "ip_address": "999.1.1.1", "portal_email": "not-an-email",
    "allow_preregistered_match": "sometimes", "file": "not a file", "content": "x", "action": "submit",
    "ids": "x", "employee_no": "", "identity": "abc", "staff_id": "abc", "start_at": "x", "end_at": "x",
    "in_time": "x", "out_time": "x", "event_date": "x", "event_key": "x" * 500, "label": "", "reason": "",
    "comment": "", "note": "", "name": "\x00",  # a NUL: PostgreSQL refuses it in text
    "id": "x", "attendance_start": "2025-02-30",
}


def error_shown(response) -> bool:
    """An error the person can read: a form error or an error message on the page, or one queued for the
    page the redirect leads to."""
    if response.status_code in (200, 400):
        html = response.content.decode()
        return 'class="errorlist' in html or "msg error" in html or "msg warning" in html
    if response.status_code == 302:
        return any(m.level >= constants.WARNING for m in response.wsgi_request._messages)
    return True  # 403, 404, 405: a refusal is its own message


def test_every_form_page_is_in_the_table():
    """A page is fuzzed when it is in FORMS; the POST-only ones (GET → 405) must all be there."""
    assert FORMS.keys() - ROUTES.keys() == set(), "stale entries in FORMS"


# Every field set to one value at the edge of the calendar or of a column (tests/sweep.py's EDGE_VALUES):
# year 1, 9999, 99999, month 13, other scripts' digits, a 30-digit id. Each is a form error, never a 500.
# Text and choice fields keep their nonsense (a "9999" comment would be a valid rejection).
_WORDS = {
    "label", "reason", "comment", "note", "name", "event_key", "content", "employee_no", "portal_email",
    "ip_address", "file", "action", "kind", "category", "decision", "compensation", "paid_by",
    "allow_preregistered_match",
}
EDGE_FORMS = {
    f"edge_{index}": {key: (nonsense if key in _WORDS else value) for key, nonsense in NONSENSE.items()}
    for index, value in enumerate(EDGE_VALUES)
}

PARAMS = [
    pytest.param(name, data_name, id=f"{name}-{data_name}")
    for name in FORMS
    for data_name in ("empty", "nonsense", *EDGE_FORMS)
]


@pytest.mark.parametrize(("name", "data_name"), PARAMS)
def test_bad_form_shows_a_message_and_changes_nothing(name, data_name, world, as_role):
    # "empty": what a browser sends for a form left blank (every field, every value empty)
    data = dict.fromkeys(NONSENSE, "") if data_name == "empty" else EDGE_FORMS.get(data_name, NONSENSE)
    before = db_snapshot()
    response = as_role(FORMS[name]).post(url_of(ROUTES[name], world), data)
    assert response.status_code in (200, 302, 400, 403, 404, 405), response.status_code
    if name in EMPTY_IS_AN_ACTION:
        return  # a valid request: not a 500 is all there is to check
    if name in REFUSE_BAD_INPUT:
        assert response.status_code == 404, REFUSE_BAD_INPUT[name]
    else:
        # An edge id names no row: "not found" is as clear an answer as the form with its error.
        reached = (200, 302, 400, 404) if data_name in EDGE_FORMS else (200, 302, 400)
        assert response.status_code in reached, f"{FORMS[name]} should reach the form: {response.status_code}"
        assert error_shown(response), f"{response.status_code} without an error message"
    assert snapshot_diff(before, db_snapshot()) == []


@pytest.mark.parametrize("role", ("teacher", "unit_head", "personnel", "academic"))
def test_post_only_pages_are_all_fuzzed(role, world, as_role):
    """Any page that refuses a GET (405) takes a POST: it must be in FORMS."""
    client = as_role(role)
    post_only = {
        name for name, route in ROUTES.items()
        if name not in FORMS and name not in ("logout", "sso:bind")
        and client.get(url_of(route, world)).status_code == 405
    }
    assert post_only == set(), "POST pages missing from FORMS"


# Forms anyone signed in fills in for themselves.
OWN_FORMS = {
    "notifications:mark_read", "sso:profile", "attendance:punch", "attendance:correction_new", "leave:new",
    "leave:overtime", "schedules:disaster_stops", "calendar_feed_manage", "substitutes:offers_answer",
    # one's own inbox: every item is checked by its own service (refused ones are reported, nothing changes)
    "offices:decide",
}


@pytest.mark.parametrize(("name", "role"), [
    (name, role)
    for name in FORMS if name not in OWN_FORMS
    # another school's personnel runs their own school's calendar: only the standing school's objects are theirs
    for role in (("other_teacher", "outsider") if ROUTES[name].params else ("other_teacher",))
])
def test_forms_of_others_refuse_before_reading_the_input(name, role, world, as_role):
    """Another unit's teacher posting to a form that is not theirs, or another school's personnel posting
    about one of the standing school's objects: 403/404, nothing changed."""
    before = db_snapshot()
    response = as_role(role).post(url_of(ROUTES[name], world), dict.fromkeys(NONSENSE, ""))
    assert response.status_code in (403, 404), response.status_code
    assert snapshot_diff(before, db_snapshot()) == []


UPLOADS = {
    "binary": ("課表.csv", b"\x00\xff\xfe\x89PNG\r\n\x1a\n\x00\x00garbage\xc3\x28"),
    "empty": ("empty.csv", b""),
    "wrong_columns": ("wrong.csv", "甲,乙,丙\n1,2,3\n".encode()),
    "bad_rows": ("rows.csv", "教師編號,星期,節次,班級,科目\nNOPE,9,99,,\n,,,,\n".encode("big5")),
    "exe_attachment": ("setup.exe", b"MZ\x90\x00"),
}
UPLOAD_FORMS = {
    # page: (who, the other fields of the form, the file field)
    "schedules:timetable_import": ("academic", lambda w: {"semester": w.objects["semester"]}, "file"),
    "schedules:office_calendar": ("personnel", lambda w: {}, "file"),
    "schedules:cap_alerts": ("personnel", lambda w: {}, "file"),
    "leave:new": ("teacher", lambda w: {
        "leave_type": "", "start_date": "2025-10-09", "start_time": "08:00", "end_date": "2025-10-09",
        "end_time": "12:00", "reason": "家中有事", "deputy": w.staff("unit_head").pk, "action": "submit",
    }, "attachments"),
}


@pytest.mark.parametrize(("name", "upload"), [
    (name, upload) for name in UPLOAD_FORMS for upload in UPLOADS
    # a leave's proof is any PDF or image: only the kind of file is checked, not its content
    if name != "leave:new" or upload == "exe_attachment"
])
def test_bad_uploads_show_a_message_and_change_nothing(name, upload, world, as_role):
    from django.core.files.uploadedfile import SimpleUploadedFile

    who, fields, file_field = UPLOAD_FORMS[name]
    filename, content = UPLOADS[upload]
    data = {**fields(world), file_field: SimpleUploadedFile(filename, content)}
    if name == "leave:new":  # a real leave type, so that only the attachment is wrong
        from leave.models import LeaveType

        data["leave_type"] = LeaveType.objects.get(school=world.people["school"], code="personal").pk
    before = db_snapshot()
    response = as_role(who).post(url_of(ROUTES[name], world), data)
    assert response.status_code in (200, 302, 400), f"{who} should reach the form: {response.status_code}"
    assert error_shown(response), f"{response.status_code} without an error message"
    assert snapshot_diff(before, db_snapshot()) == []
