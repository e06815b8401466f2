"""今日調代課: the school's substitutions and swaps today and on the next day with classes, for all its staff;
the staff-room display; each teacher's own duties on the home page. Another school's cover never shows."""

import datetime as dt
import re

import pytest
import time_machine

from staff.models import User
from substitutes.models import Absence, CoverageAssignment, CoverageNeed
from substitutes.services import coverage_assign
from tests.factories import make_staff
from tests.substitutes.conftest import THU, at

pytestmark = pytest.mark.django_db

MON = dt.date(2025, 10, 13)  # Friday 10/10 is 國慶日: after Thursday, the next day with classes is Monday
THU_MORNING = dt.datetime(2025, 10, 9, 7, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def board(school_setup, leave):
    """Thursday: 王老師's P1 高一 3 班 covered by 林主任; 陳主任's P1 高三 2 班 swapped with 李導師, who gets
    陳主任 in his P2 高二 1 班 in return; 王老師's P3 高一 5 班 still open. Monday: 王老師's P1 by 趙代課."""
    s = school_setup
    academic = s["academic"]
    leave(s["teacher"], [(at(THU, "07:30"), at(MON, "17:00"))])
    leave(s["unit_head"], [(at(THU, "08:00"), at(THU, "09:00"))], request_id=300)
    need = {(n.teacher_id, n.date, n.period_number): n for n in CoverageNeed.objects.all()}
    coverage_assign(actor=academic, need_id=need[s["teacher"].pk, THU, 1].pk, substitute_id=s["other_head"].pk)
    coverage_assign(
        actor=academic, need_id=need[s["unit_head"].pk, THU, 1].pk, substitute_id=s["other_teacher"].pk,
        kind="swap", swap_date=THU, swap_period_number=2,
    )
    coverage_assign(actor=academic, need_id=need[s["teacher"].pk, MON, 1].pk, substitute_id=s["hourly"].pk)
    # Another school's cover on the same Thursday.
    stranger = make_staff(s["outsider"].school, name="外校老師", username="stranger")
    covering = make_staff(s["outsider"].school, name="外校代課", username="strangersub")
    absence = Absence.objects.create(school=stranger.school, teacher=stranger, source="recorded", status="recorded")
    foreign = CoverageNeed.objects.create(
        school=stranger.school, absence=absence, teacher=stranger, date=THU, division="senior", period_number=1,
        period_label="第一節", starts_at=at(THU, "08:10"), ends_at=at(THU, "09:00"), class_name="外校 9 班",
        subject="國文", status="covered",
    )
    CoverageAssignment.objects.create(
        school=stranger.school, need=foreign, substitute=covering, date=THU, period_number=1, division="senior",
        starts_at=foreign.starts_at, ends_at=foreign.ends_at, paid_by="school",
    )
    return s


def _text(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def _rows(html: str, day: dt.date) -> list[list[str]]:
    section = re.search(rf'data-date="{day:%Y-%m-%d}">(.*?)</section>', html, re.S).group(1)
    return [
        [_text(cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r'<tr class="kind-\w+" data-testid="board-row">(.*?)</tr>', section, re.S)
    ]


@time_machine.travel(THU_MORNING, tick=False)
def test_the_board_lists_today_and_the_next_day_with_classes_by_period(board, client_for):
    r = client_for(board["teacher"]).get("/substitutes/board/")
    assert r.status_code == 200
    assert [d.date for d in r.context["days"]] == [THU, MON]
    html = r.content.decode()
    assert _rows(html, THU) == [
        ["第 1 節 08:10", "高一 3 班", "國文", "王老師", "林主任 代課", "301"],
        ["第 1 節 08:10", "高三 2 班", "數學", "陳主任", "李導師 調課", ""],
        ["第 2 節 09:10", "高二 1 班", "國文", "李導師", "陳主任 調課還課", ""],
    ]
    assert _rows(html, MON) == [["第 1 節 08:10", "高一 3 班", "國文", "王老師", "趙代課 代課", "301"]]
    assert "高一 5 班" not in html  # still open: nothing to announce
    assert "外校" not in html


@time_machine.travel(THU_MORNING, tick=False)
def test_every_member_of_staff_sees_it_and_no_other_school_does(board, client_for, client):
    for who in ("teacher", "unit_head", "other_teacher", "personnel", "principal", "academic", "hourly"):
        r = client_for(board[who]).get("/substitutes/board/")
        assert r.status_code == 200, who
        assert "林主任" in r.content.decode() and "外校" not in r.content.decode(), who
    # The other school's staff see their own cover, never ours.
    html = client_for(board["outsider"]).get("/substitutes/board/").content.decode()
    assert "外校 9 班" in html and "外校代課" in html
    assert not any(name in html for name in ("王老師", "林主任", "高一 3 班", "趙代課"))
    client.logout()
    assert client.get("/substitutes/board/").url.startswith("/accounts/login/")
    nobody = User.objects.create_user(username="nostaff", password="x")
    client.force_login(nobody, backend="staff.backends.AccountBackend")
    assert client.get("/substitutes/board/").status_code == 403


@time_machine.travel(THU_MORNING, tick=False)
def test_the_staff_room_display_refreshes_itself_without_script(board, client_for):
    r = client_for(board["teacher"]).get("/substitutes/board/?display=1")
    html = r.content.decode()
    assert r.status_code == 200
    assert re.search(r'<meta http-equiv="refresh" content="\d+">', html)
    assert "<script" not in html and "onchange" not in html and "topbar" not in html
    assert 'class="cover-board-display"' in html
    assert _rows(html, THU)[0] == ["第 1 節 08:10", "高一 3 班", "國文", "王老師", "林主任 代課", "301"]
    # The ordinary page neither refreshes nor hides the menu.
    plain = client_for(board["teacher"]).get("/substitutes/board/").content.decode()
    assert 'http-equiv="refresh"' not in plain and "topbar" in plain


def test_print_rules_for_one_a4_page_are_in_the_stylesheet():
    from pathlib import Path

    css = Path("static/css/app.css").read_text(encoding="utf-8")
    start = css.index("/* substitutes: today's cover board")
    block = css[start:]
    assert "@media print" in block and "size:A4" in block and ".topbar" in block


@time_machine.travel(THU_MORNING, tick=False)
def test_each_teachers_home_shows_their_own_duties_today_and_next(board, client_for):
    def duties(who):
        html = client_for(board[who]).get("/").content.decode()
        card = re.search(r'data-testid="my-cover-card">(.*?)</section>', html, re.S).group(1)
        items = re.findall(r'data-testid="my-duty">(.*?)</li>', card, re.S)
        return [_text(li) for li in items]

    assert duties("other_head") == ["第 1 節（08:10） 高一 3 班・國文・301 原任課 王老師"]
    assert duties("other_teacher") == ["第 1 節（08:10） 高三 2 班・數學 原任課 陳主任"]
    assert duties("unit_head") == ["第 2 節（09:10） 高二 1 班・國文 調課還課，原任課 李導師"]
    assert duties("hourly") == ["第 1 節（08:10） 高一 3 班・國文・301 原任課 王老師"]  # Monday's
    assert duties("teacher") == []
    # A day later (Friday, a holiday) the board shows Friday and Monday.
    with time_machine.travel(THU_MORNING + dt.timedelta(days=1), tick=False):
        r = client_for(board["teacher"]).get("/substitutes/board/")
        assert [d.date for d in r.context["days"]] == [THU + dt.timedelta(days=1), MON]
