"""The REST API: same services and permissions as the pages; refusals are 400s with their code."""

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from leave.models import LeaveRequest, LeaveStatus, OvertimeRequest
from leave.services import leave_request_submit, leave_step_approve
from tests.leave.conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_1_september_2025")]



@pytest.fixture
def api():
    def as_(staff) -> APIClient:
        client = APIClient()
        client.force_authenticate(staff.user)
        return client

    return as_


def body(school, types, **overrides) -> dict:
    data = {
        "leave_type": types["personal"].pk, "start": "2025-09-10T08:00:00+08:00", "end": "2025-09-10T12:00:00+08:00",
        "deputy": school["other_teacher"].pk, "reason": "家中有事", "class_arrangement": "調課",
    }
    return {**data, **overrides}


def submit(school, types, who="teacher", day=10) -> LeaveRequest:
    return leave_request_submit(
        applicant=school[who], leave_type=types["personal"], start=at(2025, 9, day, 8), end=at(2025, 9, day, 12),
        deputy=school["other_teacher"] if who != "other_teacher" else school["teacher"], class_arrangement="調課",
    )


def test_signed_out_callers_are_refused(client):
    assert client.get("/api/leave/requests/").status_code in (401, 403)


def test_types_and_balances(school, types, api):
    codes = [t["code"] for t in api(school["teacher"]).get("/api/leave/types/").json()]
    assert "personal" in codes and "vacation" not in codes
    rows = {r["code"]: r for r in api(school["unit_head"]).get("/api/leave/balances/").json()}
    assert rows["vacation"]["remaining_text"] == "剩餘：28日0小時"
    assert rows["bereavement"]["granted"] is None
    # Nothing of 事假 taken: 家庭照顧假 has its own 56 h, and 事假 leaves it as much.
    assert (rows["family_care"]["remaining"], rows["family_care"]["own_remaining"]) == (56, 56)


def test_balances_of_others_follow_the_visibility_rule(school, api):
    teacher_id = school["teacher"].pk
    assert api(school["unit_head"]).get(f"/api/leave/balances/?staff={teacher_id}").status_code == 200
    assert api(school["personnel"]).get(f"/api/leave/balances/?staff={teacher_id}").status_code == 200
    assert api(school["other_head"]).get(f"/api/leave/balances/?staff={teacher_id}").status_code == 404
    assert api(school["outsider"]).get(f"/api/leave/balances/?staff={teacher_id}").status_code == 404


def test_preview_submit_and_refusal_codes(school, types, api):
    client = api(school["teacher"])
    preview = client.post("/api/leave/requests/preview/", body(school, types), format="json").json()
    assert (preview["hours"], preview["length"]) == (4, "0日4小時")
    assert preview["balances"][0]["remaining_after"] == 52
    created = client.post("/api/leave/requests/", body(school, types), format="json")
    assert created.status_code == 201
    assert created.json()["steps"][0]["role"] == "deputy" and created.json()["length"] == "0日4小時"
    again = client.post("/api/leave/requests/", body(school, types), format="json")
    assert again.status_code == 400 and again.json()["code"] == "overlap"
    self_deputy = client.post("/api/leave/requests/", body(school, types, deputy=school["teacher"].pk,
                                                           start="2025-09-11T08:00:00+08:00",
                                                           end="2025-09-11T12:00:00+08:00"), format="json")
    assert self_deputy.json()["code"] == "deputy_self"
    assert LeaveRequest.objects.count() == 1


def test_list_filters_and_visibility(school, types, api, django_assert_max_num_queries):
    for day in (10, 11, 12):
        submit(school, types, day=day)
    other = submit(school, types, who="other_teacher", day=15)
    client = api(school["personnel"])
    # 5 queries: the request's savepoint and release; roles; count; the page (applicant, unit, type, deputy
    # and unit joined) — none per row.
    with django_assert_max_num_queries(5):
        everything = client.get("/api/leave/requests/").json()
    assert everything["count"] == 4
    assert client.get("/api/leave/requests/?q=李導師").json()["results"][0]["id"] == other.pk
    assert client.get(f"/api/leave/requests/?leave_type={types['sick'].pk}").json()["count"] == 0
    assert client.get("/api/leave/requests/?status=pending&start=2025-09-12").json()["count"] == 2
    assert api(school["unit_head"]).get("/api/leave/requests/").json()["count"] == 3
    assert api(school["teacher"]).get("/api/leave/requests/").json()["count"] == 3
    assert api(school["outsider"]).get("/api/leave/requests/").json()["count"] == 0
    assert api(school["other_head"]).get(f"/api/leave/requests/{other.pk}/").status_code == 200
    assert api(school["other_head"]).get(
        f"/api/leave/requests/{LeaveRequest.objects.filter(applicant=school['teacher']).first().pk}/"
    ).status_code == 404


