"""The clock page surprises no one: an early 下班 asks once and says what it will record, a second
上班 is not offered, and a punch sent twice is one punch with a page that says what happened."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from attendance.models import Punch, PunchKind
from staff.models import StaffCategory
from tests.attendance.conftest import WORKDAY, at
from tests.factories import make_staff

CLOCK = reverse("attendance:clock")
PUNCH = reverse("attendance:punch")
API = reverse("attendance_api:punches")
HOLIDAY = dt.date(2025, 10, 10)  # 國慶日

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


def _buttons(page: str) -> list[str]:
    """The punch buttons the clock page offers, as their kinds, in order."""
    form = page.split('data-testid="punch-form"', 1)[1].split("</form>", 1)[0]
    return re.findall(r'<button[^>]*name="kind" value="(\w+)"', form)


# (category, day, moment, minutes the 下班 would count early; 0: recorded at once)
EARLY_CASES = [
    (StaffCategory.SUBJECT_TEACHER, WORKDAY, "15:00:00", 60),
    (StaffCategory.SUBJECT_TEACHER, WORKDAY, "15:59:59", 1),  # seconds dropped: 15:59 against 16:00
    (StaffCategory.SUBJECT_TEACHER, WORKDAY, "16:00:00", 0),
    (StaffCategory.SUBJECT_TEACHER, WORKDAY, "18:30:00", 0),
    (StaffCategory.SUBJECT_TEACHER, WORKDAY, "12:30:00", 210),  # teachers' lunch is working time
    (StaffCategory.ADMIN_TEACHER, WORKDAY, "12:30:00", 210),  # 行政: lunch 12:00–13:00 is not counted
    (StaffCategory.ADMIN_TEACHER, WORKDAY, "16:29:00", 1),
    (StaffCategory.ADMIN_TEACHER, WORKDAY, "16:30:00", 0),
    (StaffCategory.ADMIN_TEACHER, WORKDAY, "07:18:00", 480),  # the case that surprised a user
    (StaffCategory.HOMEROOM_JUNIOR, WORKDAY, "15:50:00", 10),
    (StaffCategory.HOURLY_SUBSTITUTE, WORKDAY, "10:00:00", 0),  # no clock-in duty
    (StaffCategory.SUBJECT_TEACHER, HOLIDAY, "10:00:00", 0),  # a day off: overtime, nothing to ask
]


@pytest.mark.parametrize(("category", "day", "moment", "early"), EARLY_CASES)
def test_an_early_out_asks_once_and_the_confirmation_records_it(
    people, client_for, clock, category, day, moment, early
):
    person = make_staff(people["school"], category=category)
    client = client_for(person)
    clock(at(day, "07:10:00"))
    client.post(PUNCH, {"kind": "in"})
    clock(at(day, moment))
    first = client.post(PUNCH, {"kind": "out"})
    if not early:  # not early: recorded at once, no question
        assert first.status_code == 302 and first.url == CLOCK
        assert Punch.objects.get(staff=person, kind=PunchKind.OUT).at == at(day, moment)
        return
    # The question, with what it will record; nothing recorded yet.
    assert first.status_code == 200
    page = _text(first)
    assert f"現在下班將記為早退 {early} 分，確定？" in page
    assert f'data-early-minutes="{early}"' in page
    assert 'name="confirm_early" value="1"' in page
    assert f'href="{CLOCK}"' in page  # cancel: back to the clock, a GET that records nothing
    assert not Punch.objects.filter(staff=person, kind=PunchKind.OUT).exists()
    # The same question again (a stale tab, a double tap) still records nothing.
    assert client.post(PUNCH, {"kind": "out"}).status_code == 200
    assert not Punch.objects.filter(staff=person, kind=PunchKind.OUT).exists()
    # Confirmed: recorded at the server's time of the confirmation.
    asked_at = at(day, moment)
    confirmed_at = clock(asked_at + dt.timedelta(seconds=20) if asked_at.second < 40 else asked_at)  # same minute
    confirmed = client.post(PUNCH, {"kind": "out", "confirm_early": "1"})
    assert confirmed.status_code == 302 and confirmed.url == CLOCK
    assert Punch.objects.get(staff=person, kind=PunchKind.OUT).at == confirmed_at
    after = _text(client.get(CLOCK))
    assert "已打下班卡" in after
    assert f"早退 {early} 分" in after


def test_leave_moves_the_required_leaving_so_nothing_is_asked(people, client_for, clock, leave_on):
    teacher = people["teacher"]  # 專任教師 08:00–16:00
    leave_on(teacher, at(WORKDAY, "12:00"), at(WORKDAY, "16:00"))  # the afternoon off: due to leave at 12:00
    client = client_for(teacher)
    clock(at(WORKDAY, "07:55:00"))
    client.post(PUNCH, {"kind": "in"})
    clock(at(WORKDAY, "12:00:30"))
    assert client.post(PUNCH, {"kind": "out"}).status_code == 302
    assert Punch.objects.filter(staff=teacher, kind=PunchKind.OUT).exists()
    clock(at(WORKDAY, "11:30:00"))  # 30 minutes before the new end: asked, about 30 minutes
    other = make_staff(people["school"], category=StaffCategory.SUBJECT_TEACHER)
    leave_on(other, at(WORKDAY, "12:00"), at(WORKDAY, "16:00"), request_id=2)
    assert "早退 30 分" in _text(client_for(other).post(PUNCH, {"kind": "out"}))


def test_the_question_costs_a_few_reads_and_writes_nothing(people, client_for, clock):
    client = client_for(people["teacher"])
    clock(at(WORKDAY, "07:50:00"))
    client.post(PUNCH, {"kind": "in"})
    clock(at(WORKDAY, "16:05:00"))
    client.get(CLOCK)  # the day's window is in the cache, as it is once anyone of the school has asked
    with CaptureQueriesContext(connection) as after_end:
        assert client.post(PUNCH, {"kind": "out"}).status_code == 302
    # After the window's end the answer needs no query: the punch's own ≤ 4 (test_punch_path.py).
    assert len([q for q in after_end.captured_queries if "SAVEPOINT" not in q["sql"]]) <= 4
    Punch.objects.filter(kind=PunchKind.OUT).delete()
    clock(at(WORKDAY, "15:00:00"))
    client.get(CLOCK)
    with CaptureQueriesContext(connection) as asked:
        assert client.post(PUNCH, {"kind": "out"}).status_code == 200
    statements = [q["sql"] for q in asked.captured_queries if "SAVEPOINT" not in q["sql"]]
    # the session, the account, the person; the day's 上班 and the approved leave; then the layout that
    # every page pays (the menu's roles and headed units, the unread count)
    assert len(statements) <= 8, statements
    assert sum("attendance_punch" in sql for sql in statements) == 1
    assert not [sql for sql in statements if sql.startswith(("INSERT", "UPDATE", "DELETE"))]


def test_the_question_in_english_counts_minutes_properly(people, client_for, clock):
    client = client_for(people["teacher"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    clock(at(WORKDAY, "15:59:00"))
    page = _text(client.post(PUNCH, {"kind": "out"}))
    assert "Leaving now will be recorded as 1 minute early. Are you sure?" in page
    assert "Yes, clock out" in page and "Cancel" in page
    clock(at(WORKDAY, "15:00:00"))
    assert "recorded as 60 minutes early" in _text(client.post(PUNCH, {"kind": "out"}))
    assert not re.search(r"[\u4e00-\u9fff]", page.split('data-testid="early-confirm"', 1)[1].split("</section>")[0])


@pytest.mark.parametrize(
    ("punched", "offered"),
    [
        ((), ["in", "out"]),  # nothing yet: 上班 big, 下班 small (someone who forgot to clock in)
        (("in",), ["out"]),  # a 上班 stands: no second 上班 button
        (("out",), ["out"]),  # a 下班 without 上班: a 上班 now would void it; 補登 is the way
        (("in", "out"), ["out"]),  # a later 下班 moves the last one
    ],
)
def test_a_second_in_is_not_offered_once_the_day_has_one(people, client_for, clock, punched, offered):
    teacher = people["teacher"]
    for kind, moment in zip(punched, ("07:50:00", "16:10:00"), strict=False):
        Punch.objects.create(staff=teacher, work_date=WORKDAY, kind=kind, at=at(WORKDAY, moment))
    clock(at(WORKDAY, "16:20:00"))
    page = _text(client_for(teacher).get(CLOCK))
    assert _buttons(page) == offered
    assert ('data-testid="punch-status"' in page) == ("in" in punched)


def test_a_punch_sent_twice_is_one_punch_and_the_page_says_so(people, client_for, clock):
    teacher = people["teacher"]
    client = client_for(teacher)
    clock(at(WORKDAY, "07:50:00"))
    client.post(PUNCH, {"kind": "in"})
    first = _text(client.get(CLOCK))
    assert "已打上班卡：07:50:00" in first and "上班卡已記錄：07:50:00" in first
    clock(at(WORKDAY, "07:50:02"))  # the same tap again (the answer was lost on the way)
    client.post(PUNCH, {"kind": "in"})
    again = _text(client.get(CLOCK))
    assert "今天已打過上班卡（07:50:00），以第一次為準" in again
    clock(at(WORKDAY, "16:10:00"))
    client.post(PUNCH, {"kind": "out"})
    clock(at(WORKDAY, "16:10:03"))
    client.post(PUNCH, {"kind": "out"})
    assert "下班卡已更新為 16:10:03（以最後一次為準）" in _text(client.get(CLOCK))
    assert sorted(Punch.objects.filter(staff=teacher).values_list("kind", flat=True)) == ["in", "out"]


def test_the_api_records_an_early_out_at_once(people, client, clock):
    """API clients decide for themselves (docs/attendance.md): the API does not ask."""
    token = Token.objects.create(user=people["teacher"].user)
    clock(at(WORKDAY, "10:00:00"))
    response = client.post(API, {"kind": "out"}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 201
    assert Punch.objects.get(staff=people["teacher"]).at == at(WORKDAY, "10:00:00")


def test_the_clock_page_has_no_inline_script(people, client_for, clock):
    clock(at(WORKDAY, "15:00:00"))
    client = client_for(people["teacher"])
    for page in (_text(client.get(CLOCK)), _text(client.post(PUNCH, {"kind": "out"}))):
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []
        assert '/static/js/clock.js" defer' in page
        main = page.split("<main", 1)[1].split("</main>", 1)[0]
        assert not re.search(r"\son[a-z]+=", main)
