"""The pages: the clock, months, the unit and school views, exports and corrections — with their denials."""

import csv
import datetime as dt
import io
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from attendance.models import DailyResult, DailyStatus, Punch, PunchCorrection, PunchKind, PunchRefusal
from attendance.services import daily_results_recompute
from staff.models import User
from tests.attendance.conftest import WORKDAY, at
from tests.factories import make_unit

CLOCK = reverse("attendance:clock")
PUNCH = reverse("attendance:punch")


def _text(response) -> str:
    return response.content.decode()


def _punch(staff, day, arrive="07:25:00", leave="16:35:00"):
    if arrive:
        Punch.objects.create(staff=staff, work_date=day, kind=PunchKind.IN, at=at(day, arrive))
    if leave:
        Punch.objects.create(staff=staff, work_date=day, kind=PunchKind.OUT, at=at(day, leave))


# --- The clock -----------------------------------------------------------------------------


def test_clock_page_shows_server_time_window_and_the_next_button(people, client_for, clock):
    clock(at(WORKDAY, "07:41:05"))
    client = client_for(people["personnel"])
    page = _text(client.get(CLOCK))
    assert "今日應到 07:30、應退 16:30" in page
    assert 'data-testid="server-time"' in page and "07:41:05" in page
    assert "民國 114 年 10 月 8 日 星期三" in page
    assert 'value="in" data-testid="punch-main"' in page  # 上班 is the big one before any punch

    response = client.post(PUNCH, {"kind": "in"}, REMOTE_ADDR="203.64.10.8", HTTP_USER_AGENT="TestPhone")
    assert response.status_code == 302 and response.url == CLOCK
    page = _text(client.get(CLOCK))
    assert "已打上班卡：07:41:05" in page
    assert 'value="out" data-testid="punch-main"' in page  # now 下班 is the big one
    assert 'data-testid="punch-in">07:41:05' in page
    punch = Punch.objects.get(staff=people["personnel"])
    assert (punch.source_ip, punch.user_agent) == ("203.64.10.8", "TestPhone")


def test_clock_page_on_a_holiday(people, client_for, clock):
    clock(at(dt.date(2025, 10, 10), "09:00:00"))
    page = _text(client_for(people["teacher"]).get(CLOCK))
    assert "今日無需打卡（國慶日）" in page
    assert 'data-testid="punch-main"' in page  # punching stays possible (overtime)


def test_home_card_calls_to_clock_in_only_on_a_duty_day(people, client_for, clock):
    client = client_for(people["teacher"])
    clock(at(WORKDAY, "07:41:05"))
    page = _text(client.get("/"))
    assert "去打上班卡" in page and "打卡頁（加班時使用）" not in page
    clock(at(dt.date(2025, 10, 10), "09:00:00"))  # 國慶日: no big 「去打上班卡」, the page stays reachable
    page = _text(client.get("/"))
    assert "今日無需打卡（國慶日）" in page
    assert "去打上班卡" not in page and "打卡頁（加班時使用）" in page
    assert f'href="{CLOCK}" data-testid="card-clock"' in page


def test_double_post_makes_one_punch(people, client_for, clock):
    client = client_for(people["teacher"])
    clock(at(WORKDAY, "07:50:00"))
    client.post(PUNCH, {"kind": "in"})
    clock(at(WORKDAY, "07:50:01"))
    client.post(PUNCH, {"kind": "in"})
    assert Punch.objects.filter(staff=people["teacher"]).count() == 1
    assert "今天已打過上班卡（07:50:00），以第一次為準" in _text(client.get(CLOCK))


def test_punch_from_outside_the_school_network_is_refused_on_the_page(people, client_for, clock):
    school = people["school"]
    school.enforce_punch_networks, school.punch_networks = True, "203.64.10.0/24"
    school.save()
    clock(at(WORKDAY, "07:50:00"))
    client = client_for(people["teacher"])
    response = client.post(PUNCH, {"kind": "in"}, REMOTE_ADDR="198.51.100.20", follow=True)
    assert "不在學校允許的網路範圍內，無法打卡" in _text(response)
    assert not Punch.objects.exists()
    # The refusal is kept although the request showed an error (it is not rolled back).
    assert PunchRefusal.objects.get().source_ip == "198.51.100.20"


