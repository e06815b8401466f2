"""The leave pages: what each person sees, what they may do, denials, exports and query budgets."""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from leave.display import action_label
from leave.models import ApprovalStep, LeaveRequest, LeaveStatus, OvertimeRequest
from leave.services import leave_request_submit, leave_step_approve, leave_step_reject, overtime_submit
from tests.factories import make_staff
from tests.leave.conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_1_september_2025")]



def submit(school, types, who="teacher", deputy="other_teacher", day=10, **kw) -> LeaveRequest:
    kwargs = {
        "applicant": school[who], "leave_type": types["personal"], "start": at(2025, 9, day, 8),
        "end": at(2025, 9, day, 12), "deputy": school[deputy], "reason": "看診陪同",
        "class_arrangement": "與李老師調課",
    }
    return leave_request_submit(**{**kwargs, **kw})


def form_data(school, types, **overrides) -> dict:
    data = {
        "leave_type": types["personal"].pk, "start_date": "2025-09-10", "start_time": "08:00",
        "end_date": "2025-09-10", "end_time": "12:00", "reason": "家中有事", "deputy": school["other_teacher"].pk,
        "class_arrangement": "第 3 節請吳老師代課", "action": "submit",
    }
    return {**data, **overrides}


def test_my_leave_shows_balances_and_requests(school, types, client_for):
    submit(school, types)
    page = client_for(school["teacher"]).get(reverse("leave:mine"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "剩餘：6日4小時" in html  # 事假 56 h less 4 h pending
    assert "114 學年度" in html
    assert "簽核中" in html and "職務代理人" in html


def test_family_care_shows_what_personal_leave_leaves_it(school, types, client_for):
    # 事假 Wed 10 Sep 08:00–16:00 (pending): 事假 has 56 − 8 = 48 h (6 days) left. 家庭照顧假's own 7 days
    # (56 h) are untouched, but it is counted within 事假, so it can take 6 days: min(56, 48) = 48 h.
    submit(school, types, day=10, end=at(2025, 9, 10, 16))
    teacher = client_for(school["teacher"])  # one test client: signing in again switches who it is
    html = teacher.get(reverse("leave:mine")).content.decode()
    assert ('<span class="leave-remaining" data-testid="remaining-family_care" '
            'title="本假別尚餘 7日0小時，以事假餘額為限">剩餘：6日0小時</span>') in html
    assert '<span class="leave-remaining" data-testid="remaining-personal">剩餘：6日0小時</span>' in html
    assert "本假別尚餘 7日0小時，以事假餘額為限</small>" in html
    # The form's balances list says the same.
    assert "剩餘：6日0小時</span> <small class=\"muted\">本假別尚餘 7日0小時，以事假餘額為限" in \
        teacher.get(reverse("leave:new")).content.decode()
    # The preview of 4 h of 家庭照顧假 on Fri 12 Sep: 48 − 4 = 44 h (5 days 4 hours) within quota; own 56 − 4 = 52.
    preview = teacher.get(reverse("leave:preview"), {
        "leave_type": types["family_care"].pk, "start_date": "2025-09-12", "start_time": "08:00",
        "end_date": "2025-09-12", "end_time": "12:00",
    }).content.decode()
    family = next(li for li in preview.split('<li data-testid="preview-balance">')[1:] if li.startswith("家庭照顧假"))
    assert "剩餘：5日4小時" in family and "目前 6日0小時" in family
    assert "本假別尚餘 6日4小時，以事假餘額為限" in family
    # The personnel office's table and export: the effective figure, the own one in the note.
    personnel = client_for(school["personnel"])
    page = personnel.get(reverse("leave:balances"))
    line = next(x for x in page.context["table"] if x["person"] == school["teacher"])
    cell = line["cells"][page.context["type_names"].index("家庭照顧假")]
    assert (cell.remaining, cell.own_remaining, cell.limited_by_parent) == (48, 56, True)
    assert "本假別尚餘 7日0小時，以事假餘額為限" in page.content.decode()
    book = load_workbook(io.BytesIO(personnel.get(reverse("leave:balances"), {"export": "xlsx"}).content))
    header = next(book.active.values)
    row = next(r for r in book.active.values if r[1] == "王老師")
    assert row[header.index("家庭照顧假剩餘（日）")] == 6 and row[header.index("家庭照顧假剩餘（小時）")] == 0
    assert row[header.index("事假剩餘（日）")] == 6 and row[header.index("事假剩餘（小時）")] == 0
    # Someone with all of 事假 left sees no note.
    assert "本假別尚餘" not in client_for(school["other_teacher"]).get(reverse("leave:mine")).content.decode()


def test_my_leave_query_budget_does_not_grow_with_requests(school, types, client_for, django_assert_max_num_queries):
    client = client_for(school["teacher"])
    submit(school, types, day=10)
    # 15 queries: the request's savepoint and its release; session, user, staff with school and unit; the
    # layout's roles, headed units, unread count; balances: rules (with the types they draw on), charges (grouped),
    # adjustments, credits; the page of requests and its count; their current steps (one prefetch).
    with django_assert_max_num_queries(15) as one:
        client.get(reverse("leave:mine"))
    for day in (11, 12, 15, 16, 17, 18):
        submit(school, types, day=day)
    with django_assert_max_num_queries(15) as seven:
        client.get(reverse("leave:mine"))
    assert len(seven.captured_queries) == len(one.captured_queries)


def test_new_request_previews_then_submits(school, types, client_for):
    client = client_for(school["teacher"])
    form = client.get(reverse("leave:new"))
    assert form.status_code == 200 and "職務代理人" in form.content.decode()
    # The preview: 08:00–12:00 is 4 h; 事假 after it 6 days 4 hours.
    preview = client.get(reverse("leave:preview"), {
        "leave_type": types["personal"].pk, "start_date": "2025-09-10", "start_time": "08:00",
        "end_date": "2025-09-10", "end_time": "12:00",
    }).content.decode()
    assert "0日4小時" in preview and "剩餘：6日4小時" in preview
    assert not LeaveRequest.objects.exists()
    # The no-script path: the 試算 button renders the same numbers without writing anything.
    page = client.post(reverse("leave:new"), form_data(school, types, action="preview")).content.decode()
    assert "剩餘：6日4小時" in page and not LeaveRequest.objects.exists()
    response = client.post(reverse("leave:new"), form_data(school, types))
    request = LeaveRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse("leave:detail", args=[request.pk])
    assert (request.hours, request.deputy, request.status) == (4, school["other_teacher"], LeaveStatus.PENDING)


def test_deputy_choices_list_the_own_unit_first_and_no_hourly_substitutes(school, types, client_for):
    from staff.models import StaffCategory

    teacher = school["teacher"]
    hourly = make_staff(school["school"], category=StaffCategory.HOURLY_SUBSTITUTE, name="鐘點代課")
    form = client_for(teacher).get(reverse("leave:new")).context["form"]
    choices = list(form.fields["deputy"].queryset)
    own = [p for p in choices if p.unit_id == teacher.unit_id]
    assert own and choices[: len(own)] == own  # colleagues of the same unit come first
    assert hourly not in choices and teacher not in choices


def test_new_request_refusal_shows_the_message_and_writes_nothing(school, types, client_for):
    client = client_for(school["teacher"])
    response = client.post(reverse("leave:new"), form_data(school, types, deputy=school["teacher"].pk))
    # The applicant is not offered as their own deputy at all.
    assert response.status_code == 400 and "deputy" in response.context["form"].errors
    response = client.post(reverse("leave:new"), form_data(school, types, end_time="07:00"))
    assert response.status_code == 400
    assert response.context["error_code"] == "end_before_start"
    assert "結束時間必須晚於開始時間" in response.content.decode()
    assert not LeaveRequest.objects.exists()


def test_preview_reports_refusals(school, types, client_for):
    html = client_for(school["teacher"]).get(reverse("leave:preview"), {
        "leave_type": types["vacation"].pk, "start_date": "2025-09-10", "end_date": "2025-09-10",
    }).content.decode()
    assert 'data-code="category_not_allowed"' in html


def test_attachments_upload_and_only_those_who_may_see_can_download(school, types, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(school["teacher"])
    proof = SimpleUploadedFile("診斷證明.pdf", b"%PDF-1.4 proof", content_type="application/pdf")
    client.post(reverse("leave:new"), form_data(
        school, types, leave_type=types["sick"].pk, start_time="", end_time="", end_date="2025-09-11",
        attachments=proof,
    ))
    request = LeaveRequest.objects.get()
    attachment = request.attachments.get()
    url = reverse("leave:attachment", args=[attachment.pk])
    assert b"".join(client.get(url).streaming_content) == b"%PDF-1.4 proof"
    assert client_for(school["unit_head"]).get(url).status_code == 200
    assert client_for(school["other_head"]).get(url).status_code == 404
    assert client_for(school["outsider"]).get(url).status_code == 404


def test_detail_is_visible_to_those_involved_only(school, types, client_for):
    request = submit(school, types)
    url = reverse("leave:detail", args=[request.pk])
    for who in ("teacher", "other_teacher", "unit_head", "personnel", "principal"):
        assert client_for(school[who]).get(url).status_code == 200, who
    for who in ("other_head", "academic", "outsider"):
        assert client_for(school[who]).get(url).status_code == 404, who


def test_deputy_accepts_and_head_approves_on_the_pages(school, types, client_for):
    request = submit(school, types)
    client = client_for(school["other_teacher"])
    page = client.get(reverse("leave:detail", args=[request.pk])).content.decode()
    assert "同意代理" in page
    client.post(reverse("leave:approve", args=[request.pk]), {"comment": "好"})
    client = client_for(school["unit_head"])
    inbox = client.get(reverse("leave:inbox")).content.decode()
    assert "王老師" in inbox
    client.post(reverse("leave:approve", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == LeaveStatus.APPROVED


def test_acting_out_of_turn_is_refused_with_a_message(school, types, client_for):
    request = submit(school, types)
    client = client_for(school["unit_head"])
    response = client.post(reverse("leave:approve", args=[request.pk]), follow=True)
    assert "您不是這一關的簽核人" in response.content.decode()
    response = client_for(school["other_teacher"]).post(reverse("leave:reject", args=[request.pk]), follow=True)
    assert "駁回時請填寫意見" in response.content.decode()
    request.refresh_from_db()
    assert request.status == LeaveStatus.PENDING
    # Someone who cannot see the request gets 404, not a message.
    assert client_for(school["other_head"]).post(reverse("leave:approve", args=[request.pk])).status_code == 404


def test_withdraw_and_cancel_on_the_pages(school, types, client_for):
    request = submit(school, types)
    client = client_for(school["teacher"])
    client.post(reverse("leave:withdraw", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == LeaveStatus.WITHDRAWN
    approved = submit(school, types, day=11)
    leave_step_approve(request=approved, actor=school["other_teacher"])
    leave_step_approve(request=approved, actor=school["unit_head"])
    response = client.post(reverse("leave:cancel", args=[approved.pk]), {"whole": "1", "reason": "提早返校"})
    cancellation = LeaveRequest.objects.get(kind=LeaveRequest.Kind.CANCELLATION)
    assert response.url == reverse("leave:detail", args=[cancellation.pk])
    assert cancellation.cancels_all and cancellation.amends == approved


def test_inbox_lists_what_waits_for_me_oldest_first(school, types, client_for, django_assert_max_num_queries):
    first = submit(school, types, day=10)
    with time_machine.travel(at(2025, 9, 1, 10), tick=False):
        second = submit(school, types, day=11)
    with time_machine.travel(at(2025, 9, 1, 11), tick=False):
        third = submit(school, types, who="academic", deputy="other_teacher", day=12, class_arrangement="無課務")
    client = client_for(school["other_teacher"])
    # 11 queries: savepoint and release; session, user, staff with school and unit; the people I cover now,
    # my roles, the steps (with requests, applicants, units, types, deputies in one join); the overtime
    # requests; the layout's headed units, unread count.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("leave:inbox"))
    assert [s.request_id for s in response.context["steps"]] == [first.pk, second.pk, third.pk]
    assert client_for(school["teacher"]).get(reverse("leave:inbox")).context["steps"] == []


def test_overview_is_for_unit_heads_and_the_school_wide(school, types, client_for, django_assert_max_num_queries):
    for day in (10, 11, 12):
        submit(school, types, day=day)
    submit(school, types, who="other_teacher", deputy="teacher", day=15)
    personnel = client_for(school["personnel"])
    # 14 queries: savepoint and release; session, user, staff with school and unit; roles; count of
    # requests; stuck steps and the school's role holders; the layout's headed units, unread count; the
    # filter's type and unit choices; the page of requests (applicant, unit, type, deputy joined).
    with django_assert_max_num_queries(14):
        response = personnel.get(reverse("leave:overview"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 4
    # A unit head sees their unit only.
    head = client_for(school["unit_head"]).get(reverse("leave:overview"))
    assert {r.applicant for r in head.context["page"].object_list} == {school["teacher"]}
    # A teacher may not open it.
    assert client_for(school["teacher"]).get(reverse("leave:overview")).status_code == 403
    assert client_for(school["teacher"]).get(reverse("leave:balances")).status_code == 403


def test_overview_filters_and_exports(school, types, client_for):
    submit(school, types, day=10)
    other = submit(school, types, who="other_teacher", deputy="teacher", day=15)
    client = client_for(school["personnel"])
    response = client.get(reverse("leave:overview"), {"q": "李導師"})
    assert [r.pk for r in response.context["page"].object_list] == [other.pk]
    response = client.get(reverse("leave:overview"), {"start": "2025-09-12", "end": "2025-09-30"})
    assert [r.pk for r in response.context["page"].object_list] == [other.pk]
    csv_text = client.get(reverse("leave:overview"), {"export": "csv"}).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("員工編號,姓名,處室")
    assert "李導師" in csv_text and "王老師" in csv_text
    book = load_workbook(io.BytesIO(client.get(reverse("leave:overview"), {"export": "xlsx"}).content))
    rows = list(book.active.values)
    assert rows[0][:2] == ("員工編號", "姓名") and len(rows) == 3


def test_balances_overview_and_export(school, types, client_for, django_assert_max_num_queries):
    submit(school, types, day=10)
    client = client_for(school["personnel"])
    # 14 queries whatever the number of people: savepoint and release; session, user, staff with school and
    # unit; roles; the people; balances: rules, charges (grouped), adjustments, credits; the layout's headed
    # units, unread count; the units for the filter.
    with django_assert_max_num_queries(14) as before:
        response = client.get(reverse("leave:balances"))
    assert response.status_code == 200
    for n in range(5):
        make_staff(school["school"], unit=school["units"]["student"], name=f"新進老師{n}")
    with django_assert_max_num_queries(14) as after:
        client.get(reverse("leave:balances"))
    assert len(after.captured_queries) == len(before.captured_queries)
    names = [line["person"].name for line in response.context["table"]]
    assert "王老師" in names and "外校人事" not in names
    book = load_workbook(io.BytesIO(client.get(reverse("leave:balances"), {"export": "xlsx"}).content))
    header = next(book.active.values)
    # As the screen shows them (7日0小時): days and hours in two columns, the unit named in each header.
    assert {"事假核給（日）", "事假核給（小時）", "事假已用（日）", "事假簽核中（小時）", "事假剩餘（日）"} <= set(
        header)
    assert all(h.endswith(("（日）", "（小時）")) for h in header[4:])
    teacher_row = next(r for r in book.active.values if r[1] == "王老師")
    assert (teacher_row[header.index("事假核給（日）")], teacher_row[header.index("事假核給（小時）")]) == (7, 0)
    assert (teacher_row[header.index("事假簽核中（日）")], teacher_row[header.index("事假簽核中（小時）")]) == (0, 4)
    assert (teacher_row[header.index("事假剩餘（日）")], teacher_row[header.index("事假剩餘（小時）")]) == (6, 4)
    csv_header = client.get(reverse("leave:balances"), {"export": "csv"}).content.decode("utf-8-sig").splitlines()[0]
    assert {"事假剩餘（日）", "事假剩餘（小時）"} <= set(csv_header.split(","))


def test_overtime_request_and_approval_on_the_pages(school, client_for):
    client = client_for(school["teacher"])
    client.post(reverse("leave:overtime"), {
        "work_date": "2025-09-06", "start_time": "08:00", "end_time": "12:00", "reason": "校慶預演",
        "compensation": "comp_time",
    })
    overtime = OvertimeRequest.objects.get()
    assert overtime.approver == school["unit_head"]
    head = client_for(school["unit_head"])
    assert "校慶預演" in head.get(reverse("leave:inbox")).content.decode()
    head.post(reverse("leave:overtime_decide", args=[overtime.pk]), {"decision": "approve"})
    overtime.refresh_from_db()
    assert overtime.status == OvertimeRequest.Status.APPROVED
    personnel = client_for(school["personnel"])
    assert "王老師" in personnel.get(reverse("leave:overtime")).content.decode()
    with time_machine.travel(at(2025, 9, 8, 9), tick=False):
        personnel.post(reverse("leave:overtime_settle", args=[overtime.pk]),
                       {"worked_start": "08:05", "worked_end": "12:30"})
    overtime.refresh_from_db()
    # Saturday (a day off): 3 h 55 min inside the approved window → 3 h, within the 8 h cap.
    assert overtime.credited_hours == 3 and overtime.expires_on == dt.date(2027, 9, 5)


def test_overtime_denials(school, client_for):
    overtime = overtime_submit(staff=school["teacher"], planned_start=at(2025, 9, 6, 8), planned_end=at(2025, 9, 6, 12),
                               reason="校慶預演")
    # Someone who may see the teacher but is not the approver is told so; another unit's head is refused it.
    response = client_for(school["principal"]).post(reverse("leave:overtime_decide", args=[overtime.pk]),
                                                     {"decision": "approve"}, follow=True)
    assert "您不是這件加班的核准人" in response.content.decode()
    assert client_for(school["other_head"]).post(reverse("leave:overtime_decide", args=[overtime.pk]),
                                                 {"decision": "approve"}).status_code == 404
    assert client_for(school["outsider"]).post(reverse("leave:overtime_decide", args=[overtime.pk])).status_code == 404
    overtime.refresh_from_db()
    assert overtime.status == OvertimeRequest.Status.PENDING


def test_home_card_shows_balances(school, client_for):
    html = client_for(school["unit_head"]).get(reverse("home")).content.decode()
    assert 'data-testid="leave-card"' in html and "剩餘：28日0小時" in html


def test_admin_pages_load(school, types, client):
    from staff.models import User

    admin_user = User.objects.create_superuser("root", "root@example.test", "x")
    client.force_login(admin_user)
    submit(school, types)
    for name in ("leavetype", "leaverule", "approvalchain", "leaverequest", "balanceadjustment", "closedmonth",
                 "overtimerequest"):
        assert client.get(reverse(f"admin:leave_{name}_changelist")).status_code == 200, name
    assert client.get(reverse("admin:leave_leavetype_change", args=[types["personal"].pk])).status_code == 200
    request = LeaveRequest.objects.get()
    assert client.get(reverse("admin:leave_leaverequest_change", args=[request.pk])).status_code == 200


def test_personnel_edit_their_own_schools_rules_in_the_admin(school, types, client):
    from django.contrib.auth.models import Group

    from leave import demo
    from leave.models import LeaveType
    from leave.services import leave_types_seed

    user = school["personnel"].user
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.create(name="人事室"))
    demo._grant_personnel_admin_rights(school["school"])
    other_school = school["outsider"].school
    leave_types_seed(school=other_school)
    client.force_login(user)
    listing = client.get(reverse("admin:leave_leavetype_changelist"))
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == LeaveType.objects.filter(school=school["school"]).count()
    assert client.get(reverse("admin:leave_leavetype_change", args=[types["personal"].pk])).status_code == 200
    theirs = LeaveType.objects.get(school=other_school, code="personal")
    assert client.get(reverse("admin:leave_leavetype_change", args=[theirs.pk])).status_code == 302
    # A teacher is no admin user at all.
    client.force_login(school["teacher"].user)
    assert client.get(reverse("admin:leave_leavetype_changelist")).status_code == 302


def test_step_statuses_read_as_states_in_english_while_buttons_stay_imperative(school, types, client_for):
    # The deputy cannot stand in: their step is 駁回 and the unit head's, never reached, 取消.
    request = submit(school, types, day=10)
    leave_step_reject(request=request, actor=school["other_teacher"], comment="那天我也請假")
    teacher = school["teacher"]
    teacher.user.language = "en"
    teacher.user.save(update_fields=["language"])
    html = client_for(teacher).get(reverse("leave:detail", args=[request.pk])).content.decode()
    statuses = re.findall(r'<span class="leave-step-status">([^<]+)</span>', html)
    assert statuses == ["Rejected", "Cancelled"]
    assert "Reject<" not in html and "Cancel<" not in html
    with translation.override("en"):
        # The buttons (inbox, detail) keep the imperative; the history reads what happened.
        assert (gettext("核准"), gettext("駁回"), gettext("取消")) == ("Approve", "Reject", "Cancel")
        assert [str(label) for label in (ApprovalStep.Status.REJECTED.label, ApprovalStep.Status.CANCELLED.label)] \
            == ["Rejected", "Cancelled"]
        assert [str(action_label(a)) for a in ("leave.approved", "leave.rejected")] == ["Approved", "Rejected"]
    with translation.override("zh-hant"):
        assert str(ApprovalStep.Status.REJECTED.label) == "駁回"


def test_balances_find_a_person_by_name_number_or_account_and_the_export_follows(school, types, client_for):
    teacher = school["teacher"]
    client = client_for(school["personnel"])
    for text in (teacher.name, teacher.name[1:], teacher.employee_no.lower(), teacher.user.username.upper(),
                 str(teacher.pk)):
        response = client.get(reverse("leave:balances"), {"staff": text})
        assert [line["person"].pk for line in response.context["table"]] == [teacher.pk], text
        assert f'name="staff" value="{text}"' in response.content.decode()
    assert client.get(reverse("leave:balances"), {"staff": "沒有這個人"}).context["table"] == []
    assert client.get(reverse("leave:balances"), {"staff": school["outsider"].name}).context["table"] == []
    book = load_workbook(io.BytesIO(client.get(reverse("leave:balances"),
                                               {"staff": teacher.employee_no, "export": "xlsx"}).content))
    assert [row[1] for row in list(book.active.values)[1:]] == [teacher.name]
