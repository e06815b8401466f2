"""In English the main journeys read in English: no CJK character on any page except names.

Teacher, unit head, personnel and 教學組 walk home, clock, my month, the leave form and its preview, my
requests, the inbox, the substitutes dashboard and board, the reports, the notices and the profile, with
the language set to English. Every page is rendered and its visible text (text nodes and the attributes a
person reads or hears: title, aria-label, placeholder, alt, value of buttons) is searched for Chinese
characters, CJK punctuation and full-width forms. What may stay Chinese is what people typed or named:
people's, schools', units' and classes' names, subjects, and the free text of the sweep's world (reasons,
a school day's label, the official alert's words); the test lists them from the world itself. The
language switcher names 繁體中文 in its own language, as language switchers do.

The main notices (submitted, action needed, decided, coverage assigned) rendered for an English reader
are checked the same way.
"""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from leave.models import LeaveRequest, LeaveType
from leave.services import leave_request_submit, leave_step_approve
from notifications.models import EmailOutbox, Notification
from schedules.models import DisasterAlert, SchoolDay, TimetableEntry, TyphoonDay
from staff.models import District, Unit
from substitutes.models import CoverageNeed
from substitutes.services import coverage_assign
from tests.clock import at
from tests.sweep_world import THU, fixtures

world, as_role = fixtures()

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u31a0-\u31bf\u3400-\u4dbf\u4e00-\u9fff"
                 r"\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-description"}


