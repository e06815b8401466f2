"""The benchmarks: what each measures, at which two sizes, and its target.

A case's ``setup(size)`` does the untimed preparation and returns the call that is measured;
``reset(size)`` (untimed) runs before every measured call so that each repetition does the same
work. Sizes are "small" and "large"; the runner compares their query counts. Times are taken at
"large" only. See bench/README.md for the targets' reasoning.
"""

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core import mail
from django.db import connection, transaction
from django.test import Client

from attendance.models import DailyResult, PendingResult, Punch, PunchKind, PunchReminder
from attendance.services import (
    daily_results_ensure,
    daily_results_recompute,
    missing_punch_reminders_send,
    pending_results_recompute,
    punch_record,
)
from bench import data
from notifications.models import EmailOutbox, Notification
from schedules.calendar import duty_days
from schedules.models import TimetableEntry
from schedules.timetables_selectors import semester_on
from staff.models import Role, StaffMember
from substitutes.models import Absence, AbsenceSpan, CoverageAssignment, CoverageNeed

TAIPEI = ZoneInfo("Asia/Taipei")
SMALL, LARGE = "small", "large"


def taipei(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=TAIPEI)


EVENING = taipei(data.TODAY, "18:05")


@dataclass(frozen=True)
class Case:
    name: str
    target_ms: float
    measures: str  # one line: what a user or a job waits for
    sizes: dict[str, str]  # size -> what it is, for the report
    setup: Callable[[str], Callable[[], object]]
    reset: Callable[[str], None] | None = None
    now: dt.datetime = EVENING  # the frozen clock while the case runs
    repeat: int = 5
    rate: str = ""  # report calls per second under this name (punches/s)
    # Set only for a growth that is understood and reported (README "Open findings"): it is printed,
    # and does not fail the run. Anything else that grows fails it.
    known_growth: str = ""


def _school(size: str):
    city = data.city()
    return city.small if size == SMALL else city.large


def _people(school) -> list[StaffMember]:
    return list(StaffMember.objects.filter(school=school, is_active=True).order_by("employee_no"))


def _expect(value, wanted, what: str):
    if value != wanted:
        raise AssertionError(f"{what}: expected {wanted}, got {value}")
    return value


# --- (1) daily results ------------------------------------------------------------------------

MONTH = (data.MONTH_START, data.MONTH_END)
MONTH_DAYS = (data.MONTH_END - data.MONTH_START).days + 1


def _recompute_school_month(size: str):
    school = _school(size)
    rows = len(_people(school)) * MONTH_DAYS

    def run():
        _expect(daily_results_recompute(school=school, start=MONTH[0], end=MONTH[1]), rows, "results written")

    return run


def _forget_school_month(size: str) -> None:
    DailyResult.objects.filter(school=_school(size), date__range=MONTH).delete()
    if connection.vendor == "postgresql":
        # Every run deletes and inserts the same 4,650 rows: on a server without autovacuum their dead versions
        # pile up and the next INSERT reads several times the pages (bench/README.md, the school's month).
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {connection.ops.quote_name(DailyResult._meta.db_table)}")


def _month_staff_ids(size: str) -> list[tuple[object, list[int]]]:
    """The 20 schools with their people: all 150 (large), or the first 60 of each (small)."""
    take = data.FULL_STAFF if size == LARGE else data.SMALL_STAFF
    return [(school, [p.pk for p in _people(school)][:take]) for school in data.city().month_schools]


def _recompute_20_schools(size: str):
    schools = _month_staff_ids(size)
    rows = sum(len(ids) for _school, ids in schools) * MONTH_DAYS

    def run():
        written = sum(
            daily_results_recompute(school=school, start=MONTH[0], end=MONTH[1], staff_ids=ids)
            for school, ids in schools
        )
        _expect(written, rows, "results written")

    return run


def _forget_20_schools(size: str) -> None:
    DailyResult.objects.filter(school__in=data.city().month_schools, date__range=MONTH).delete()


def _city_schools(size: str):
    city = data.city()
    return city.month_schools if size == SMALL else city.schools


def _recompute_city_day(size: str):
    schools = _city_schools(size)
    day = data.REMINDER_DAY_LARGE

    def run():
        # What the 18:00 run does first, and what a city-wide typhoon day does (attendance.signals): one pass.
        daily_results_recompute(schools=schools, start=day, end=day)

    return run


def _forget_city_day(size: str) -> None:
    DailyResult.objects.filter(school__in=_city_schools(size), date=data.REMINDER_DAY_LARGE).delete()


