"""The leave form keeps what was typed: every refusal at once next to its field, the proof kept by name."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from leave.models import LeaveRequest, PendingAttachment
from leave.services import leave_request_problems
from tests.leave.conftest import at
from tests.leave.test_views import form_data, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_1_september_2025")]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def proof(name="診斷證明.pdf", body=b"%PDF-1.4 proof"):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def test_three_errors_at_once_and_the_file_kept_then_submitted(school, types, client_for):
    client = client_for(school["teacher"])
    response = client.post(reverse("leave:new"), form_data(
        school, types, reason="", deputy="", class_arrangement="", attachments=proof(),
    ))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"reason", "deputy", "class_arrangement"} <= set(errors)
    html = response.content.decode()
    assert html.count('data-testid="field-error"') == 3
    kept = PendingAttachment.objects.get()
    assert kept.owner == school["teacher"] and kept.name == "診斷證明.pdf"
    assert f'name="kept_attachment" value="{kept.pk}" checked' in html and "診斷證明.pdf" in html
    assert not LeaveRequest.objects.exists()
    # Fixed, with the kept file named back instead of chosen again: the proof is attached.
    response = client.post(reverse("leave:new"), form_data(school, types, kept_attachment=[kept.pk]))
    assert response.status_code == 302
    request = LeaveRequest.objects.get()
    attachment = request.attachments.get()
    assert attachment.name == "診斷證明.pdf"
    assert attachment.file.read() == b"%PDF-1.4 proof"
    assert not PendingAttachment.objects.exists()


def test_required_fields_are_marked(school, types, client_for):
    html = client_for(school["teacher"]).get(reverse("leave:new")).content.decode()
    for name in ("reason", "deputy", "leave_type", "start_date", "end_date", "class_arrangement"):
        assert f'name="{name}"' in html
    assert 'name="reason" cols="40" rows="2" maxlength="500" required' in html
    assert 'name="class_arrangement" cols="40" rows="2" maxlength="1000" required' in html
    assert html.count('class="leave-req"') >= 7  # six fields and the note
    assert "（必填）" in html


def test_service_refusals_are_collected_next_to_their_fields(school, types, client_for):
    # The deputy is on leave that day and 病假 of 2 days needs a proof: both at once, each by its field.
    submit(school, types, who="other_teacher", deputy="teacher", day=10)
    response = client_for(school["teacher"]).post(reverse("leave:new"), form_data(
        school, types, leave_type=types["sick"].pk, start_time="", end_time="", end_date="2025-09-11",
    ))
    errors = response.context["form"].errors
    assert response.status_code == 400
    assert "deputy" in errors and "attachments" in errors
    assert response.context["error_code"] in {"deputy_on_leave", "proof_required"}
    problems = leave_request_problems(
        applicant=school["teacher"], leave_type=types["sick"], start=at(2025, 9, 10, 8), end=at(2025, 9, 11, 16),
        deputy=school["other_teacher"], class_arrangement="", attachments=[proof("x.exe")],
    )
    assert {p.code for p in problems} == {"bad_attachment", "class_arrangement_required", "deputy_on_leave"}
    problems = leave_request_problems(
        applicant=school["teacher"], leave_type=types["sick"], start=at(2025, 9, 10, 8), end=at(2025, 9, 11, 16),
        deputy=school["other_teacher"], class_arrangement="無課務",
    )
    assert {p.code for p in problems} == {"proof_required", "deputy_on_leave"}
    assert not LeaveRequest.objects.filter(applicant=school["teacher"]).exists()


def test_a_kept_file_is_only_its_owners(school, types, client_for):
    client_for(school["other_teacher"]).post(reverse("leave:new"), form_data(
        school, types, reason="", deputy=school["teacher"].pk, attachments=proof(),
    ))
    theirs = PendingAttachment.objects.get()
    assert theirs.owner == school["other_teacher"]
    response = client_for(school["teacher"]).post(reverse("leave:new"), form_data(
        school, types, kept_attachment=[theirs.pk, "abc", "99999999999999999999999"],
    ))
    assert response.status_code == 302
    assert not LeaveRequest.objects.get(applicant=school["teacher"]).attachments.exists()
    assert PendingAttachment.objects.filter(pk=theirs.pk).exists()


def test_unticking_a_kept_file_drops_it_and_a_bad_upload_is_not_kept(school, types, client_for):
    client = client_for(school["teacher"])
    response = client.post(reverse("leave:new"), form_data(school, types, reason="", attachments=proof("virus.exe")))
    assert response.status_code == 400 and "attachments" in response.context["form"].errors
    assert not PendingAttachment.objects.exists()
    client.post(reverse("leave:new"), form_data(school, types, reason="", attachments=proof()))
    assert PendingAttachment.objects.count() == 1
    response = client.post(reverse("leave:new"), form_data(school, types))  # the box unticked: not sent
    assert response.status_code == 302
    assert not LeaveRequest.objects.get().attachments.exists()


def test_sweep_forgets_old_kept_files(school, types, client_for):
    import datetime as dt

    from django.utils import timezone

    from leave.services import pending_attachments_sweep

    client_for(school["teacher"]).post(reverse("leave:new"), form_data(school, types, reason="", attachments=proof()))
    assert pending_attachments_sweep(now=timezone.now()) == 0
    assert pending_attachments_sweep(now=timezone.now() + dt.timedelta(hours=25)) == 1
    assert not PendingAttachment.objects.exists()
