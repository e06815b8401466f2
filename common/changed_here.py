"""Cached per-school data and the transaction that changes it (leave.school_cache, schedules.duty_cache).

A change drops the school's entries inside the changing transaction and again after its commit, so that a request
that read the old rows in between cannot keep them cached. While that transaction lasts, it neither reads nor
fills the school's entries: it may still roll back (as the disaster-stop preview does). Entries expire after a day
with the shared cache of production (``CACHE_URL``), after a minute without it (each process then has its own
memory and only the changing one forgets).
"""

import threading
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction

EVERY_SCHOOL = None  # a change that names no school: it concerns them all


def cache_timeout() -> int:
    return 24 * 60 * 60 if settings.CACHE_URL else 60


def _outermost() -> object | None:
    blocks = transaction.get_connection().atomic_blocks
    return blocks[0] if blocks else None


class ChangedHere:
    """Which schools' cached data the current thread's transaction changed (EVERY_SCHOOL: all), each with that
    transaction's outermost atomic block; committed or rolled back, the next transaction has another block."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _marks(self) -> dict[int | None, object]:
        if not hasattr(self._local, "schools"):
            self._local.schools = {}
        marks: dict[int | None, object] = self._local.schools
        return marks

    def changed(self, school_ids: Iterable[int] | None, forget: Callable[[], None]) -> None:
        """The transaction changes these schools' data (None: every school's): ``forget`` now and again after the
        commit, and bypass their entries meanwhile."""
        forget()
        named: list[int | None] = [EVERY_SCHOOL] if school_ids is None else list(school_ids)
        outermost = _outermost()
        if outermost is None:
            return  # autocommit: nothing is pending
        marks = self._marks()
        for school_id in named:
            marks[school_id] = outermost

        def after_commit() -> None:
            forget()
            for school_id in named:
                marks.pop(school_id, None)

        transaction.on_commit(after_commit)

    def bypassed(self, school_id: int) -> bool:
        """True while the current transaction has changed this school's data (or every school's)."""
        outermost = _outermost()
        marks = self._marks()
        return outermost is not None and outermost in (marks.get(school_id), marks.get(EVERY_SCHOOL))

    def settled(self) -> None:
        """The changes made so far count as committed (a test whose data is never committed)."""
        self._marks().clear()
