"""The morning rush: a punch costs a few queries, its daily result follows by a task after the
commit (coalesced per person and day, swept final at the window's end), and the clock page shows
at once what the result will be."""

import datetime as dt
import re

import pytest
from django.db import connection, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from attendance import services
from attendance.models import DailyResult, DailyStatus, PendingResult, Punch, PunchKind
from attendance.services import PENDING_RESULTS_MARK, pending_results_recompute, punch_record
from attendance.tasks import sweep_daily_results
from schedules.services import typhoon_day_declare
from staff.models import StaffCategory
from tests.attendance.conftest import WORKDAY, at
from tests.factories import make_staff

PAGE = reverse("attendance:punch")
CLOCK = reverse("attendance:clock")
API = reverse("attendance_api:punches")


# --- What a punch costs ------------------------------------------------------------------------


# The punch's writes: the row and its queued recompute, one statement on PostgreSQL (a data-modifying WITH).
_PUNCH_WRITES = 1 if connection.vendor == "postgresql" else 2


def _statements(ctx) -> list[str]:
    """The request's queries, transaction control left out: the request's atomic block (ATOMIC_REQUESTS)
    is a SAVEPOINT/RELEASE pair here, inside the test's own transaction, and BEGIN/COMMIT in production."""
    return [q["sql"] for q in ctx.captured_queries if not re.match(r"(RELEASE )?SAVEPOINT", q["sql"])]


@pytest.mark.parametrize("kind", ["in", "out"])
def test_the_page_punch_costs_at_most_five_queries(people, client_for, clock, kind):
    client = client_for(people["teacher"])
    clock(at(WORKDAY, "07:40:00"))
    with CaptureQueriesContext(connection) as ctx:
        # A 下班 at 07:40 is early: the page's confirmed POST (the question's cost: test_clock_confirm.py).
        response = client.post(PAGE, {"kind": kind, **({"confirm_early": "1"} if kind == "out" else {})})
    assert response.status_code == 302
    # 1 the session (none with the cache-backed sessions of production), 2 the account, 3 the person
    # with the school (whose row holds the network rule), 4 INSERT … ON CONFLICT … RETURNING (the unique
    # key keeps it idempotent) with the day queued for its recompute — in the same statement on
    # PostgreSQL, a fifth elsewhere. The daily result is not computed here.
    statements = _statements(ctx)
    assert len(statements) <= _PUNCH_WRITES + 3, statements
    assert sum('INTO "attendance_punch"' in sql for sql in statements) == 1
    assert sum('INTO "attendance_pendingresult"' in sql for sql in statements) == 1
    clock(at(WORKDAY, "07:40:05"))
    # A repeat 上班: the same four, then 5 reading the row that stands (the first one is kept).
    with CaptureQueriesContext(connection) as ctx:
        client.post(PAGE, {"kind": "in"})
    assert len(_statements(ctx)) <= 5, _statements(ctx)
    assert Punch.objects.filter(staff=people["teacher"]).count() == (1 if kind == "in" else 2)


def test_with_the_cache_backed_sessions_of_production_the_page_punch_reads_no_session_row(
    people, client_for, clock, settings
):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client = client_for(people["teacher"])  # signed in now: the session is written to the cache (and the table)
    clock(at(WORKDAY, "07:40:00"))
    with CaptureQueriesContext(connection) as ctx:
        assert client.post(PAGE, {"kind": "in"}).status_code == 302
    statements = _statements(ctx)
    # 1 the account, 2 the person with the school, 3 the INSERT (and the queued day): no django_session read.
    assert len(statements) <= _PUNCH_WRITES + 2, statements
    assert not [sql for sql in statements if "django_session" in sql], statements


