"""An official 停班停課 announcement at phone width: personnel upload the alert, see the test alert set
aside and the real one proposed for their school, preview its consequences and confirm it."""

from pathlib import Path

import pytest

from schedules.models import TyphoonDay
from staff.models import District

pytestmark = pytest.mark.django_db(transaction=True)
SAMPLES = Path(__file__).resolve().parent.parent / "schedules" / "cap_samples"


def test_personnel_upload_an_alert_preview_and_confirm_it(phone, live_server, people, sign_in):
    school = people["school"]
    school.district = District.objects.create(name="苓雅區", code="6400800")
    school.save(update_fields=["district"])
    sign_in(phone, live_server, "personnel")
    phone.goto(f"{live_server.url}/schedules/typhoons/alerts/")

    phone.set_input_files("input[name=file]", str(SAMPLES / "test_two_districts.xml"))
    phone.get_by_role("button", name="匯入警報").click()
    assert "測試、演習或草稿" in phone.get_by_test_id("import-outcomes").inner_text()
    assert phone.get_by_test_id("cap-proposal").count() == 0

    phone.set_input_files("input[name=file]", str(SAMPLES / "actual_two_districts.xml"))
    phone.get_by_role("button", name="匯入警報").click()
    proposal = phone.get_by_test_id("cap-proposal")
    assert proposal.count() == 1
    assert "停止上班、停止上課，全天" in proposal.inner_text() and "苓雅區、前鎮區" in proposal.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    proposal.get_by_role("link", name="預覽並確認").click()
    assert phone.get_by_test_id("cap-preview").is_visible()
    assert not TyphoonDay.objects.exists()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_test_id("cap-confirm-button").click()
    assert "已確認" in phone.locator(".messages").inner_text()
    typhoon = TyphoonDay.objects.get()
    assert (typhoon.school, typhoon.source_ref) == (school, "sample.example_workSchlClos_20260914200500_kh_001")
