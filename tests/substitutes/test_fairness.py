"""Fairness at a glance: cover periods per teacher this month and this semester, sortable, as XLSX too."""

import datetime as dt
import io
from urllib.parse import unquote

import pytest
import time_machine
from openpyxl import load_workbook

from substitutes.models import Absence, CoverageAssignment, CoverageNeed
from substitutes.services import coverage_assign, coverage_unassign
from tests.factories import make_staff
from tests.substitutes.conftest import THU, at

pytestmark = pytest.mark.django_db

MON = dt.date(2025, 10, 13)
SEP = dt.date(2025, 9, 18)  # a Thursday of the same semester, last month
THU_NOON = dt.datetime(2025, 10, 9, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def covered(school_setup, leave):
    """October: 林主任 covers 王老師's Thu P1 and Mon P1, 趙代課 his Thu P3 (then taken back), 李導師 swaps
    陳主任's Thu P1. September: 趙代課 covers 王老師's Thu P1 (semester, not month). Another school's cover."""
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
    return [
        (r.staff.name, r.month_substitute, r.month_swap, r.semester_substitute, r.semester_swap)
        for r in response.context["table"].rows
    ]


@time_machine.travel(THU_NOON, tick=False)
def test_counts_per_teacher_this_month_and_semester_sorted(covered, client_for, django_assert_num_queries):
    client = client_for(covered["academic"])
    client.get("/substitutes/fairness/")  # warms the session
    # Layout (6) and ATOMIC_REQUESTS (2) as on every page; the semester and the teachers with their counts (2).
    with django_assert_num_queries(10):
        r = client.get("/substitutes/fairness/")
    assert r.status_code == 200
    rows = _table(r)
    assert rows[:3] == [("林主任", 2, 0, 2, 0), ("李導師", 0, 1, 0, 1), ("趙代課", 0, 0, 1, 0)]
    assert {name for name, *counts in rows[3:] if any(counts)} == set()  # everyone else: nothing
    assert "外校代課" not in {name for name, *_ in rows}
    assert [name for name, *_ in _table(client.get("/substitutes/fairness/?sort=semester"))][:3] == [
        "林主任", "李導師", "趙代課"
    ]
    names = [name for name, *_ in _table(client.get("/substitutes/fairness/?sort=name"))]
    assert names == sorted(names)
    assert client.get("/substitutes/fairness/?sort=<script>").status_code == 200
    assert "<meter" in r.content.decode()


@time_machine.travel(THU_NOON, tick=False)
def test_the_xlsx_has_the_same_numbers(covered, client_for):
    r = client_for(covered["principal"]).get("/substitutes/fairness/export.xlsx")
    assert r.status_code == 200 and unquote(r["Content-Disposition"]).endswith("代課節數-114年10月.xlsx")
    sheet = load_workbook(io.BytesIO(r.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert "114 年 10 月" in values[0][0]
    body = {row[1]: row[3:] for row in values[2:]}
    assert body["林主任"] == (2, 0, 2, 2, 0, 2)
    assert body["趙代課"] == (0, 0, 0, 1, 0, 1)
    assert "外校代課" not in body


def test_only_those_who_arrange_or_pay_see_it(covered, client_for):
    for who in ("teacher", "unit_head", "other_teacher", "hourly"):
        client = client_for(covered[who])
        assert client.get("/substitutes/fairness/").status_code == 403, who
        assert client.get("/substitutes/fairness/export.xlsx").status_code == 403, who
    for who in ("academic", "personnel", "principal"):
        assert client_for(covered[who]).get("/substitutes/fairness/").status_code == 200, who
