"""What every request of a school reads and the personnel office seldom changes, kept in the cache: the
school's leave types and rule versions (``selectors.school_rules``), its active approval chains with their
types and steps (``services.requests.select_chain``) and its closed months (``closed_period``).

A leave submission read them from the database each time (five statements); from the cache it reads none.

Invalidation: a change of any of these rows (saved or deleted, a chain's types changed) drops the school's
entry inside the changing transaction and again after its commit, so a request that read the old rows in
between cannot keep them cached; while a transaction has changed a school's rows it neither reads nor fills
that school's entries (it may roll back). Bulk writes send no signal: the code that makes them
(``approval_chains_seed``) calls ``forget`` itself. Entries expire after a day with the shared cache of
production (``CACHE_URL``), after a minute without it (each process then has its own memory and only the
changing one forgets).
"""

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")

KINDS = ("rules", "chains", "closed")

# Schools whose rows the current thread's transaction changed, with that transaction's outermost atomic block:
# their entries are bypassed while it lasts (committed or rolled back, the next one has another block).
_changing = threading.local()


def _timeout() -> int:
    return 24 * 60 * 60 if settings.CACHE_URL else 60


def _key(kind: str, school_id: int) -> str:
    return f"leave:school:{kind}:{school_id}"


def _changes() -> dict[int, object]:
    if not hasattr(_changing, "schools"):
        _changing.schools = {}
    schools: dict[int, object] = _changing.schools
    return schools


def _outermost() -> object | None:
    blocks = transaction.get_connection().atomic_blocks
    return blocks[0] if blocks else None


def cached(kind: str, school_id: int, read: Callable[[], T]) -> T:
    """The school's ``kind`` from the cache, else ``read()`` (stored for the next request)."""
    changed_in = _changes().get(school_id)
    if changed_in is not None and changed_in is _outermost():
        return read()  # this transaction changed them: what it reads may still roll back
    key = _key(kind, school_id)
    value: Any = cache.get(key)
    if value is None:
        value = read()
        cache.set(key, value, _timeout())
    return value  # what ``read`` returned when it was stored


def settled() -> None:
    """The changes made so far count as committed (a test whose data is never committed)."""
    _changes().clear()


def forget(school_id: int) -> None:
    """Drop the school's entries now and again after the commit (see the module's docstring)."""
    keys = [_key(kind, school_id) for kind in KINDS]
    cache.delete_many(keys)
    outermost = _outermost()
    if outermost is not None:
        _changes()[school_id] = outermost

        def after_commit() -> None:
            cache.delete_many(keys)
            _changes().pop(school_id, None)

        transaction.on_commit(after_commit)


def _school_of(instance: Any) -> int | None:
    # The school a changed row belongs to (rules and steps through their type or chain).
    for path in ("school_id", "leave_type.school_id", "chain.school_id"):
        value: Any = instance
        for part in path.split("."):
            value = getattr(value, part, None)
            if value is None:
                break
        if value is not None:
            return int(value)
    return None


def _changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    school_id = _school_of(instance)
    if school_id is not None:
        forget(school_id)


def connect() -> None:
    """Called from LeaveConfig.ready: the models' changes drop their school's entries."""
    from leave.models import ApprovalChain, ApprovalChainStep, ClosedMonth, LeaveRule, LeaveType

    for model in (LeaveType, LeaveRule, ApprovalChain, ApprovalChainStep, ClosedMonth):
        uid = f"leave.school_cache.{model.__name__}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}.delete")
    m2m_changed.connect(_changed, sender=ApprovalChain.leave_types.through, dispatch_uid="leave.school_cache.types")


def closed_months(school_id: int) -> frozenset[dt.date]:
    """Every month the personnel office closed for the school (ClosedMonth), from the cache."""
    from leave.models import ClosedMonth

    return cached(
        "closed", school_id,
        lambda: frozenset(ClosedMonth.objects.filter(school_id=school_id).order_by().values_list("month", flat=True)),
    )
