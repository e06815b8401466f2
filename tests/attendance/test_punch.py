"""Punching through the service: every category's window at the exact boundaries, the network rule,
double taps, and the client address behind proxies."""

import datetime as dt

import pytest
from django.test import RequestFactory

from attendance.models import DailyResult, DailyStatus, Punch, PunchKind, PunchRefusal
from attendance.network import client_ip, punch_network_allows
from attendance.services import AttendanceError, punch_record
from staff.models import StaffCategory
from tests.attendance.conftest import WORKDAY, at, punch
from tests.factories import make_staff

# The school's rules (docs/domain.md, "Clock-in windows"): required arrival and earliest leaving per category.
WINDOWS = [
    (StaffCategory.ADMIN_TEACHER, "07:30", "16:30"),
    (StaffCategory.CIVIL_STAFF, "07:30", "16:30"),
    (StaffCategory.HOMEROOM_SENIOR, "08:00", "16:00"),
    (StaffCategory.HOMEROOM_JUNIOR, "07:30", "16:00"),  # morning self-study supervision from 07:30
    (StaffCategory.SUBJECT_TEACHER, "08:00", "16:00"),
    (StaffCategory.LONG_TERM_SUBSTITUTE, "08:00", "16:00"),
]


def _shift(hhmm: str, seconds: int) -> str:
    moment = dt.datetime.combine(WORKDAY, dt.time.fromisoformat(hhmm)) + dt.timedelta(seconds=seconds)
    return moment.strftime("%H:%M:%S")


def _day(staff, clock, arrive: str | None, leave: str | None) -> DailyResult:
    if arrive:
        clock(at(WORKDAY, arrive))
        punch(staff=staff, kind=PunchKind.IN, ip="203.64.10.5")
    if leave:
        clock(at(WORKDAY, leave))
        punch(staff=staff, kind=PunchKind.OUT, ip="203.64.10.5")
    return DailyResult.objects.get(staff=staff, date=WORKDAY)


@pytest.mark.parametrize(("category", "start", "end"), WINDOWS)
@pytest.mark.parametrize(
    ("arrive_after_start", "status", "late"),
    [
        (0, DailyStatus.ON_TIME, 0),  # 07:30:00 / 08:00:00
        (59, DailyStatus.ON_TIME, 0),  # 07:30:59 / 08:00:59: the seconds do not count
        (60, DailyStatus.LATE, 1),  # 07:31:00 / 08:01:00
    ],
)
def test_arrival_at_the_boundary_of_each_category(
    people, clock, category, start, end, arrive_after_start, status, late
):
    staff = make_staff(people["school"], category=category)
    result = _day(staff, clock, _shift(start, arrive_after_start), end)
    assert (result.status, result.late_minutes) == (status, late)
    assert result.required_start == dt.time.fromisoformat(start)
    assert result.required_end == dt.time.fromisoformat(end)


@pytest.mark.parametrize(("category", "start", "end"), WINDOWS)
def test_0800_01_is_late_only_for_an_0730_window(people, clock, category, start, end):
    staff = make_staff(people["school"], category=category)
    result = _day(staff, clock, "08:00:01", end)
    expected = (DailyStatus.LATE, 30) if start == "07:30" else (DailyStatus.ON_TIME, 0)
    assert (result.status, result.late_minutes) == expected


@pytest.mark.parametrize(("category", "start", "end"), WINDOWS)
def test_leaving_a_second_before_the_end_is_a_minute_early(people, clock, category, start, end):
    staff = make_staff(people["school"], category=category)
    early = _day(staff, clock, start + ":00", _shift(end, -1))
    assert (early.status, early.early_minutes) == (DailyStatus.LEFT_EARLY, 1)
    # A later 下班 replaces the early one: leaving on the minute is on time.
    on_time = _day(staff, clock, None, end + ":00")
    assert (on_time.status, on_time.early_minutes) == (DailyStatus.ON_TIME, 0)


def test_hourly_substitute_has_no_clock_in_duty(people, clock):
    staff = make_staff(people["school"], category=StaffCategory.HOURLY_SUBSTITUTE)
    result = _day(staff, clock, "09:10:00", "12:00:00")
    assert result.status == DailyStatus.NO_DUTY
    assert result.first_in == at(WORKDAY, "09:10:00")  # the punches are still kept