@pytest.mark.parametrize("kind", ["in", "out"])
def test_the_api_punch_costs_at_most_five_queries(people, client, clock, kind):
    token = Token.objects.create(user=people["teacher"].user)
    headers = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    clock(at(WORKDAY, "07:40:00"))
    with CaptureQueriesContext(connection) as ctx:
        first = client.post(API, {"kind": kind}, content_type="application/json", **headers)
    assert first.status_code == 201
    # 1 the token with its account and the person behind it (with the school: the network rule),
    # 2 INSERT … ON CONFLICT … RETURNING (with the queued day on PostgreSQL; a third statement elsewhere).
    assert len(_statements(ctx)) <= _PUNCH_WRITES + 1, _statements(ctx)
    clock(at(WORKDAY, "07:40:05" if kind == "in" else "16:40:00"))
    # A repeat 上班 (kept: 3 reads the first row) or a later 下班 (moved by the same statement).
    with CaptureQueriesContext(connection) as ctx:
        repeat = client.post(API, {"kind": kind}, content_type="application/json", **headers)
    assert len(_statements(ctx)) <= 3, _statements(ctx)
    assert repeat.status_code == 200
    assert repeat.json()["id"] == first.json()["id"]
    stored = Punch.objects.get(staff=people["teacher"], kind=kind)
    assert stored.at == (at(WORKDAY, "07:40:00") if kind == "in" else at(WORKDAY, "16:40:00"))


def _transaction_at_the_punch(call) -> list[bool]:
    """Whether a transaction was open when each statement writing the punch table ran."""
    seen: list[bool] = []

    def wrapper(execute, sql, params, many, context):
        if 'INTO "attendance_punch"' in sql:
            seen.append(not connection.get_autocommit())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        call()
    return seen


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["page", "api"])
def test_a_punch_of_today_is_one_statement_without_a_transaction_on_postgresql(people, clock, path):
    """The morning rush's round trips: the page and the API run outside ATOMIC_REQUESTS, and on PostgreSQL
    the punch with its queued day is one statement that commits by itself (no BEGIN, no COMMIT); elsewhere
    the two statements share a transaction."""
    from django.test import Client

    teacher = people["teacher"]
    client = Client()
    if path == "page":
        client.force_login(teacher.user, backend="staff.backends.AccountBackend")
        send = lambda: client.post(PAGE, {"kind": "in"})  # noqa: E731
    else:
        token = Token.objects.create(user=teacher.user)
        send = lambda: client.post(API, {"kind": "in"}, content_type="application/json",  # noqa: E731
                                   HTTP_AUTHORIZATION=f"Token {token.key}")
    clock(at(WORKDAY, "07:40:00"))
    in_transaction = _transaction_at_the_punch(lambda: send())
    assert in_transaction == [connection.vendor != "postgresql"]
    # Committed, and its result computed by the task after it (in-process in tests).
    assert Punch.objects.filter(staff=teacher, kind=PunchKind.IN).count() == 1
    assert DailyResult.objects.get(staff=teacher, date=WORKDAY).first_in == at(WORKDAY, "07:40:00")
    assert not PendingResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_back_dated_punch_keeps_its_transaction_for_the_receivers_of_its_event(people, clock):
    """A punch of a day that has ended is settled by leave (overtime) in the punch's transaction."""
    teacher = people["teacher"]
    clock(at(WORKDAY, "20:00:00"))
    yesterday = at(WORKDAY - dt.timedelta(days=1), "16:40:00")
    in_transaction = _transaction_at_the_punch(
        lambda: punch_record(staff=teacher, kind=PunchKind.OUT, ip="10.0.0.1", now=yesterday)
    )
    assert in_transaction == [True]


def test_the_punch_leaves_the_result_to_the_task_after_the_commit(people, clock):
    teacher = people["teacher"]
    clock(at(WORKDAY, "07:40:00"))
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        punch_record(staff=teacher, kind=PunchKind.IN, ip="10.0.0.1")
    assert not DailyResult.objects.filter(staff=teacher).exists()  # nothing computed inside the punch
    for callback in callbacks:
        callback()  # the commit: queues the task, which runs in-process in tests
    result = DailyResult.objects.get(staff=teacher, date=WORKDAY)
    assert (result.status, result.first_in) == (DailyStatus.PENDING, at(WORKDAY, "07:40:00"))


