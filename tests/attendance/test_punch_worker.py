"""A punch's daily result computed by a real worker: after the commit, once per burst, and made final
by the window-end sweep when the punch's task was lost (dropped by the broker, or with a killed worker).
PostgreSQL and Redis (skipped without them).

The cache is Redis here, shared by this process and the worker, as in production (CACHE_URL): the
mark that lets one task through for a burst is set by the web process and cleared by the worker."""

import datetime as dt

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone

from attendance.models import DailyResult, DailyStatus, PunchKind
from attendance.services import punch_record
from attendance.tasks import sweep_daily_results
from config.celery import app as celery_app
from schedules.calendar import duty_day
from tests.celery_worker import wait_until
from tests.clock import at

pytestmark = pytest.mark.celery_worker

TAIPEI = timezone.get_default_timezone()


def _last_workday(staff) -> dt.date:
    """The person's last working day before today (its window has ended whatever the time now)."""
    day = timezone.localdate() - dt.timedelta(days=1)
    while not duty_day(staff, day).has_duty:
        day -= dt.timedelta(days=1)
    return day


@pytest.fixture
def shared_cache(settings, celery_worker_process):
    settings.CACHES = {
        "default": {"BACKEND": "common.cache.RedisCache", "LOCATION": settings.CELERY_BROKER_URL}
    }
    from django.core.cache import cache

    cache.clear()
    yield {"CACHE_URL": settings.CELERY_BROKER_URL}
    cache.clear()


def _queued(queue: str) -> int:
    return redis.Redis.from_url(django_settings.CELERY_BROKER_URL).llen(queue)


def _result(staff, day):
    return DailyResult.objects.filter(staff=staff, date=day).first()


def test_a_burst_of_punches_is_one_recompute_by_the_worker(people, celery_worker_process, shared_cache, settings):
    settings.ATTENDANCE_RESULT_DELAY_SECONDS = 0
    teacher = people["teacher"]
    day = _last_workday(teacher)
    punch_record(staff=teacher, kind=PunchKind.IN, ip="10.0.0.1", now=at(day, "08:07"))
    for hhmm in ("16:01", "16:05", "16:20"):  # 下班 three times: each moves the row
        assert punch_record(staff=teacher, kind=PunchKind.OUT, ip="10.0.0.1", now=at(day, hhmm)).updated or (
            hhmm == "16:01"
        )
    other = people["other_teacher"]  # another person's punch meanwhile: the same task takes both days
    punch_record(staff=other, kind=PunchKind.IN, ip="10.0.0.1", now=at(day, "07:50"))
    assert _queued(celery_worker_process.queue) == 1  # five punches of two people, one task waiting
    assert _result(teacher, day) is None
    celery_worker_process.start(env=shared_cache)
    assert wait_until(lambda: _result(teacher, day) is not None and _result(other, day) is not None)
    result = _result(teacher, day)
    assert (result.status, result.late_minutes, result.last_out) == (DailyStatus.LATE, 7, at(day, "16:20"))
    assert _result(other, day).first_in == at(day, "07:50")
    # Once it ran, the next punch queues the next recompute.
    punch_record(staff=teacher, kind=PunchKind.OUT, ip="10.0.0.1", now=at(day, "16:30"))
    assert wait_until(lambda: _result(teacher, day).last_out == at(day, "16:30"))


def test_the_sweep_makes_the_day_final_when_the_punch_task_was_lost(people, celery_worker_process, shared_cache):
    teacher = people["teacher"]
    day = _last_workday(teacher)
    punch_record(staff=teacher, kind=PunchKind.IN, ip="10.0.0.1", now=at(day, "07:58"))
    # The task is lost: the broker forgets it before any worker takes it (a killed worker, a flushed queue).
    redis.Redis.from_url(django_settings.CELERY_BROKER_URL).delete(celery_worker_process.queue)
    celery_worker_process.start(env=shared_cache)
    sweep_daily_results.delay(day.isoformat())
    assert wait_until(lambda: _result(teacher, day) is not None)
    result = _result(teacher, day)
    assert (result.status, result.first_in) == (DailyStatus.MISSING_OUT, at(day, "07:58"))
    # Everyone of both schools is final for that day.
    assert wait_until(lambda: DailyResult.objects.filter(date=day).count() >= 8)


def test_the_sweep_makes_the_day_final_when_the_worker_holding_the_task_is_killed(
    people, celery_worker_process, shared_cache, settings
):
    """The worker has taken the punch's task (waiting for its countdown) and is killed (SIGKILL): the task is
    neither run nor back in the queue (the broker hands it out again only after its visibility timeout).
    The window-end sweep, run by the next worker, makes the day final."""
    settings.ATTENDANCE_RESULT_DELAY_SECONDS = 600  # held by the worker, not yet run, when it dies
    teacher = people["teacher"]
    day = _last_workday(teacher)
    punch_record(staff=teacher, kind=PunchKind.IN, ip="10.0.0.1", now=at(day, "08:03"))
    assert _queued(celery_worker_process.queue) == 1
    celery_worker_process.start(env=shared_cache)
    node = celery_worker_process.node

    def held() -> bool:
        scheduled = celery_app.control.inspect(destination=[node], timeout=2).scheduled() or {}
        return len(scheduled.get(node, [])) == 1

    assert wait_until(held)
    celery_worker_process.proc.kill()
    celery_worker_process.proc.wait(timeout=30)
    assert _queued(celery_worker_process.queue) == 0 and _result(teacher, day) is None  # lost with the worker

    celery_worker_process.start(env=shared_cache)
    sweep_daily_results.delay(day.isoformat())
    assert wait_until(lambda: _result(teacher, day) is not None)
    result = _result(teacher, day)
    assert (result.status, result.late_minutes, result.first_in) == (DailyStatus.MISSING_OUT, 3, at(day, "08:03"))
    _forget_unacked(celery_worker_process.queue)


def _forget_unacked(queue: str) -> None:
    """The killed worker's message waits in the broker's unacknowledged set for its visibility timeout: drop
    it, so that no later worker restores it into this test's queue."""
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    for tag, raw in client.hgetall("unacked").items():
        if queue.encode() in raw:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