def test_pages_need_a_signed_in_staff_member(people, client):
    assert client.get(CLOCK).status_code == 302  # to the sign-in page
    nobody = User.objects.create_user(username="nobody", password="x")
    client.force_login(nobody, backend="staff.backends.AccountBackend")
    assert client.get(CLOCK).status_code == 403
    assert client.post(PUNCH, {"kind": "in"}).status_code == 403
    assert client.get(PUNCH).status_code == 405


# --- Months --------------------------------------------------------------------------------


def test_my_month_reads_at_a_glance(people, client_for, clock, django_assert_max_num_queries):
    teacher = people["teacher"]
    _punch(teacher, dt.date(2025, 10, 1), "07:58:00", "16:05:00")
    _punch(teacher, dt.date(2025, 10, 2), "08:12:00", "16:05:00")
    _punch(teacher, dt.date(2025, 10, 3), "07:58:00", None)
    clock(at(dt.date(2025, 10, 15), "20:00:00"))
    client = client_for(teacher)
    # Budget: savepoint + release (ATOMIC_REQUESTS), session, user, staff with school and unit (layout), roles
    # and headed units (menu), unread notices, hire dates + result counts (ensure), and its recompute: people,
    # the calendar (office days, school days ∪ typhoon days, semesters, personal and category schedules),
    # leave spans, punches, upsert; the month's results and the month's approved and pending leave to show.
    with django_assert_max_num_queries(21):
        response = client.get(reverse("attendance:my_month_of", args=[2025, 10]))
    page = _text(response)
    assert "民國 114 年 10 月" in page
    assert 'data-testid="day-2025-10-01"' in page
    assert 'class="result-on_time" data-date="2025-10-01"' in page
    assert 'class="result-late" data-date="2025-10-02"' in page
    assert 'class="result-missing_out" data-date="2025-10-03"' in page
    assert 'class="result-holiday" data-date="2025-10-10"' in page  # 國慶日
    assert 'class="result-absent" data-date="2025-10-07"' in page
    assert 'class="no-result" data-date="2025-10-16"' in page  # tomorrow: nothing yet
    assert "遲到 12 分" in page
    assert "?date=2025-10-03&amp;kind=out" in page  # the 補登 link on the missing day


def test_my_month_names_only_the_special_days(people, client_for, clock):
    teacher = people["teacher"]
    saturday, monday = dt.date(2025, 2, 8), dt.date(2025, 2, 10)  # 補行上班 (for 01-27), then a plain workday
    _punch(teacher, saturday, "07:25:00", "16:35:00")
    _punch(teacher, monday, "07:25:00", "16:35:00")
    clock(at(dt.date(2025, 2, 12), "20:00:00"))
    page = _text(client_for(teacher).get(reverse("attendance:my_month_of", args=[2025, 2])))

    def row(day):
        return page.split(f'data-testid="row-{day.isoformat()}"', 1)[1].split("</tr>", 1)[0]

    assert DailyResult.objects.get(staff=teacher, date=monday).day_label == "上班日"  # stored, just not shown
    assert "正常" in row(monday) and "上班日" not in row(monday) and "（" not in row(monday)
    assert "正常（補行上班）" in row(saturday)
    assert "上班日" not in page.split('data-testid="day-list"', 1)[1]


def test_the_plain_workday_label_is_hidden_in_either_language():
    assert DailyResult(day_label="上班日").day_note == ""
    assert DailyResult(day_label="Workday").day_note == ""  # computed while the English page was open
    assert DailyResult(day_label="補行上班").day_note == "補行上班"
    assert DailyResult(day_label="寒假").day_note == "寒假"
    assert DailyResult(day_label="").day_note == ""


def test_unknown_month_is_404(people, client_for):
    assert client_for(people["teacher"]).get("/attendance/month/2025/13/").status_code == 404