def test_a_repeat_that_changes_nothing_queues_nothing(people, clock):
    teacher = people["teacher"]
    clock(at(WORKDAY, "07:40:00"))
    punch_record(staff=teacher, kind=PunchKind.IN, ip="10.0.0.1")
    clock(at(WORKDAY, "07:41:00"))
    with TestCase.captureOnCommitCallbacks() as callbacks:
        outcome = punch_record(staff=teacher, kind=PunchKind.IN, ip="10.0.0.1")
    assert (outcome.created, outcome.updated, outcome.punch.at) == (False, False, at(WORKDAY, "07:40:00"))
    assert callbacks == []


# --- The clock page says at once what the result will be ------------------------------------------

CASES = [
    # (category, 上班, 下班 or None, page time, status, late, early)
    (StaffCategory.ADMIN_TEACHER, "07:30:59", None, "07:31:00", DailyStatus.PENDING, 0, 0),
    (StaffCategory.ADMIN_TEACHER, "07:30:59", "16:30:00", "16:30:05", DailyStatus.ON_TIME, 0, 0),
    (StaffCategory.ADMIN_TEACHER, "07:31:00", "16:30:00", "16:30:05", DailyStatus.LATE, 1, 0),
    (StaffCategory.SUBJECT_TEACHER, "08:12:00", None, "08:12:01", DailyStatus.PENDING, 12, 0),
    (StaffCategory.SUBJECT_TEACHER, "08:00:00", "15:45:00", "15:45:01", DailyStatus.LEFT_EARLY, 0, 15),
    (StaffCategory.HOMEROOM_JUNIOR, "07:45:00", "15:00:00", "15:00:01", DailyStatus.LATE, 15, 60),
]


def _shown(html: str) -> str:
    found = re.search(r'data-status="([a-z_]+)"', html)
    assert found, "the clock page shows no result"
    return found.group(1)


@pytest.mark.parametrize(("category", "arrive", "leave", "page_at", "status", "late", "early"), CASES)
def test_the_clock_page_shows_at_once_what_the_task_then_stores(
    people, client_for, clock, category, arrive, leave, page_at, status, late, early
):
    person = make_staff(people["school"], category=category)
    client = client_for(person)
    for kind, moment in (("in", arrive), ("out", leave)):
        if moment:
            clock(at(WORKDAY, moment))
            with TestCase.captureOnCommitCallbacks(execute=False) as pending:
                assert client.post(PAGE, {"kind": kind, "confirm_early": "1"}).status_code == 302
    clock(at(WORKDAY, page_at))
    page = client.get(CLOCK).content.decode()
    assert _shown(page) == status
    if late:
        assert f"遲到 {late} 分" in page
    if early:
        assert f"早退 {early} 分" in page
    for callback in pending:  # the last punch's commit: its task now stores the result
        callback()
    stored = DailyResult.objects.get(staff=person, date=WORKDAY)
    assert (stored.status, stored.late_minutes, stored.early_minutes) == (status, late, early)


def test_the_clock_page_reads_the_window_from_the_cache_until_the_calendar_changes(people, client_for, clock):
    teacher = people["teacher"]
    client = client_for(teacher)
    clock(at(WORKDAY, "07:50:00"))
    assert "今日應到 08:00" in client.get(CLOCK).content.decode()
    # Cached: the calendar's five queries are not asked again.
    with CaptureQueriesContext(connection) as warm:
        client.get(CLOCK)
    assert warm.captured_queries and not [q for q in warm.captured_queries if "schedules_" in q["sql"]]
    typhoon_day_declare(actor=people["personnel"].user, day=WORKDAY, school=people["school"])
    page = client.get(CLOCK).content.decode()
    assert "今日無需打卡" in page and _shown(page) == DailyStatus.HOLIDAY


# --- Final at the window's end, whatever happened to the tasks ------------------------------------


