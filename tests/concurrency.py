"""Run the same work in several threads at the same moment, each with its own database connection.

For PostgreSQL-only tests of "lock, then decide": ``outcomes = at_once(lambda: service(...), times=2)``.
Each outcome is the callable's return value, or the exception it raised.
"Does this lock hold up that?": ``with held(lambda: lock_one()), lock_timeout(2000): other()``.
"""

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, connections, transaction


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; CI runs this test on it")


def at_once(work: Callable[[], Any], *, times: int = 2, timeout: float = 60) -> list[Any]:
    barrier = threading.Barrier(times)
    outcomes: list[Any] = []

    def run() -> None:
        try:
            barrier.wait()
            outcomes.append(work())
        except Exception as exc:
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert len(outcomes) == times, "a thread did not finish in time"
    return outcomes


@contextlib.contextmanager
def held(work: Callable[[], Any], *, timeout: float = 30) -> Iterator[None]:
    """Run ``work`` inside a transaction in another thread and keep that transaction open (with the
    locks it took) for the body of the ``with``; it commits when the body ends.

    Pair it with ``lock_timeout`` in the test's own connection, so a lock the body should not meet
    fails the test at once instead of hanging it.
    """
    ready, release = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            with transaction.atomic():
                work()
                ready.set()
                release.wait(timeout)
        except BaseException as exc:
            failure.append(exc)
            ready.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert ready.wait(timeout), "the holding transaction did not start"
        if failure:
            raise failure[0]
        yield
    finally:
        release.set()
        thread.join(timeout)


@contextlib.contextmanager
def lock_timeout(ms: int) -> Iterator[None]:
    """Give up on any row lock not granted within ``ms`` milliseconds (PostgreSQL raises
    OperationalError: lock_not_available) in this thread's connection."""
    with connection.cursor() as cursor:
        # set_config, not SET: the server binds the parameters (settings.py), and SET takes none.
        cursor.execute("SELECT set_config('lock_timeout', %s, false)", [f"{ms}ms"])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