def _reminder_day(size: str) -> dt.date:
    return data.REMINDER_DAY_SMALL if size == SMALL else data.REMINDER_DAY_LARGE


def _reminders_city(size: str):
    day = _reminder_day(size)
    now = taipei(day, "18:00")

    def run():
        if not missing_punch_reminders_send(day=day, now=now):
            raise AssertionError("nobody was reminded")

    return run


def _forget_reminders(size: str) -> None:
    day = _reminder_day(size)
    PunchReminder.objects.filter(date=day, staff__school__code__startswith=data.PREFIX).delete()
    notices = Notification.objects.filter(kind="attendance.missing_punch", recipient__username__startswith="bn")
    EmailOutbox.objects.filter(notification__in=notices).delete()
    notices.delete()
    mail.outbox = []


# --- (2) the calendar -------------------------------------------------------------------------


def _duty_days_school(size: str):
    people = _people(_school(size))

    def run():
        _expect(len(duty_days(people, *MONTH)), len(people) * MONTH_DAYS, "duty days")

    return run


def _duty_days_20_schools(size: str):
    ids = [pk for _school, school_ids in _month_staff_ids(size) for pk in school_ids]
    people = list(StaffMember.objects.filter(pk__in=ids))

    def run():
        _expect(len(duty_days(people, *MONTH)), len(people) * MONTH_DAYS, "duty days")

    return run


# --- (3) the personnel office's school view and monthly export --------------------------------


def _client_for(school, role: str) -> Client:
    person = StaffMember.objects.select_related("user").get(school=school, roles__role=role)
    client = Client()
    client.force_login(person.user, backend="staff.backends.AccountBackend")
    return client


def _get(client: Client, url: str, check: Callable[[bytes], bool] = bool) -> Callable[[], None]:
    def run():
        response = client.get(url)
        if response.status_code != 200 or not check(response.content):
            raise AssertionError(f"GET {url} answered {response.status_code}")

    return run


def _with_results(size: str):
    school = _school(size)
    daily_results_ensure(school=school, start=MONTH[0], end=MONTH[1])
    return school, _client_for(school, Role.PERSONNEL)


def _school_view(size: str):
    _unused, client = _with_results(size)
    return _get(client, "/attendance/school/?date_after=2025-10-01&date_before=2025-10-31",
                lambda body: body.count(b'class="result result-') == 50)


def _export(fmt: str):
    def setup(size: str):
        school, client = _with_results(size)
        people = len(_people(school))
        # CSV: BOM+header and one line per person; XLSX: a zip.
        check = (lambda body: body.count(b"\n") == people + 1) if fmt == "csv" else (lambda b: b[:2] == b"PK")
        return _get(client, f"/attendance/school/report.{fmt}?month=2025-10", check)

    return setup


def _sheet(size: str):
    school, client = _with_results(size)
    people = len(_people(school))
    # the header's name cell and one per person
    return _get(client, "/attendance/sheet/?month=2025-10",
                lambda body: body.count(b'class="sheet-name"') == people + 1)


# --- (4) coverage: the academic affairs dashboard and the monthly pay report ------------------


def _dashboard(size: str):
    client = _client_for(_school(size), Role.ACADEMIC_AFFAIRS)
    return _get(client, "/substitutes/", lambda body: b'data-testid="need"' in body)


def _candidates(size: str):
    school = _school(size)
    need = (
        CoverageNeed.objects.filter(school=school, status=CoverageNeed.Status.OPEN, date__gte=data.TODAY)
        .order_by("date", "starts_at", "pk").first()
    )
    client = _client_for(school, Role.ACADEMIC_AFFAIRS)
    return _get(client, f"/substitutes/needs/{need.pk}/", lambda body: b'data-testid="candidate"' in body)


def _pay(path: str, check: Callable[[bytes], bool]):
    def setup(size: str):
        client = _client_for(_school(size), Role.ACADEMIC_AFFAIRS)
        return _get(client, f"{path}?month=2025-10", check)

    return setup


WEEK = (data.TODAY, data.TODAY + dt.timedelta(days=6))  # the bench's Monday to Sunday


def _proposal_checked(response, url: str, expected: int) -> None:
    """Every open period in the grid, and the solver's answer proven optimal (not its time limit's best)."""
    body = response.content
    if response.status_code != 200 or body.count(b'data-testid="proposal-cell"') != expected:
        raise AssertionError(f"GET {url} answered {response.status_code}")
    if b'data-testid="proposal-optimal"' not in body:
        raise AssertionError(f"GET {url}: the solver's time limit came before a proven optimum")