@pytest.mark.parametrize(
    ("viewer", "subject", "status"),
    [
        ("unit_head", "teacher", 200),
        ("unit_head", "academic", 200),  # 教學組 is a section of 教務處
        ("personnel", "other_teacher", 200),
        ("principal", "teacher", 200),
        ("teacher", "teacher", 200),
        ("teacher", "unit_head", 404),
        ("other_head", "teacher", 404),
        ("academic", "teacher", 404),  # academic affairs sees timetables, not attendance
        ("outsider", "teacher", 404),
    ],
)
def test_someone_elses_month(people, client_for, viewer, subject, status):
    url = reverse("attendance:staff_month", args=[people[subject].pk, 2025, 10])
    assert client_for(people[viewer]).get(url).status_code == status


# --- The unit head's view ------------------------------------------------------------------


def test_unit_head_sees_their_unit_by_day_and_month(people, client_for, clock):
    clock(at(WORKDAY, "20:00:00"))
    _punch(people["teacher"], WORKDAY, "08:03:00", "16:00:00")
    client = client_for(people["unit_head"])
    page = _text(client.get(reverse("attendance:unit"), {"date": WORKDAY.isoformat()}))
    assert "王老師" in page and "遲到 3 分" in page
    assert "李導師" not in page  # another unit
    page = _text(client.get(reverse("attendance:unit"), {"view": "month", "month": "2025-10"}))
    assert "民國 114 年 10 月" in page and "王老師" in page


def test_unit_view_denials(people, client_for):
    url = reverse("attendance:unit")
    assert client_for(people["teacher"]).get(url).status_code == 403
    head = client_for(people["unit_head"])
    assert head.get(url, {"unit": people["units"]["student"].pk}).status_code == 404
    personnel = client_for(people["personnel"])
    assert personnel.get(url, {"unit": people["units"]["student"].pk}).status_code == 200
    make_unit(people["outsider"].school, "人事室")  # the outsider is school-wide at their own school
    assert client_for(people["outsider"]).get(url).status_code == 200
    assert client_for(people["outsider"]).get(url, {"unit": people["units"]["student"].pk}).status_code == 404


# --- The school view and the monthly report ------------------------------------------------


@pytest.fixture
def october(people, clock):
    clock(at(dt.date(2025, 11, 3), "09:00:00"))
    _punch(people["teacher"], WORKDAY, "08:03:00", "16:00:00")
    _punch(people["other_teacher"], WORKDAY, "07:55:00", "15:30:00")
    _punch(people["personnel"], WORKDAY, "07:20:00", "16:40:00")
    daily_results_recompute(school=people["school"], start=dt.date(2025, 10, 1), end=dt.date(2025, 10, 31))
    daily_results_recompute(school=people["outsider"].school, start=dt.date(2025, 10, 1), end=dt.date(2025, 10, 31))


def test_school_view_filters(people, client_for, october, django_assert_max_num_queries):
    client = client_for(people["personnel"])
    url = reverse("attendance:school")
    base = {"date_after": "2025-10-08", "date_before": "2025-10-08"}
    # Budget: savepoint + release (ATOMIC_REQUESTS), session, user, staff with school and unit, roles, the
    # unit choices, hire dates + counts (ensure), the page count, the page, the summary, the menu's headed
    # units, unread notices.
    with django_assert_max_num_queries(14):
        page = _results_table(client.get(url, base))
    assert all(name in page for name in ("王老師", "李導師", "張人事", "陳主任"))
    assert "外校人事" not in page
    assert page.count("<td>114/10/08</td>") == 7  # the school's seven people, that day only
    assert "114/10/09" not in page

    late = _results_table(client.get(url, {**base, "result": "late"}))
    assert "王老師" in late and "李導師" not in late and "張人事" not in late
    early = _results_table(client.get(url, {**base, "result": "left_early"}))
    assert "李導師" in early and "王老師" not in early
    unit = _results_table(client.get(url, {**base, "unit": people["units"]["student"].pk}))
    assert "李導師" in unit and "王老師" not in unit
    category = _results_table(client.get(url, {**base, "category": "civil_staff"}))
    assert "張人事" in category and "王老師" not in category
    # Personnel type the roster's employee number, in any letter case.
    by_number = _results_table(client.get(url, {**base, "employee_no": people["teacher"].employee_no.lower()}))
    assert "王老師" in by_number and "李導師" not in by_number
    outsider = _results_table(client.get(url, {**base, "employee_no": people["outsider"].employee_no}))
    assert "外校人事" not in outsider


