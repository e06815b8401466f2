"""Races on PostgreSQL: two people recording the same day at the same moment."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from schedules.models import SchoolDay, TyphoonDay
from schedules.services import ScheduleError, school_day_create, typhoon_day_declare
from tests.factories import make_school

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
DAY = dt.date(2026, 11, 27)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


def _race(action, n: int = 2) -> list[str]:
    """Run ``action`` in n threads released together; the outcome of each: "ok" or the error code."""
    barrier = threading.Barrier(n)
    outcomes: list[str] = []

    def run():
        try:
            barrier.wait()
            action()
            outcomes.append("ok")
        except ScheduleError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


def test_two_citywide_typhoon_declarations_make_one():
    outcomes = _race(lambda: typhoon_day_declare(actor=None, day=DAY, school=None))
    assert outcomes[0] == "ok" and outcomes[1] in ("typhoon_already_citywide", "typhoon_already_declared")
    assert TyphoonDay.objects.count() == 1


def test_two_school_days_on_one_date_make_one():
    school = make_school()
    outcomes = _race(lambda: school_day_create(actor=None, school=school, day=DAY, kind="day_off", label="校慶補假"))
    assert outcomes == ["ok", "school_day_exists"]
    assert SchoolDay.objects.count() == 1