def _propose(size: str):
    """The proposal page for the whole week with every period of it open. The week's arranged periods are
    opened inside the measured call's own transaction (two UPDATEs, counted and timed with it) and rolled
    back after the page: the database is left as it was."""
    school = _school(size)
    client = _client_for(school, Role.ACADEMIC_AFFAIRS)
    url = f"/substitutes/propose/?start={WEEK[0].isoformat()}&end={WEEK[1].isoformat()}"
    week_needs = CoverageNeed.objects.filter(school=school, date__range=WEEK).exclude(
        status=CoverageNeed.Status.CANCELLED
    )
    expected = week_needs.count()

    def run():
        with transaction.atomic():
            CoverageAssignment.objects.filter(need__in=week_needs, status="active").update(status="cancelled")
            week_needs.update(status=CoverageNeed.Status.OPEN)
            response = client.get(url)
            transaction.set_rollback(True)
        _proposal_checked(response, url, expected)

    return run


def _propose_busy_week(size: str):
    """The proposal page for a busy week: every period of the week open, as in _propose, and more teachers away
    (a day each, all their periods of that day) until the week holds about one open period per person of the
    school (150 at the large size, 60 at the small). The extra absences and needs are inserted inside the
    measured call's own transaction (three INSERTs, counted and timed with it) and rolled back after the page."""
    school = _school(size)
    client = _client_for(school, Role.ACADEMIC_AFFAIRS)
    url = f"/substitutes/propose/?start={WEEK[0].isoformat()}&end={WEEK[1].isoformat()}"
    week_needs = CoverageNeed.objects.filter(school=school, date__range=WEEK).exclude(
        status=CoverageNeed.Status.CANCELLED
    )
    target = StaffMember.objects.filter(school=school, is_active=True).count()
    away = set(week_needs.values_list("teacher_id", "date"))
    semester = semester_on(school=school, day=data.TODAY)
    entries = list(
        TimetableEntry.objects.filter(semester=semester).select_related("period", "teacher")
        .order_by("teacher_id", "pk")
    )
    by_teacher: dict[int, list[TimetableEntry]] = {}
    for e in entries:
        by_teacher.setdefault(e.teacher_id, []).append(e)
    school_days = [WEEK[0] + dt.timedelta(days=n) for n in range(5)]  # the bench's week: Monday to Friday
    plan: list[tuple[StaffMember, dt.date, list[TimetableEntry]]] = []
    planned = week_needs.count()
    teachers = itertools.cycle(sorted(by_teacher))
    day_of = itertools.cycle(school_days)
    for _ in range(5 * len(by_teacher)):
        if planned >= target:
            break
        teacher_id, day = next(teachers), next(day_of)
        periods = [e for e in by_teacher[teacher_id] if e.weekday == day.isoweekday()]
        if not periods or (teacher_id, day) in away:
            continue
        away.add((teacher_id, day))
        plan.append((periods[0].teacher, day, periods))
        planned += len(periods)
    expected = planned

    def run():
        with transaction.atomic():
            CoverageAssignment.objects.filter(need__in=week_needs, status="active").update(status="cancelled")
            week_needs.update(status=CoverageNeed.Status.OPEN)
            absences, spans, needs = [], [], []
            for n, (teacher, day, periods) in enumerate(plan):
                absence = Absence(
                    school=school, teacher=teacher, source=Absence.Source.LEAVE,
                    leave_request_id=school.pk * 100_000 + 90_000 + n, leave_type_code="sick", leave_type_name="病假",
                    paid_by="school", status=Absence.Status.APPROVED,
                )
                absences.append(absence)
                spans.append(AbsenceSpan(absence=absence, teacher=teacher, start=taipei(day, "07:30"),
                                         end=taipei(day, "16:30")))
                needs.extend(
                    CoverageNeed(
                        school=school, absence=absence, teacher=teacher, date=day, division=e.period.division,
                        period_number=e.period.number, period_label=e.period.display_label,
                        starts_at=taipei(day, f"{e.period.start:%H:%M}"), ends_at=taipei(day, f"{e.period.end:%H:%M}"),
                        class_name=e.class_name, subject=e.subject, room=e.room,
                    )
                    for e in periods
                )
            Absence.objects.bulk_create(absences)
            AbsenceSpan.objects.bulk_create(spans)
            CoverageNeed.objects.bulk_create(needs)
            response = client.get(url)
            transaction.set_rollback(True)
        _proposal_checked(response, url, expected)

    return run


# --- (5) punches ------------------------------------------------------------------------------