def test_the_sweep_makes_the_day_final_even_when_the_punch_task_was_lost(people, clock):
    teacher = people["teacher"]  # 專任教師: 08:00–16:00
    clock(at(WORKDAY, "08:05:00"))
    with TestCase.captureOnCommitCallbacks(execute=False):
        punch_record(staff=teacher, kind=PunchKind.IN, ip="10.0.0.1")  # its task never runs: lost
    assert not DailyResult.objects.filter(staff=teacher).exists()
    clock(at(WORKDAY, "15:59:00"))
    sweep_daily_results()
    # Before the window's end the sweep takes only the day the lost task left queued (still open: pending);
    # nobody else's day is touched (theirs is still open).
    assert list(
        DailyResult.objects.filter(date=WORKDAY, staff__school=people["school"]).values_list("staff_id", "status")
    ) == [(teacher.pk, DailyStatus.PENDING)]
    clock(at(WORKDAY, "16:00:00"))
    sweep_daily_results()
    result = DailyResult.objects.get(staff=teacher, date=WORKDAY)
    assert (result.status, result.late_minutes) == (DailyStatus.MISSING_OUT, 5)
    # Everyone else of the school whose window ended is final too (nobody punched: absent).
    others = DailyResult.objects.filter(date=WORKDAY, staff__school=people["school"]).exclude(staff=teacher)
    assert others.exists() and {r.status for r in others} <= {DailyStatus.ABSENT, DailyStatus.NO_DUTY}


def test_the_sweep_recomputes_only_what_is_not_final(people, clock, django_assert_max_num_queries):
    clock(at(WORKDAY, "18:00:00"))
    sweep_daily_results()
    teacher = people["teacher"]
    first = DailyResult.objects.get(staff=teacher, date=WORKDAY)
    # Nothing changed: the sweep reads and writes nothing more (people, calendar, results, punches).
    with django_assert_max_num_queries(12) as quiet:
        sweep_daily_results()
    assert not [q for q in quiet.captured_queries if q["sql"].startswith("INSERT")]
    # A 補登-less late 下班 whose task was lost: only that person is recomputed.
    clock(at(WORKDAY, "18:05:00"))
    with TestCase.captureOnCommitCallbacks(execute=False):
        punch_record(staff=teacher, kind=PunchKind.OUT, ip="10.0.0.1")
    sweep_daily_results()
    again = DailyResult.objects.get(staff=teacher, date=WORKDAY)
    assert (again.status, again.computed_at > first.computed_at) == (DailyStatus.MISSING_IN, True)
    other = DailyResult.objects.get(staff=people["other_teacher"], date=WORKDAY)
    assert other.computed_at == first.computed_at


