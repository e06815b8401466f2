"""Fairness at a glance: cover periods per teacher this month and this semester — taken, offered and declined —,
sortable, as a table and a bar chart, as XLSX too."""

import datetime as dt
import io
import re
from urllib.parse import unquote

import pytest
import time_machine
from openpyxl import load_workbook

from substitutes.models import Absence, CoverageAssignment, CoverageNeed
from substitutes.services import coverage_assign, coverage_offers_answer, coverage_policy_set, coverage_unassign
from tests.factories import make_staff
from tests.substitutes.conftest import THU, at

pytestmark = pytest.mark.django_db

MON = dt.date(2025, 10, 13)
SEP = dt.date(2025, 9, 18)  # a Thursday of the same semester, last month
THU_NOON = dt.datetime(2025, 10, 9, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def covered(school_setup, leave):
    """October: 林主任 covers 王老師's Thu P1 and Mon P1, 趙代課 his Thu P3 (then taken back), 李導師 swaps
    陳主任's Thu P1. September: 趙代課 covers 王老師's Thu P1 (semester, not month). Then offers (提供) on: 王老師's
    Thu P3 offered to 趙代課, who declines; his September P3 offered to 林主任, not answered yet. Another
    school's cover."""
    s = school_setup
    academic = s["academic"]
    leave(s["teacher"], [(at(THU, "07:30"), at(MON, "17:00"))])
    leave(s["unit_head"], [(at(THU, "08:00"), at(THU, "09:00"))], request_id=300)
    leave(s["teacher"], [(at(SEP, "07:30"), at(SEP, "17:00"))], request_id=301)
    need = {(n.teacher_id, n.date, n.period_number): n for n in CoverageNeed.objects.all()}
    t, head = s["teacher"].pk, s["unit_head"].pk
    coverage_assign(actor=academic, need_id=need[t, THU, 1].pk, substitute_id=s["other_head"].pk)
    coverage_assign(actor=academic, need_id=need[t, MON, 1].pk, substitute_id=s["other_head"].pk)
    taken_back = coverage_assign(actor=academic, need_id=need[t, THU, 3].pk, substitute_id=s["hourly"].pk)
    coverage_unassign(actor=academic, assignment_id=taken_back.pk)
    coverage_assign(actor=academic, need_id=need[head, THU, 1].pk, substitute_id=s["other_teacher"].pk,
                    kind="swap", swap_date=THU, swap_period_number=2)
    coverage_assign(actor=academic, need_id=need[t, SEP, 1].pk, substitute_id=s["hourly"].pk)
    coverage_policy_set(actor=academic, offers_enabled=True)
    declined = coverage_assign(actor=academic, need_id=need[t, THU, 3].pk, substitute_id=s["hourly"].pk)
    coverage_offers_answer(actor=s["hourly"], assignment_ids=[declined.pk], accept=False, reason="另有課")
    coverage_assign(actor=academic, need_id=need[t, SEP, 3].pk, substitute_id=s["other_head"].pk)
    stranger = make_staff(s["outsider"].school, name="外校老師", username="stranger")
    absence = Absence.objects.create(school=stranger.school, teacher=stranger, source="recorded", status="recorded")
    foreign = CoverageNeed.objects.create(
        school=stranger.school, absence=absence, teacher=stranger, date=THU, division="senior", period_number=1,
        period_label="第 1 節", starts_at=at(THU, "08:10"), ends_at=at(THU, "09:00"), class_name="外校 9 班",
        subject="國文", status="covered",
    )
    CoverageAssignment.objects.create(
        school=stranger.school, need=foreign, substitute=make_staff(stranger.school, name="外校代課", username="x2"),
        date=THU, period_number=1, division="senior", starts_at=foreign.starts_at, ends_at=foreign.ends_at,
        paid_by="school",
    )
    return s


def _table(response):
    """(name, this month's 代課, 調課, offered, declined, this semester's 代課, 調課, offered, declined)"""
    return [
        (r.staff.name, r.month_substitute, r.month_swap, r.month_offered, r.month_declined,
         r.semester_substitute, r.semester_swap, r.semester_offered, r.semester_declined)
        for r in response.context["table"].rows
    ]


def _text(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


@time_machine.travel(THU_NOON, tick=False)
def test_counts_per_teacher_this_month_and_semester_sorted(covered, client_for, django_assert_num_queries):
    client = client_for(covered["academic"])
    client.get("/substitutes/fairness/")  # warms the session
    # Layout (5: the staff record comes with the account) and ATOMIC_REQUESTS (2) as on every page; the semester
    # and the teachers with their counts (2).
    with django_assert_num_queries(9):
        r = client.get("/substitutes/fairness/")
    assert r.status_code == 200
    rows = _table(r)
    assert rows[:3] == [
        ("林主任", 2, 0, 0, 0, 2, 0, 1, 0),  # the September offer waits: offered this semester, not this month
        ("李導師", 0, 1, 0, 0, 0, 1, 0, 0),
        ("趙代課", 0, 0, 1, 1, 1, 0, 1, 1),  # Thursday's offer declined; September's period taken
    ]
    assert {name for name, *counts in rows[3:] if any(counts)} == set()  # everyone else: nothing
    assert "外校代課" not in {name for name, *_ in rows}
    assert [name for name, *_ in _table(client.get("/substitutes/fairness/?sort=semester"))][:3] == [
        "林主任", "李導師", "趙代課"
    ]
    names = [name for name, *_ in _table(client.get("/substitutes/fairness/?sort=name"))]
    assert names == sorted(names)
    assert client.get("/substitutes/fairness/?sort=<script>").status_code == 200
    html = r.content.decode()
    table = re.search(r'data-testid="fairness">(.*?)</table>', html, re.S).group(1)
    first = re.search(r'data-testid="fairness-row">(.*?)</tr>', table, re.S).group(1)
    assert _text(first).split()[-10:] == ["2", "0", "2", "0", "0", "2", "0", "2", "1", "0"]
    # The bar chart: server-drawn SVG, one row per teacher with anything taken, offered or declined, bars in
    # percent of the longest (林主任's two periods), the declined part after the taken one.
    chart = re.search(r'data-testid="fairness-chart">(.*?)</section>', html, re.S).group(1)
    bars = re.findall(r'data-testid="fairness-bar">(.*?)</div>', chart, re.S)
    assert [_text(b).split()[0] for b in bars] == ["林主任", "李導師", "趙代課"]
    widths = [re.findall(r'<rect class="(\w+)" x="(\d+)" y="0" width="(\d+)"', b) for b in bars]
    assert widths[0] == [("taken", "0", "100"), ("declined", "100", "0")] * 2
    assert widths[2] == [("taken", "0", "0"), ("declined", "0", "50"), ("taken", "0", "50"), ("declined", "50", "50")]
    assert 'aria-label="趙代課：本月接受節數 0、婉拒節數 1"' in chart
    assert "<script" not in chart and " style=" not in chart


@time_machine.travel(THU_NOON, tick=False)
def test_the_xlsx_has_the_same_numbers(covered, client_for):
    r = client_for(covered["principal"]).get("/substitutes/fairness/export.xlsx")
    assert r.status_code == 200 and unquote(r["Content-Disposition"]).endswith("代課節數-114年10月.xlsx")
    sheet = load_workbook(io.BytesIO(r.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert "114 年 10 月" in values[0][0]
    assert values[1][3:] == ("本月代課", "本月調課", "本月接受合計", "本月提供", "本月婉拒",
                             "本學期代課", "本學期調課", "本學期接受合計", "本學期提供", "本學期婉拒")
    body = {row[1]: row[3:] for row in values[2:]}
    assert body["林主任"] == (2, 0, 2, 0, 0, 2, 0, 2, 1, 0)
    assert body["趙代課"] == (0, 0, 0, 1, 1, 1, 0, 1, 1, 1)
    assert "外校代課" not in body


def test_only_those_who_arrange_or_pay_see_it(covered, client_for):
    for who in ("teacher", "unit_head", "other_teacher", "hourly"):
        client = client_for(covered[who])
        assert client.get("/substitutes/fairness/").status_code == 403, who
        assert client.get("/substitutes/fairness/export.xlsx").status_code == 403, who
    for who in ("academic", "personnel", "principal"):
        assert client_for(covered[who]).get("/substitutes/fairness/").status_code == 200, who