def _forget_punch_day(school) -> None:
    Punch.objects.filter(staff__school=school, work_date=data.PUNCH_DAY).delete()
    PendingResult.objects.filter(staff__school=school, date=data.PUNCH_DAY).delete()
    DailyResult.objects.filter(school=school, date=data.PUNCH_DAY).delete()


def _punches(kind: str):
    def setup(size: str):
        school = _school(size)
        people = _people(school)
        _forget_punch_day(school)
        if kind == PunchKind.OUT:
            Punch.objects.bulk_create(
                Punch(staff=p, work_date=data.PUNCH_DAY, kind=PunchKind.IN, at=taipei(data.PUNCH_DAY, "07:40"))
                for p in people
            )
        queue = iter(people)
        counter = itertools.count()

        def run():
            person = next(queue)
            now = taipei(data.PUNCH_DAY, "07:45" if kind == PunchKind.IN else "16:45") + dt.timedelta(
                seconds=next(counter)
            )
            with transaction.atomic():  # as the request's transaction (ATOMIC_REQUESTS)
                if not punch_record(staff=person, kind=kind, ip="203.64.10.21", user_agent="bench", now=now).created:
                    raise AssertionError("the punch was not recorded")
                # The day queued for its recompute is written by the punch's statement; the task the commit
                # would queue runs in a worker in production, timed by its own case
                # (attendance.recompute_pending_results), not here.
                connection.run_on_commit.clear()

        return run

    return setup


def _pending_results(size: str):
    """The task punches queue: a whole school's morning (everyone punched) taken in one pass."""
    school = _school(size)
    people = _people(school)
    PendingResult.objects.all().delete()  # what other cases' punches left queued (their commits never ran)

    def run():
        PendingResult.objects.bulk_create(
            [PendingResult(staff=person, date=data.PUNCH_DAY) for person in people], ignore_conflicts=True
        )
        _expect(pending_results_recompute(), len(people), "queued days recomputed")

    return run


SCHOOL_SIZES = {SMALL: "1 school, 60 people", LARGE: "1 school, 150 people"}
PUNCH_REPEAT = 100