class VisibleText(HTMLParser):
    """The words a person reads or hears on a page (not scripts, styles or hidden template text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if value and (name in READ_ATTRIBUTES or (name == "value" and attributes.get("type") in
                                                      ("submit", "button", "reset"))):
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def allowed_words(world) -> list[str]:
    """Names and typed text of the world: these stay as people wrote them."""
    school = world.people["school"]
    # The language switcher names both languages in their own words (「Language / 語言」, 「繁體中文」).
    words = {school.name, "繁體中文", "語言"}
    words |= {p.name for p in world.people.values() if hasattr(p, "employee_no")}
    words |= set(Unit.objects.filter(school=school).values_list("name", flat=True))
    words |= set(District.objects.values_list("name", flat=True))
    for class_name, subject in TimetableEntry.objects.values_list("class_name", "subject"):
        words |= {class_name, subject}
    words |= set(SchoolDay.objects.values_list("label", flat=True))
    words |= set(TyphoonDay.objects.values_list("label", flat=True))
    for headline, description in DisasterAlert.objects.values_list("headline", "description"):
        words |= {headline, *description.splitlines()}
    words |= {"家中有事", "請教學組安排代課", "證明.pdf", "校慶場地布置", "忘記刷下班卡", "住家道路淹水無法通行",
              "測試通知", "國文"}
    # Titles (教務主任 ...) are part of a person's name on a page.
    words |= {p.title for p in world.people.values() if getattr(p, "title", "")}
    return sorted((w for w in words if w), key=len, reverse=True)


def leaks(text: str, allowed: list[str]) -> list[str]:
    for word in allowed:
        text = text.replace(word, " ")
    return [line.strip() for line in text.splitlines() if CJK.search(line)]


def english_client(world, as_role, role):
    person = world.staff(role)
    person.user.language = "en"
    person.user.save(update_fields=["language"])
    # Notices written while they read Chinese stay Chinese; the notices test below writes English ones.
    Notification.objects.filter(recipient=person.user).exclude(kind="test").delete()
    client = as_role(role)
    client.cookies["django_language"] = "en"
    return client


def pages(world) -> dict[str, list[str]]:
    leave = world.objects["leave_request"]
    year, month = THU.year, THU.month
    common = [
        "/", reverse("attendance:clock"), reverse("attendance:my_month"),
        reverse("attendance:my_month_of", args=[year, month]), reverse("attendance:corrections"),
        reverse("leave:new"), reverse("leave:mine"), reverse("leave:inbox"), reverse("leave:overtime"),
        reverse("notifications:inbox"), reverse("sso:profile"), reverse("substitutes:mine"),
        reverse("substitutes:board"), reverse("schedules:calendar"),
        f"{reverse('offices:my_calendar')}?month={year}-{month:02d}",
    ]
    unit_calendar = f"{reverse('offices:unit_calendar')}?month={year}-{month:02d}"
    return {
        "teacher": [*common, reverse("leave:detail", args=[leave])],
        "unit_head": [*common, reverse("leave:detail", args=[leave]), reverse("leave:overview"),
                      reverse("leave:balances"), reverse("attendance:unit"), unit_calendar],
        "personnel": [*common, reverse("leave:detail", args=[leave]), reverse("leave:overview"),
                      reverse("leave:balances"), reverse("attendance:school"), reverse("attendance:unit"),
                      unit_calendar],
        "academic": [*common, reverse("substitutes:dashboard"), reverse("substitutes:fairness"),
                     reverse("substitutes:pay"), reverse("substitutes:need", args=[world.objects["need"]]),
                     unit_calendar],
    }


def preview_post(world) -> dict:
    return {
        "leave_type": LeaveRequest.objects.get(pk=world.objects["leave_request"]).leave_type_id,
        "start_date": "2025-10-16", "start_time": "08:00", "end_date": "2025-10-16", "end_time": "12:00",
        "reason": "家中有事", "deputy": world.staff("unit_head").pk, "class_arrangement": "請教學組安排代課",
    }


@pytest.mark.parametrize("role", ["teacher", "unit_head", "personnel", "academic"])
def test_the_main_journeys_read_in_english(world, as_role, role):
    client = english_client(world, as_role, role)
    allowed = allowed_words(world)
    found: dict[str, list[str]] = {}
    for url in pages(world)[role]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert response.headers["Content-Language"] == "en", url
        bad = leaks(visible_text(response.content.decode()), allowed)
        if bad:
            found[url] = bad
    preview = client.post(reverse("leave:preview"), preview_post(world))
    bad = leaks(visible_text(preview.content.decode()), allowed)
    if bad:
        found["leave preview"] = bad
    assert not found, "\n".join(f"{url}:\n  " + "\n  ".join(lines) for url, lines in found.items())


def test_the_main_notices_read_in_english(world, as_role):
    """A leave from submission to decision, and its classes covered: every notice reads in English."""
    roles = ("teacher", "unit_head", "academic", "hourly")
    for role in roles:
        english_client(world, as_role, role)
    teacher, head = world.staff("teacher"), world.staff("unit_head")
    thursday = THU + dt.timedelta(days=7)
    request = leave_request_submit(
        applicant=teacher, leave_type=LeaveType.objects.get(school=teacher.school, code="personal"),
        start=at(thursday.year, thursday.month, thursday.day, 8),
        end=at(thursday.year, thursday.month, thursday.day, 12), deputy=head, reason="家中有事",
        class_arrangement="請教學組安排代課",
    )
    leave_step_approve(request=request, actor=head, comment="")  # as the deputy
    leave_step_approve(request=LeaveRequest.objects.get(pk=request.pk), actor=head, comment="")  # as the head
    need = CoverageNeed.objects.filter(absence__leave_request_id=request.pk).order_by("pk").first()
    coverage_assign(actor=world.staff("academic"), need_id=need.pk, substitute_id=world.staff("hourly").pk)
    assert LeaveRequest.objects.get(pk=request.pk).status == "approved"

    notices = Notification.objects.filter(recipient__in=[world.staff(r).user for r in roles]).exclude(kind="test")
    kinds = set(notices.values_list("kind", flat=True))
    assert {"leave.submitted", "leave.action_needed", "leave.decided", "substitutes.assigned"} <= kinds, kinds
    allowed = allowed_words(world)
    found = {}
    for notice in notices:
        bad = leaks(f"{notice.title}\n{notice.body}", allowed)
        if bad:
            found[f"{notice.kind} to {notice.recipient}"] = bad
    assert not found, found
    # The emails carry the same words.
    for outbox in EmailOutbox.objects.filter(notification__in=notices):
        assert not leaks(f"{outbox.subject}\n{outbox.body}", allowed), outbox.subject
