"""The monthly pay report: periods, payer and amount per substitute, priced at the rate of each day."""

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from schedules.models import Division
from substitutes.exports import pay_report_csv, pay_report_xlsx
from substitutes.models import CoverageNeed, HourlyRate
from substitutes.selectors import pay_report
from substitutes.services import coverage_assign, coverage_unassign
from tests.substitutes.conftest import THU, add_class, at

pytestmark = pytest.mark.django_db

OCT20, OCT23 = dt.date(2025, 10, 20), dt.date(2025, 10, 23)


def need(teacher, day, number, division=Division.SENIOR):
    return CoverageNeed.objects.get(teacher=teacher, date=day, period_number=number, division=division)


@pytest.fixture
def october(school_setup, leave):
    """October 2025, hand-computed below.

    The city's 高中 rate is 505 from 2025-09-01; this school set its own 520 from 10/16; 國中 stays 455.

    王老師's leaves and who covered:
      事假 10/9 (自理):  P1, P3 → 林主任                       2 × 505          = 1010 teacher-paid
      公假 10/23 (公費): P1 → 林主任, P3 → 趙代課               520 + 520
      公假 10/20 (公費): P1 (高中) → 林主任, P2 (國中) → 林主任 520 + 455
      a swap (not paid) and an assignment taken back (not paid)
    林主任: 自理 2 periods 1010; 公費 3 periods 1495.  趙代課: 公費 1 period 520.
    Totals: 公費 2015, 自理 1010, all 3025 over 6 periods.
    """
    s = school_setup
    academic, teacher, lin, zhao = s["academic"], s["teacher"], s["other_head"], s["hourly"]
    HourlyRate.objects.create(school=s["school"], division=Division.SENIOR, effective_from=dt.date(2025, 10, 16),
                              amount=520)
    add_class(s["semester"], teacher, 1, 2, "國二 1 班", "國文", division=Division.JUNIOR)

    leave(teacher, [(at(THU, "07:30"), at(THU, "17:00"))], request_id=1, paid_by="teacher", type_name="事假")
    leave(teacher, [(at(OCT23, "07:30"), at(OCT23, "17:00"))], request_id=2, paid_by="school", type_name="公假")
    leave(teacher, [(at(OCT20, "07:30"), at(OCT20, "17:00"))], request_id=3, paid_by="school", type_name="公假")

    def give(n, person, **kw):
        return coverage_assign(actor=academic, need_id=n.pk, substitute_id=person.pk, **kw)

    give(need(teacher, THU, 1), lin)
    give(need(teacher, THU, 3), lin)
    give(need(teacher, OCT23, 1), lin)
    give(need(teacher, OCT23, 3), zhao)
    give(need(teacher, OCT20, 1), lin)
    give(need(teacher, OCT20, 2, Division.JUNIOR), lin)
    # Not paid: a swap (王老師 takes 李導師's class on Monday 10/27 P5)...
    add_class(s["semester"], s["other_teacher"], 1, 5, "高二 1 班", "國文")
    add_class(s["semester"], teacher, 2, 4, "高一 3 班", "國文")
    leave(teacher, [(at(dt.date(2025, 10, 21), "11:00"), at(dt.date(2025, 10, 21), "12:00"))], request_id=4)
    give(need(teacher, dt.date(2025, 10, 21), 4), s["other_teacher"], kind="swap",
         swap_date=dt.date(2025, 10, 27), swap_period_number=5)
    # ... and an assignment taken back.
    add_class(s["semester"], teacher, 3, 1, "高一 3 班", "國文")
    leave(teacher, [(at(dt.date(2025, 10, 22), "08:00"), at(dt.date(2025, 10, 22), "09:00"))], request_id=5)
    taken_back = give(need(teacher, dt.date(2025, 10, 22), 1), zhao)
    coverage_unassign(actor=academic, assignment_id=taken_back.pk)
    return s


def test_pay_report_matches_hand_computed_totals(october, django_assert_num_queries):
    # Queries: the totals grouped by substitute and payer, priced in SQL; the priced lines.
    with django_assert_num_queries(2):
        report = pay_report(school=october["school"], year=2025, month=10)
    rows = [(r.name, r.paid_by, r.periods, r.amount) for r in report.rows]
    assert rows == [
        ("林主任", "school", 3, 1495),
        ("林主任", "teacher", 2, 1010),
        ("趙代課", "school", 1, 520),
    ]
    assert (report.school_total, report.teacher_total, report.total_amount, report.total_periods) == (
        2015, 1010, 3025, 6
    )
    assert sorted(a.rate for a in report.lines) == [455, 505, 505, 520, 520, 520]


def test_other_months_and_schools_are_apart(october):
    assert pay_report(school=october["school"], year=2025, month=9).rows == []
    assert pay_report(school=october["outsider"].school, year=2025, month=10).rows == []


def test_rates_before_september_2025_are_the_old_ones(school_setup, leave):
    """The seeded city rates: 高中 420 / 國中 378 / 國小 336 before 2025-09-01, 505 / 455 / 405 from it."""
    city = {(r.division, r.effective_from.isoformat(), r.amount) for r in HourlyRate.objects.filter(school=None)}
    assert city == {
        ("senior", "2000-01-01", 420), ("junior", "2000-01-01", 378), ("elementary", "2000-01-01", 336),
        ("senior", "2025-09-01", 505), ("junior", "2025-09-01", 455), ("elementary", "2025-09-01", 405),
    }
    s = school_setup
    s["semester"].start_date = dt.date(2025, 2, 1)
    s["semester"].save()
    june = dt.date(2025, 6, 12)  # a Thursday of the spring semester
    leave(s["teacher"], [(at(june, "07:30"), at(june, "17:00"))])
    coverage_assign(actor=s["academic"], need_id=need(s["teacher"], june, 1).pk, substitute_id=s["other_head"].pk)
    [row] = pay_report(school=s["school"], year=2025, month=6).rows
    assert (row.periods, row.amount) == (1, 420)