def test_the_coalescing_mark_and_the_queue_are_cleared_by_the_task(people, clock):
    from django.core.cache import cache

    teacher = people["teacher"]
    clock(at(WORKDAY, "07:40:00"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        punch_record(staff=teacher, kind=PunchKind.IN, ip="10.0.0.1")
    assert cache.get(PENDING_RESULTS_MARK) is None  # the task ran and cleared it
    assert not PendingResult.objects.exists()  # and took the day
    clock(at(WORKDAY, "16:10:00"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        punch_record(staff=teacher, kind=PunchKind.OUT, ip="10.0.0.1")
    assert DailyResult.objects.get(staff=teacher, date=WORKDAY).status == DailyStatus.ON_TIME


def test_a_punch_queues_its_day_once_with_the_punch(people, clock):
    """The queued day is written with the punch (rolled back with it) and once per person and day, however
    many punches changed it before the task took it."""
    teacher, other = people["teacher"], people["other_teacher"]
    clock(at(WORKDAY, "07:40:00"))
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        punch_record(staff=teacher, kind=PunchKind.IN, ip="10.0.0.1")
        punch_record(staff=other, kind=PunchKind.IN, ip="10.0.0.1")
        punch_record(staff=teacher, kind=PunchKind.OUT, ip="10.0.0.1")
        clock(at(WORKDAY, "16:40:00"))
        punch_record(staff=teacher, kind=PunchKind.OUT, ip="10.0.0.1")  # moves the 下班
    assert sorted(PendingResult.objects.values_list("staff_id", "date")) == sorted(
        [(teacher.pk, WORKDAY), (other.pk, WORKDAY)]
    )
    assert len(callbacks) == 4  # each asks for the task after its commit; the cache's mark lets one through
    with pytest.raises(RuntimeError), transaction.atomic():
        punch_record(staff=people["unit_head"], kind=PunchKind.IN, ip="10.0.0.1")
        raise RuntimeError("the request fails after the punch")
    assert not PendingResult.objects.filter(staff=people["unit_head"]).exists()
    # One pass takes both days and leaves nothing queued.
    assert pending_results_recompute() == 2
    assert not PendingResult.objects.exists()
    assert DailyResult.objects.get(staff=teacher, date=WORKDAY).last_out == at(WORKDAY, "16:40:00")
    assert DailyResult.objects.get(staff=other, date=WORKDAY).first_in == at(WORKDAY, "07:40:00")


def test_a_recompute_that_fails_puts_its_days_back_in_the_queue(people, clock, monkeypatch):
    teacher = people["teacher"]
    clock(at(WORKDAY, "07:40:00"))
    with TestCase.captureOnCommitCallbacks(execute=False):
        punch_record(staff=teacher, kind=PunchKind.IN, ip="10.0.0.1")

    def fails(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "daily_results_recompute", fails)
    with pytest.raises(RuntimeError):
        pending_results_recompute()
    assert list(PendingResult.objects.values_list("staff_id", "date")) == [(teacher.pk, WORKDAY)]
    monkeypatch.undo()
    assert pending_results_recompute() == 1
    assert DailyResult.objects.get(staff=teacher, date=WORKDAY).first_in == at(WORKDAY, "07:40:00")


def test_a_queue_longer_than_a_batch_is_taken_by_tasks_in_turn(people, clock, settings):
    """With a batch of 2, five queued days are taken by three runs of the task, each queuing the next while
    it took a whole batch; every day is computed."""
    from attendance import tasks

    settings.ATTENDANCE_RESULT_BATCH = 2
    staff = [people[name] for name in ("teacher", "other_teacher", "unit_head", "other_head", "personnel")]
    clock(at(WORKDAY, "07:40:00"))
    with TestCase.captureOnCommitCallbacks(execute=False):
        for person in staff:
            punch_record(staff=person, kind=PunchKind.IN, ip="10.0.0.1")
    runs = []
    real = services.pending_results_recompute

    def counted(**kwargs):
        runs.append(real(**kwargs))
        return runs[-1]

    services.pending_results_recompute = counted
    try:
        tasks.recompute_pending_results.delay()
    finally:
        services.pending_results_recompute = real
    assert runs == [2, 2, 1]
    assert DailyResult.objects.filter(staff__in=staff, date=WORKDAY, first_in=at(WORKDAY, "07:40:00")).count() == 5


def test_yesterday_s_results_are_swept_by_naming_the_day(people, clock):
    clock(at(WORKDAY + dt.timedelta(days=1), "07:00:00"))
    sweep_daily_results(day=WORKDAY.isoformat())
    assert DailyResult.objects.get(staff=people["teacher"], date=WORKDAY).status == DailyStatus.ABSENT


def test_the_recompute_task_costs_the_same_whatever_the_people_schools_and_history(db, clock):
    from tests.factories import make_school

    clock(at(WORKDAY, "16:45:00"))
    counts = []
    # One person of one school with no history; then 30 people of two schools, one with 20 earlier days.
    for schools, people, history_days in ((1, 1, 0), (2, 15, 20)):
        staff = [make_staff(school) for school in [make_school() for _ in range(schools)] for _ in range(people)]
        for n in range(history_days):  # earlier punches: not read by today's recompute
            day = WORKDAY - dt.timedelta(days=n + 1)
            Punch.objects.create(staff=staff[0], work_date=day, kind=PunchKind.IN, at=at(day, "07:55:00"))
        for person in staff:
            Punch.objects.create(staff=person, work_date=WORKDAY, kind=PunchKind.IN, at=at(WORKDAY, "07:55:00"))
        PendingResult.objects.bulk_create(PendingResult(staff=person, date=WORKDAY) for person in staff)
        with CaptureQueriesContext(connection) as ctx:
            assert pending_results_recompute() == len(staff)
        counts.append(len(_statements(ctx)))
        assert DailyResult.objects.filter(staff__in=staff, date=WORKDAY, status=DailyStatus.MISSING_OUT).count() == len(
            staff
        )
    # The queue taken (2), the people's schools, the calendar's five, the punches, the leave spans, one upsert.
    assert counts[0] == counts[1] <= 12, counts
