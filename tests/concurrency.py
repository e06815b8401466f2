"""Run the same work in several threads at the same moment, each with its own database connection.

For PostgreSQL-only tests of "lock, then decide": ``outcomes = at_once(lambda: service(...), times=2)``.
Each outcome is the callable's return value, or the exception it raised.
"""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections


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