def test_csv_and_xlsx_exports(october):
    report = pay_report(school=october["school"], year=2025, month=10)
    text = pay_report_csv(report).decode("utf-8")
    assert text.startswith("\ufeff員工編號,姓名,鐘點費負擔,節數,金額（元）")
    assert ",林主任,公費,3,1495" in text and ",林主任,自理,2,1010" in text
    assert text.strip().splitlines()[-1] == ",總計,,6,3025"

    book = load_workbook(io.BytesIO(pay_report_xlsx(report, school_name="示範高中")))
    summary = [list(r) for r in book["代課鐘點費"].iter_rows(min_row=3, values_only=True)]
    assert summary[0][1:] == ["林主任", "公費", 3, 1495]
    assert summary[-1][1:] == ["總計", None, 6, 3025]
    lines = list(book["明細"].iter_rows(min_row=2, values_only=True))
    assert len(lines) == 6
    assert sum(line[-1] for line in lines) == 3025


# --- The sign-off sheet (代課鐘點費印領清冊), read back from the PDF ----------------------------------


def pdf_lines(content: bytes) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return [" ".join(line.split()) for page in reader.pages for line in page.extract_text().splitlines()]


def test_the_sign_off_sheet_lists_every_period_payer_and_total(october, client_for):
    """The PDF's text, read back: the school's header and 民國 month, every paid period with its date, class,
    whose class, payer and rate under its substitute, each subtotal, who owes whom for 自理, and the totals."""
    with time_machine.travel(at(dt.date(2025, 11, 3), "09:00")):
        response = client_for(october["personnel"]).get("/substitutes/pay/sheet.pdf", {"month": "2025-10"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_lines(response.content)
    lin, zhao = october["other_head"], october["hourly"]
    expected = [
        f"{october['school'].name} 代課鐘點費印領清冊",
        "民國 114 年 10 月 製表日期：民國 114 年 11 月 3 日",
        "公費（學校支付）",
        lin.name, lin.employee_no,
        "114/10/20 第 1 節 高一 3 班 國文 王老師（公假） 公費 520",
        "114/10/20 第 2 節 國二 1 班 國文 王老師（公假） 公費 455",
        "114/10/23 第 1 節 高一 3 班 國文 王老師（公假） 公費 520",
        "林主任 小計（公費）3 節 1495",
        zhao.name, zhao.employee_no,
        "114/10/23 第 3 節 高一 5 班 國文 王老師（公假） 公費 520",
        "趙代課 小計（公費）1 節 520",
        "自理（請假教師支付）",
        lin.name, lin.employee_no,
        "114/10/09 第 1 節 高一 3 班 國文 王老師（事假） 自理：王老師付 505",
        "114/10/09 第 3 節 高一 5 班 國文 王老師（事假） 自理：王老師付 505",
        "林主任 小計（自理）2 節 1010",
        "自理代課鐘點費：請假教師應付代課教師",
        "王老師 林主任 2 1010",
        "公費合計 2015 元",
        "自理合計 1010 元",
        "總計 6 節 3025 元",
        "承辦人 教學組長 教務主任 人事主任 會計主任 校長",
    ]
    # In this order, each a whole line (the page footers and column headings in between).
    found = [line for line in text if line in expected]
    assert found == expected, "\n".join(text)
    # The swap (調課) and the assignment taken back are not on the sheet.
    assert not any("10/21" in line or "10/22" in line or "10/27" in line for line in text)
    assert sum("領款人簽章" in line for line in text) == 3  # each payer's table and who-owes-whom


def test_the_sign_off_sheet_is_for_those_who_see_pay_and_in_chinese_for_everyone(october, client_for):
    assert client_for(october["teacher"]).get("/substitutes/pay/sheet.pdf").status_code == 403
    october["academic"].user.language = "en"
    october["academic"].user.save()
    response = client_for(october["academic"]).get("/substitutes/pay/sheet.pdf", {"month": "2025-10"})
    assert response.status_code == 200
    assert "民國 114 年 10 月" in " ".join(pdf_lines(response.content))
    empty = client_for(october["academic"]).get("/substitutes/pay/sheet.pdf", {"month": "2025-07"})
    assert "本月沒有代課紀錄。" in pdf_lines(empty.content)


def test_the_city_rates_come_back_after_a_transactional_tests_flush(transactional_db):
    """What tests/conftest.py does after every transactional test: the migration's rows, as the migration
    writes them (the pay report above prices October's first half at the city's 505)."""
    from tests.conftest import migration_data_restore

    HourlyRate.objects.all().delete()  # what the flush at the end of a transactional test does
    migration_data_restore()
    rates = set(HourlyRate.objects.filter(school=None).values_list("division", "effective_from", "amount"))
    assert (Division.SENIOR, dt.date(2025, 9, 1), 505) in rates and len(rates) == 6
    migration_data_restore()  # idempotent
    assert HourlyRate.objects.filter(school=None).count() == 6