def test_school_view_defaults_to_this_month_so_far(people, client_for, october):
    client = client_for(people["personnel"])
    page = _results_table(client.get(reverse("attendance:school")))
    # "Now" is 2025-11-03 09:00 (a Monday): November 1–3, and nothing from October; the weekend's
    # 放假 rows stay out of the way until the box asks for them.
    assert "114/11/03" in page and "114/10/31" not in page
    assert "114/11/01" not in page and "114/11/02" not in page
    everything = _results_table(client.get(reverse("attendance:school"), {"off_days": "on"}))
    assert "114/11/01" in everything and "114/11/03" in everything and "114/10/31" not in everything


def test_school_view_lists_the_newest_day_first_without_off_days(people, client_for, october):
    client = client_for(people["personnel"])
    url = reverse("attendance:school")
    october_days = {"date_after": "2025-10-01", "date_before": "2025-10-31"}
    response = client.get(url, october_days)
    page = _results_table(response)
    # October 2025 ends on a Friday (10/31): page 1 opens with it, not with the holiday of 10/01's week.
    assert page.index("<td>114/10/31</td>") < page.index("<td>114/10/30</td>")
    assert "<td>114/10/01</td>" not in page  # 50 rows a page: the month's first days are further on
    shown = [r.status for r in response.context["page"]]
    assert shown and not {DailyStatus.HOLIDAY, DailyStatus.NO_DUTY} & set(shown)
    assert "放假" not in _text(response).split('data-testid="school-summary"', 1)[1].split("</ul>", 1)[0]
    # 10/10 (國慶日) and the weekends are there in the database, only hidden.
    assert DailyResult.objects.filter(date=dt.date(2025, 10, 10), status=DailyStatus.HOLIDAY).exists()
    assert "114/10/10" not in _results_table(client.get(url, {**october_days, "page": 3}))

    # Asking for 放假 by the result filter, or ticking the box, brings them back, still newest first.
    holidays = client.get(url, {**october_days, "result": "holiday"})
    statuses = {r.status for r in holidays.context["page"]}
    assert statuses == {DailyStatus.HOLIDAY}
    dates = [r.date for r in holidays.context["page"]]
    assert dates == sorted(dates, reverse=True) and dates[0] == dt.date(2025, 10, 26)
    ticked = client.get(url, {**october_days, "off_days": "on"})
    assert ticked.context["page"].paginator.count == DailyResult.objects.filter(
        school=people["school"], date__range=(dt.date(2025, 10, 1), dt.date(2025, 10, 31))
    ).count()
    assert 'name="off_days"' in _text(ticked) and "顯示放假與免打卡" in _text(ticked)
    # The pager keeps the box ticked.
    assert "off_days=on" in _text(ticked)


def test_school_view_denials(people, client_for, october):
    url = reverse("attendance:school")
    for who in ("teacher", "unit_head", "academic", "other_head"):
        assert client_for(people[who]).get(url).status_code == 403
    # Another school's personnel sees only their own school.
    page = _results_table(
        client_for(people["outsider"]).get(url, {"date_after": "2025-10-08", "date_before": "2025-10-08"})
    )
    assert "王老師" not in page and "外校人事" in page


def _results_table(response) -> str:
    return _text(response).split('data-testid="school-results"', 1)[1].split("</table>", 1)[0]


def _report_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_monthly_report_csv(people, client_for, october):
    response = client_for(people["personnel"]).get(reverse("attendance:export", args=["csv"]), {"month": "2025-10"})
    assert response["Content-Type"].startswith("text/csv")
    # 出勤月報-114年10月.csv, the one name style of every download (common.exports.export_filename)
    assert unquote(response["Content-Disposition"]).endswith("出勤月報-114年10月.csv")
    rows = _report_rows(response.content)
    header = rows[0]
    assert header[:5] == ["員工編號", "姓名", "處室", "人員類別", "應出勤日數"]
    by_name = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert "外校人事" not in by_name
    teacher = by_name["王老師"]
    # October 2025 has 23 weekdays; 10/06 中秋節, 10/10 國慶日 and 10/24 (光復節補假) are off: 20 working days.
    # The teacher punched on one of them.
    assert teacher["應出勤日數"] == "20"
    assert (teacher["遲到次數"], teacher["遲到分鐘"], teacher["缺勤"]) == ("1", "3", "19")
    assert (by_name["李導師"]["早退次數"], by_name["李導師"]["早退分鐘"]) == ("1", "30")
    assert by_name["張人事"]["正常"] == "1"