def test_repeated_in_keeps_the_first_and_repeated_out_keeps_the_last(people, clock):
    teacher = people["teacher"]
    clock(at(WORKDAY, "07:50:00"))
    first = punch(staff=teacher, kind=PunchKind.IN, ip="10.0.0.1")
    clock(at(WORKDAY, "07:50:01"))  # the double tap
    again = punch(staff=teacher, kind=PunchKind.IN, ip="10.0.0.1")
    assert first.created and not again.created
    assert again.punch.pk == first.punch.pk
    assert again.punch.at == at(WORKDAY, "07:50:00")

    clock(at(WORKDAY, "16:05:00"))
    punch(staff=teacher, kind=PunchKind.OUT, ip="10.0.0.1")
    clock(at(WORKDAY, "17:20:00"))
    last = punch(staff=teacher, kind=PunchKind.OUT, ip="10.0.0.2", user_agent="Phone")
    assert last.updated
    outs = Punch.objects.filter(staff=teacher, kind=PunchKind.OUT)
    assert outs.count() == 1
    kept = outs.get()
    assert (kept.at, kept.source_ip, kept.user_agent) == (at(WORKDAY, "17:20:00"), "10.0.0.2", "Phone")
    assert Punch.objects.filter(staff=teacher).count() == 2


def test_punch_records_address_and_browser(people, clock):
    clock(at(WORKDAY, "07:55:00"))
    outcome = punch_record(staff=people["teacher"], kind="in", ip="203.64.10.7", user_agent="Mozilla/5.0 " + "x" * 400)
    punch = Punch.objects.get(pk=outcome.punch.pk)
    assert punch.source_ip == "203.64.10.7"
    assert punch.user_agent.startswith("Mozilla/5.0") and len(punch.user_agent) == 300
    assert punch.work_date == WORKDAY and not punch.is_correction


def test_bad_kind_is_refused(people):
    with pytest.raises(AttendanceError) as err:
        punch(staff=people["teacher"], kind="lunch", ip="10.0.0.1")
    assert err.value.code == "invalid_kind"
    assert not Punch.objects.exists()


# --- The network rule ------------------------------------------------------------------------


@pytest.fixture
def guarded_school(people):
    school = people["school"]
    school.enforce_punch_networks = True
    school.punch_networks = "203.64.10.0/24\n2001:db8:10::/48"
    school.save()
    return school


def test_punch_from_an_allowed_network(people, guarded_school, clock):
    clock(at(WORKDAY, "07:55:00"))
    assert punch(staff=people["teacher"], kind="in", ip="203.64.10.200").created
    assert punch(staff=people["teacher"], kind="out", ip="2001:db8:10::5").created


def test_punch_from_outside_is_refused_and_logged(people, guarded_school, clock):
    clock(at(WORKDAY, "07:55:00"))
    with pytest.raises(AttendanceError) as err:
        punch(staff=people["teacher"], kind="in", ip="8.8.8.8", user_agent="Phone")
    assert err.value.code == "network_refused"
    assert str(err.value) == "不在學校允許的網路範圍內，無法打卡"
    assert not Punch.objects.exists()
    refusal = PunchRefusal.objects.get()
    assert (refusal.staff, refusal.kind, refusal.source_ip, refusal.user_agent) == (
        people["teacher"], "in", "8.8.8.8", "Phone"
    )


def test_unknown_address_is_refused_when_the_rule_is_on(guarded_school):
    assert not punch_network_allows(guarded_school, None)
    assert not punch_network_allows(guarded_school, "not-an-ip")
    assert punch_network_allows(guarded_school, "::ffff:203.64.10.9")  # IPv4 client on a dual-stack socket


def test_rule_off_accepts_any_address(people):
    assert punch_network_allows(people["school"], "8.8.8.8")
    assert punch_network_allows(people["school"], None)


def test_rule_on_without_networks_accepts_nothing(people):
    school = people["school"]
    school.enforce_punch_networks = True
    school.punch_networks = ""
    assert not punch_network_allows(school, "203.64.10.5")


def test_client_ip_ignores_forwarded_for_without_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.64.10.5")
    assert client_ip(request) == "198.51.100.9"


def test_client_ip_behind_one_trusted_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client claims to be inside the school; the proxy appends the address it really saw.
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.64.10.5, 198.51.100.9")
    assert client_ip(request) == "198.51.100.9"
    direct = RequestFactory().get("/", REMOTE_ADDR="198.51.100.10")
    assert client_ip(direct) == "198.51.100.10"


def test_client_ip_behind_two_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.64.10.5, 10.0.0.2")
    assert client_ip(request) == "203.64.10.5"
