"""The deputy picker: a select grouped by unit, the applicant's unit first and their last deputies on top."""

import re

import pytest
from django.urls import reverse

from tests.leave.test_views import submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_1_september_2025")]


def groups(html: str) -> list[tuple[str, list[str]]]:
    select = html[html.index('name="deputy"'):]
    select = select[: select.index("</select>")]
    found = re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select, re.S)
    return [(label, re.findall(r"<option[^>]*>([^<]*)</option>", body)) for label, body in found]


def test_grouped_by_unit_the_own_unit_first(school, types, client_for):
    html = client_for(school["teacher"]).get(reverse("leave:new")).content.decode()
    listed = groups(html)
    assert listed[0][0] == "教務處"  # 王老師's own unit
    assert "陳主任（教務處）" in listed[0][1]
    others = [label for label, _ in listed[1:]]
    assert others == sorted(others) and "學務處" in others
    everyone = [name for _, names in listed for name in names]
    assert len(everyone) == len(set(everyone)) and not any(n.startswith("王老師") for n in everyone)


def test_the_last_deputies_come_first_once(school, types, client_for):
    submit(school, types, day=10, deputy="other_teacher")
    submit(school, types, day=11, deputy="unit_head")
    html = client_for(school["teacher"]).get(reverse("leave:new")).content.decode()
    listed = groups(html)
    assert listed[0] == ("最近的代理人", ["陳主任（教務處）", "李導師（學務處）"])
    rest = [name for _, names in listed[1:] for name in names]
    assert "陳主任（教務處）" not in rest and "李導師（學務處）" not in rest
    # Someone else's history is not mine.
    html = client_for(school["other_head"]).get(reverse("leave:new")).content.decode()
    assert groups(html)[0][0] == "學務處"


def test_the_choice_is_still_checked_against_the_candidates(school, types, client_for):
    response = client_for(school["teacher"]).post(reverse("leave:new"), {
        "leave_type": types["personal"].pk, "start_date": "2025-09-10", "end_date": "2025-09-10",
        "reason": "家中有事", "deputy": school["outsider"].pk, "class_arrangement": "無課務",
    })
    assert response.status_code == 400 and "deputy" in response.context["form"].errors


def test_the_picker_script_is_a_static_file(school, types, client_for):
    html = client_for(school["teacher"]).get(reverse("leave:new")).content.decode()
    assert "js/deputy-picker.js" in html and "data-deputy-picker" in html
