"""Races, on PostgreSQL where rows really lock (skipped on SQLite): double taps from two devices,
the monthly correction cap, two approvers at once, and two reminder runs at once."""

import datetime as dt
import threading

import pytest
from django.db import OperationalError, connection

from attendance.models import Punch, PunchCorrection, PunchKind, PunchReminder
from attendance.services import (
    AttendanceError,
    missing_punch_reminders_send,
    punch_correction_approve,
    punch_correction_reject,
    punch_correction_request,
    punch_record,
)
from notifications.models import Notification
from tests.attendance.conftest import WORKDAY, at
from tests.concurrency import held, lock_timeout

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no row locks (set DATABASE_URL)")


def _race(*calls):
    """Run the calls in threads released at the same instant; return their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_concurrent_punches_make_one_row_per_kind(people):
    teacher = people["teacher"]
    ins = _race(*[lambda: punch_record(staff=teacher, kind=PunchKind.IN, ip="10.0.0.1") for _ in range(6)])
    assert not [o for o in ins if isinstance(o, Exception)], ins
    assert sum(o.created for o in ins) == 1
    outs = _race(*[lambda: punch_record(staff=teacher, kind=PunchKind.OUT, ip="10.0.0.1") for _ in range(6)])
    assert not [o for o in outs if isinstance(o, Exception)], outs
    assert Punch.objects.filter(staff=teacher, kind=PunchKind.IN).count() == 1
    out = Punch.objects.get(staff=teacher, kind=PunchKind.OUT)
    assert out.at == max(o.punch.at for o in outs)  # the last 下班 is the one kept


def test_concurrent_requests_respect_the_monthly_cap(people, settings):
    settings.ATTENDANCE_MAX_CORRECTIONS_PER_MONTH = 3
    teacher = people["teacher"]
    now = at(dt.date(2025, 10, 31), "18:00:00")
    outcomes = _race(*[
        (lambda d=d: punch_correction_request(
            staff=teacher, date=dt.date(2025, 10, d), kind="in", time=dt.time(7, 50), reason="忘記", now=now))
        for d in (1, 2, 3, 7, 8)
    ])
    refused = [o for o in outcomes if isinstance(o, AttendanceError)]
    assert [e.code for e in refused] == ["monthly_cap", "monthly_cap"]
    assert PunchCorrection.objects.filter(staff=teacher).count() == 3


def test_two_approvers_at_once_decide_once(people):
    now = at(WORKDAY, "18:00:00")
    correction = punch_correction_request(
        staff=people["teacher"], date=WORKDAY, kind="in", time=dt.time(7, 50), reason="忘記", now=now
    )
    outcomes = _race(
        lambda: punch_correction_approve(correction_id=correction.pk, approver=people["unit_head"], now=now),
        lambda: punch_correction_reject(correction_id=correction.pk, approver=people["personnel"], now=now),
    )
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(errors) == 1 and errors[0].code == "not_pending"
    correction.refresh_from_db()
    assert Punch.objects.filter(correction=correction).count() == (
        1 if correction.status == PunchCorrection.Status.APPROVED else 0
    )


def test_two_reminder_runs_at_once_tell_each_person_once(people):
    now = at(WORKDAY, "18:00:00")
    outcomes = _race(
        lambda: missing_punch_reminders_send(day=WORKDAY, now=now),
        lambda: missing_punch_reminders_send(day=WORKDAY, now=now),
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    people_told = PunchReminder.objects.filter(date=WORKDAY).count()
    assert people_told == 8  # everyone in both schools: nobody punched
    assert sum(outcomes) == people_told
    assert Notification.objects.filter(kind="attendance.missing_punch").count() == people_told


def test_one_persons_punch_does_not_hold_up_a_colleague_of_the_same_school(people):
    # The punch lock is on the person's row only. It used to lock the school's row as well
    # (StaffMember's default ordering joins staff_school; FOR NO KEY UPDATE without OF locks every
    # joined row), so a whole school queued behind one punch in the morning rush.
    a, b = people["teacher"], people["other_teacher"]
    assert a.school_id == b.school_id
    held_punch = lambda: punch_record(staff=a, kind=PunchKind.IN, ip="10.0.0.1", now=at(WORKDAY, "07:25:00"))  # noqa: E731
    with held(held_punch), lock_timeout(2000):
        outcome = punch_record(staff=b, kind=PunchKind.IN, ip="10.0.0.1", now=at(WORKDAY, "07:25:30"))
        assert outcome.created
        # …while A's own punch is really held: the same card from A's second device waits on the
        # unique key until the first commits (here: gives up at the timeout).
        with pytest.raises(OperationalError):
            punch_record(staff=a, kind=PunchKind.IN, ip="10.0.0.1", now=at(WORKDAY, "07:26:00"))
    in_punch = Punch.objects.get(staff=a, kind=PunchKind.IN)  # A's transaction committed after
    assert in_punch.at == at(WORKDAY, "07:25:00")


def test_a_punch_does_not_wait_for_the_recompute_of_its_day(people, monkeypatch):
    """The recompute task takes the queued days in a short transaction of its own: a second punch of a person
    whose day is being recomputed queues the day again at once (it does not wait on the recompute's rows), and
    the next task takes it."""
    from django.core.cache import cache

    from attendance import services
    from attendance.models import DailyResult, PendingResult

    teacher = people["teacher"]
    cache.set(services.PENDING_RESULTS_MARK, 1)  # a task is queued: the commits queue none (tasks run in-process here)
    punch_record(staff=teacher, kind=PunchKind.IN, ip="10.0.0.1", now=at(WORKDAY, "07:40"))
    computing, finish = threading.Event(), threading.Event()
    real = services.daily_results_recompute

    def slow(**kwargs):
        written = real(**kwargs)
        computing.set()
        assert finish.wait(30), "the test did not let the recompute finish"
        return written

    monkeypatch.setattr(services, "daily_results_recompute", slow)
    outcome: list = []

    def task():
        try:
            outcome.append(services.pending_results_recompute())
        except Exception as exc:
            outcome.append(exc)
        finally:
            connection.close()

    worker = threading.Thread(target=task)
    worker.start()
    try:
        assert computing.wait(30), "the recompute did not start"
        cache.set(services.PENDING_RESULTS_MARK, 1)  # the running task cleared it: the next is "queued"
        with lock_timeout(2000):  # a wait on the recompute's transaction would fail here
            punch_record(staff=teacher, kind=PunchKind.OUT, ip="10.0.0.1", now=at(WORKDAY, "16:10"))
        assert list(PendingResult.objects.values_list("staff_id", flat=True)) == [teacher.pk]
    finally:
        finish.set()
        worker.join(30)
    assert outcome == [1]
    monkeypatch.undo()
    assert services.pending_results_recompute() == 1
    result = DailyResult.objects.get(staff=teacher, date=WORKDAY)
    assert (result.first_in, result.last_out) == (at(WORKDAY, "07:40"), at(WORKDAY, "16:10"))