def test_monthly_report_csv_filtered_by_unit(people, client_for, october):
    response = client_for(people["principal"]).get(
        reverse("attendance:export", args=["csv"]), {"month": "2025-10", "unit": people["units"]["student"].pk}
    )
    names = [row[1] for row in _report_rows(response.content)[1:]]
    assert sorted(names) == ["李導師", "林主任"]


def test_monthly_report_xlsx(people, client_for, october):
    response = client_for(people["personnel"]).get(reverse("attendance:export", args=["xlsx"]), {"month": "2025-10"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "民國 114 年 10 月" in sheet["A1"].value
    header = [c.value for c in sheet[2]]
    rows = {r[1]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows["王老師"]["遲到分鐘"] == 3
    assert rows["王老師"]["應出勤日數"] == 20
    assert "外校人事" not in rows


def test_report_denials(people, client_for):
    for who in ("teacher", "unit_head", "academic"):
        assert client_for(people[who]).get(reverse("attendance:export", args=["csv"])).status_code == 403
    assert client_for(people["personnel"]).get(reverse("attendance:export", args=["pdf"])).status_code == 404


# --- Corrections ---------------------------------------------------------------------------


def test_correction_journey_on_the_pages(people, client_for, clock):
    clock(at(WORKDAY, "18:30:00"))
    _punch(people["teacher"], WORKDAY, None, "16:10:00")
    teacher = client_for(people["teacher"])
    form = _text(teacher.get(reverse("attendance:correction_new"), {"date": "2025-10-08", "kind": "in"}))
    assert 'value="2025-10-08"' in form
    response = teacher.post(
        reverse("attendance:correction_new"),
        {"date": "2025-10-08", "kind": "in", "time": "07:50", "reason": "忘記刷卡"},
    )
    assert response.status_code == 302
    correction = PunchCorrection.objects.get()

    # The teacher cannot decide their own; another unit's head cannot even see it.
    assert teacher.post(reverse("attendance:correction_approve", args=[correction.pk])).status_code == 403
    other = client_for(people["other_head"])
    assert other.post(reverse("attendance:correction_approve", args=[correction.pk])).status_code == 404
    assert client_for(people["outsider"]).post(
        reverse("attendance:correction_reject", args=[correction.pk])
    ).status_code == 404

    head = client_for(people["unit_head"])
    assert "忘記刷卡" in _text(head.get(reverse("attendance:corrections")))
    head.post(reverse("attendance:correction_approve", args=[correction.pk]), {"note": "OK"})
    correction.refresh_from_db()
    assert correction.status == PunchCorrection.Status.APPROVED
    result = DailyResult.objects.get(staff=people["teacher"], date=WORKDAY)
    assert (result.status, result.in_corrected) == (DailyStatus.ON_TIME, True)


def test_correction_form_shows_the_rule_that_refused(people, client_for, clock):
    clock(at(WORKDAY, "18:30:00"))
    response = client_for(people["teacher"]).post(
        reverse("attendance:correction_new"), {"date": "2025-10-09", "kind": "in", "time": "07:50", "reason": "x"}
    )
    assert response.status_code == 200
    assert "不能補登未來的時間" in _text(response)
    assert not PunchCorrection.objects.exists()


def test_menu_links_by_role(people, client_for):
    teacher_page = _text(client_for(people["teacher"]).get("/"))
    assert reverse("attendance:clock") in teacher_page and reverse("attendance:unit") not in teacher_page
    head_page = _text(client_for(people["unit_head"]).get("/"))
    assert reverse("attendance:unit") in head_page and reverse("attendance:school") not in head_page
    personnel_page = _text(client_for(people["personnel"]).get("/"))
    assert reverse("attendance:school") in personnel_page
    assert 'data-testid="attendance-card"' in personnel_page