CASES = [
    Case(
        name="attendance.recompute.school_month",
        target_ms=250,  # issue 15: one school's month rebuilt inside a page
        measures="daily_results_recompute for one school and a whole month (inserting every row)",
        sizes={SMALL: "60 people × 31 days", LARGE: "150 people × 31 days"},
        setup=_recompute_school_month,
        reset=_forget_school_month,
    ),
    Case(
        name="attendance.recompute.20_schools_month",
        target_ms=20_000,
        measures="daily_results_recompute for 20 schools and a month, one call per school with its staff ids",
        sizes={SMALL: "20 schools × 60 people × 31 days", LARGE: "20 schools × 150 people × 31 days"},
        setup=_recompute_20_schools,
        reset=_forget_20_schools,
        repeat=3,
    ),
    Case(
        name="attendance.recompute.city_day",
        target_ms=10_000,
        measures="daily_results_recompute of one day for every school (18:00 run, city-wide typhoon day)",
        sizes={SMALL: "20 schools, 3,000 people", LARGE: "every school: 101 (15,060 people), or 401 (30,060)"},
        setup=_recompute_city_day,
        reset=_forget_city_day,
        repeat=3,
    ),
    Case(
        name="attendance.reminders.city",
        target_ms=60_000,
        measures="missing_punch_reminders_send, the 18:00 task: recompute today everywhere, remind the missing",
        sizes={SMALL: "every school, ~1% lack a punch", LARGE: "every school, ~5% lack a punch"},
        setup=_reminders_city,
        reset=_forget_reminders,
        repeat=2,
        known_growth=("one batch of reminders, notices and emails per ATTENDANCE_REMINDER_BATCH people, and each "
                      "email's delivery, which runs in-process here (eager tasks; in a worker in production)"),
    ),
    Case(
        name="schedules.duty_days.school_month",
        target_ms=150,
        measures="schedules.calendar.duty_days for one school's people and a month",
        sizes={SMALL: "60 people × 31 days", LARGE: "150 people × 31 days"},
        setup=_duty_days_school,
    ),
    Case(
        name="schedules.duty_days.20_schools_month",
        target_ms=3000,
        measures="schedules.calendar.duty_days for 20 schools' people and a month, in one call",
        sizes={SMALL: "1,200 people × 31 days", LARGE: "3,000 people × 31 days"},
        setup=_duty_days_20_schools,
        repeat=3,
    ),
    Case(
        name="attendance.school_view",
        target_ms=500,
        measures="GET /attendance/school/ for a month as personnel (first page of 50, counts by result)",
        sizes=SCHOOL_SIZES,
        setup=_school_view,
    ),
    Case(
        name="attendance.export.csv",
        target_ms=1000,
        measures="GET /attendance/school/report.csv?month=… as personnel (one row per person)",
        sizes=SCHOOL_SIZES,
        setup=_export("csv"),
    ),
    Case(
        name="attendance.export.xlsx",
        target_ms=2000,
        measures="GET /attendance/school/report.xlsx?month=… as personnel",
        sizes=SCHOOL_SIZES,
        setup=_export("xlsx"),
    ),
    Case(
        name="attendance.sheet",
        target_ms=300,
        measures="GET /attendance/sheet/?month=… as personnel: the month sheet, people × 31 days and the totals",
        sizes=SCHOOL_SIZES,
        setup=_sheet,
    ),
    Case(
        name="substitutes.dashboard",
        target_ms=500,
        measures="GET /substitutes/ as academic affairs: needs from today on and past uncovered ones",
        sizes={SMALL: "60 people, 26 coming + 10 overdue needs", LARGE: "150 people, 139 coming + 25 overdue needs"},
        setup=_dashboard,
    ),
    Case(
        name="substitutes.candidates",
        target_ms=300,
        measures="GET /substitutes/needs/<id>/ for an open need: who is free, ranked (busy_reasons)",
        sizes={SMALL: "a 60-person school", LARGE: "a 150-person school"},
        setup=_candidates,
    ),
    Case(
        name="substitutes.propose.week",
        target_ms=2000,
        measures="GET /substitutes/propose/ for a week with every period open: the CP-SAT proposal and its grid",
        sizes={SMALL: "60 people, 26 periods in the week", LARGE: "150 people, 92 periods in the week"},
        setup=_propose,
        repeat=3,
    ),
    Case(
        name="substitutes.propose.busy_week",
        target_ms=2000,
        measures="GET /substitutes/propose/ for a busy week: about one open period per person, the proposal and grid",
        sizes={SMALL: "60 people, ≈60 periods in the week", LARGE: "150 people, ≈150 periods in the week"},
        setup=_propose_busy_week,
        repeat=3,
    ),
    Case(
        name="substitutes.pay",
        target_ms=500,
        measures="GET /substitutes/pay/?month=… (totals and every line)",
        sizes={SMALL: "60 people, 169 paid periods", LARGE: "150 people, 434 paid periods"},
        setup=_pay("/substitutes/pay/", lambda body: b"pay-total" in body),
    ),
    Case(
        name="substitutes.pay.csv",
        target_ms=500,
        measures="GET /substitutes/pay/export.csv?month=…",
        sizes={SMALL: "169 paid periods", LARGE: "434 paid periods"},
        setup=_pay("/substitutes/pay/export.csv", lambda body: body.count(b"\n") > 3),
    ),
    Case(
        name="substitutes.pay.xlsx",
        target_ms=1500,
        measures="GET /substitutes/pay/export.xlsx?month=… (summary and lines sheets)",
        sizes={SMALL: "169 paid periods", LARGE: "434 paid periods"},
        setup=_pay("/substitutes/pay/export.xlsx", lambda body: body[:2] == b"PK"),
    ),
    Case(
        name="attendance.punch_record.in",
        target_ms=50,
        measures="punch_record 上班, one person after another (one INSERT … ON CONFLICT; the result follows by task)",
        sizes={SMALL: "a 60-person school", LARGE: f"a 150-person school, {PUNCH_REPEAT} punches timed"},
        setup=_punches(PunchKind.IN),
        now=taipei(data.PUNCH_DAY, "07:45"),
        repeat=PUNCH_REPEAT,
        rate="punches/s",
    ),
    Case(
        name="attendance.recompute_pending_results",
        target_ms=300,
        measures="the task punches queue after their commit: every queued day of a school's morning in one pass",
        sizes={SMALL: "60 queued days (a 60-person school)", LARGE: "150 queued days (a 150-person school)"},
        setup=_pending_results,
        now=taipei(data.PUNCH_DAY, "16:45"),
    ),
    Case(
        name="attendance.punch_record.out",
        target_ms=50,
        measures="punch_record 下班 after a 上班, one person after another",
        sizes={SMALL: "a 60-person school", LARGE: f"a 150-person school, {PUNCH_REPEAT} punches timed"},
        setup=_punches(PunchKind.OUT),
        now=taipei(data.PUNCH_DAY, "16:45"),
        repeat=PUNCH_REPEAT,
        rate="punches/s",
    ),
]