def test_approval_actions(school, types, api):
    request = submit(school, types)
    url = f"/api/leave/requests/{request.pk}"
    wrong = api(school["unit_head"]).post(f"{url}/approve/", {}, format="json")
    assert wrong.status_code == 400 and wrong.json()["code"] == "not_your_step"
    inbox = api(school["other_teacher"]).get("/api/leave/inbox/").json()
    assert [s["request"]["id"] for s in inbox] == [request.pk]
    assert api(school["other_teacher"]).post(f"{url}/approve/", {"comment": "可"}, format="json").status_code == 200
    no_comment = api(school["unit_head"]).post(f"{url}/reject/", {}, format="json")
    assert no_comment.json()["code"] == "comment_required"
    done = api(school["unit_head"]).post(f"{url}/approve/", {}, format="json").json()
    assert done["status"] == LeaveStatus.APPROVED
    cancel = api(school["teacher"]).post(f"{url}/cancel/", {"reason": "不需要了"}, format="json")
    assert cancel.status_code == 201 and cancel.json()["kind"] == "cancellation"
    assert api(school["other_head"]).post(f"{url}/withdraw/", {}, format="json").status_code == 404


def test_withdraw_and_reassign(school, types, api):
    request = submit(school, types)
    leave_step_approve(request=request, actor=school["other_teacher"])
    step = request.steps.get(status="current")
    denied = api(school["unit_head"]).post(f"/api/leave/steps/{step.pk}/reassign/", {"to": school["other_head"].pk},
                                           format="json")
    assert denied.json()["code"] == "forbidden"
    moved = api(school["personnel"]).post(f"/api/leave/steps/{step.pk}/reassign/", {"to": school["other_head"].pk},
                                          format="json")
    assert moved.json()["assignee"]["id"] == school["other_head"].pk
    assert api(school["outsider"]).post(f"/api/leave/steps/{step.pk}/reassign/", {"to": 1},
                                        format="json").status_code == 404
    gone = api(school["teacher"]).post(f"/api/leave/requests/{request.pk}/withdraw/", {}, format="json").json()
    assert gone["status"] == LeaveStatus.WITHDRAWN


def test_overtime_through_the_api(school, api):
    made = api(school["teacher"]).post("/api/leave/overtime/", {
        "planned_start": "2025-09-06T08:00:00+08:00", "planned_end": "2025-09-06T12:00:00+08:00", "reason": "校慶",
    }, format="json")
    assert made.status_code == 201
    pk = made.json()["id"]
    late = api(school["teacher"]).post("/api/leave/overtime/", {
        "planned_start": "2025-08-30T08:00:00+08:00", "planned_end": "2025-08-30T12:00:00+08:00", "reason": "補登",
    }, format="json")
    assert late.json()["code"] == "overtime_not_in_advance"
    assert api(school["unit_head"]).get("/api/leave/overtime/").json()["to_approve"][0]["id"] == pk
    decided = api(school["unit_head"]).post(f"/api/leave/overtime/{pk}/decide/", {"approve": True}, format="json")
    assert decided.json()["status"] == "approved"
    settle = {"worked_start": "2025-09-06T08:00:00+08:00", "worked_end": "2025-09-06T11:30:00+08:00"}
    assert api(school["unit_head"]).post(f"/api/leave/overtime/{pk}/settle/", settle,
                                         format="json").json()["code"] == "forbidden"
    too_early = api(school["personnel"]).post(f"/api/leave/overtime/{pk}/settle/", settle, format="json").json()
    assert too_early["code"] == "overtime_not_done"
    with time_machine.travel(at(2025, 9, 8, 9), tick=False):
        settled = api(school["personnel"]).post(f"/api/leave/overtime/{pk}/settle/", settle, format="json").json()
    assert settled["credited_hours"] == 3
    assert OvertimeRequest.objects.get().is_credit


def test_openapi_schema_lists_the_leave_endpoints(client, school):
    client.force_login(school["teacher"].user)
    schema = client.get(reverse("api-schema")).content.decode()
    for path in ("/api/leave/types/", "/api/leave/balances/", "/api/leave/requests/",
                 "/api/leave/requests/{id}/approve/", "/api/leave/inbox/", "/api/leave/overtime/"):
        assert path in schema, path


def test_submit_with_attachments_as_multipart(school, types, api, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    data = body(school, types, leave_type=types["sick"].pk, start="2025-09-10T08:00:00+08:00",
                end="2025-09-11T16:00:00+08:00")
    bad = api(school["teacher"]).post("/api/leave/requests/", {
        **data, "attachments": [SimpleUploadedFile("note.html", b"<script>")]}, format="multipart")
    assert bad.json()["code"] == "bad_attachment"
    made = api(school["teacher"]).post("/api/leave/requests/", {**data, "attachments": [
        SimpleUploadedFile("證明一.pdf", b"%PDF 1"), SimpleUploadedFile("證明二.jpg", b"\xff\xd8")]},
        format="multipart")
    assert made.status_code == 201, made.json()
    assert [a["name"] for a in made.json()["attachments"]] == ["證明一.pdf", "證明二.jpg"]


def test_answers_of_submit_and_approvals_are_the_detail_read_afresh(school, types, api, settings, tmp_path):
    """Submitting and approving answer with the request as the service handed it back (no second read): the
    same answer, field for field, as the detail read right after, through a long chain (role steps), a step
    skipped for a principal, and with attachments."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path

    def same_as_detail(caller, answer) -> dict:
        assert answer.status_code in (200, 201), answer.content
        assert answer.json() == caller.get(f"/api/leave/requests/{answer.json()['id']}/").json()
        return answer.json()

    teacher = api(school["teacher"])
    made = same_as_detail(teacher, teacher.post("/api/leave/requests/", {
        **body(school, types, leave_type=types["sick"].pk, end="2025-09-11T16:00:00+08:00"),
        "attachments": [SimpleUploadedFile("證明.pdf", b"%PDF 1")]}, format="multipart"))
    assert [a["name"] for a in made["attachments"]] == ["證明.pdf"]
    long = same_as_detail(teacher, teacher.post(
        "/api/leave/requests/", body(school, types, start="2025-09-15T08:00:00+08:00",
                                     end="2025-09-18T16:00:00+08:00"), format="json"))
    assert [s["role"] for s in long["steps"]] == ["deputy", "unit_head", "personnel", "principal"]
    for who in ("other_teacher", "unit_head", "personnel", "principal"):
        caller = api(school[who])
        step = same_as_detail(caller, caller.post(f"/api/leave/requests/{long['id']}/approve/", {"comment": "可"},
                                                  format="json"))
    assert step["status"] == LeaveStatus.APPROVED
    assert [s["acted_by"]["id"] for s in step["steps"]] == [
        school[k].pk for k in ("other_teacher", "unit_head", "personnel", "principal")]
    principal = api(school["principal"])
    own = same_as_detail(principal, principal.post("/api/leave/requests/", body(
        school, types, deputy=school["personnel"].pk, class_arrangement="無課務"), format="json"))
    deputy = api(school["personnel"])
    done = same_as_detail(deputy, deputy.post(f"/api/leave/requests/{own['id']}/approve/", {}, format="json"))
    assert [s["status"] for s in done["steps"]] == ["approved", "skipped"]


@pytest.mark.django_db(transaction=True)
def test_a_submission_through_the_api_is_its_service_s_transaction_alone(school, types, api):
    """The API's submit runs outside ATOMIC_REQUESTS: the service's transaction is the outermost (no savepoint and
    its release around it); a refusal still writes nothing."""
    from django.db import connection

    depth_at_insert: list[int] = []

    def wrapper(execute, sql, params, many, context):
        if 'INTO "leave_leaverequest"' in sql:
            depth_at_insert.append(len(connection.atomic_blocks))
        return execute(sql, params, many, context)

    teacher = api(school["teacher"])
    with connection.execute_wrapper(wrapper):
        assert teacher.post("/api/leave/requests/", body(school, types), format="json").status_code == 201
    assert depth_at_insert == [1]
    refused = teacher.post("/api/leave/requests/", body(school, types), format="json")  # the same span again
    assert refused.status_code == 400 and refused.json()["code"] == "overlap"
    assert LeaveRequest.objects.filter(applicant=school["teacher"]).count() == 1
