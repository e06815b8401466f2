"""What every request of a school reads and the personnel office seldom changes, kept in the cache: the
school's leave types and rule versions (``selectors.school_rules``), its active approval chains with their
types and steps (``services.requests.select_chain``) and its closed months (``closed_period``).

A leave submission read them from the database each time (five statements); from the cache it reads none.

Invalidation: a change of any of these rows (saved or deleted, a chain's types changed) drops the school's
entry as ``common.changed_here`` describes (in the changing transaction and after its commit; that transaction
neither reads nor fills the school's entries). Bulk writes send no signal: the code that makes them
(``approval_chains_seed``) calls ``forget`` itself.
"""

import datetime as dt
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save

from common.changed_here import ChangedHere, cache_timeout

T = TypeVar("T")

KINDS = ("rules", "chains", "closed")

_changed_here = ChangedHere()


def _key(kind: str, school_id: int) -> str:
    return f"leave:school:{kind}:{school_id}"


# Per process, the value last made of each entry, with the bytes it was made from. Unpickling a school's rules
# (a hundred model instances, ≈ 20 kB) cost ≈ 2 ms of a leave submission's CPU; the same bytes make the same
# value, so it is made again only when the shared entry has changed. The values are read, never changed, by
# their callers. A bounded number of entries (a worker going through the city's schools keeps the latest made).
_made: OrderedDict[str, tuple[bytes, Any]] = OrderedDict()
MADE_ENTRIES = 64
_made_lock = threading.Lock()


def cached(kind: str, school_id: int, read: Callable[[], T]) -> T:
    """The school's ``kind`` from the cache, else ``read()`` (stored for the next request)."""
    if _changed_here.bypassed(school_id):
        return read()  # this transaction changed them: what it reads may still roll back
    key = _key(kind, school_id)
    blob = cache.get(key)
    made = _made.get(key)
    if isinstance(blob, bytes) and made is not None and made[0] == blob:
        value: Any = made[1]
        return value
    if isinstance(blob, bytes):
        value = pickle.loads(blob)
    else:
        value = read()
        blob = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        cache.set(key, blob, cache_timeout())
    with _made_lock:  # the demo's threaded server shares the process
        _made[key] = (blob, value)
        _made.move_to_end(key)
        while len(_made) > MADE_ENTRIES:
            _made.popitem(last=False)
    return value  # what ``read`` returned when it was stored


def settled() -> None:
    """The changes made so far count as committed (a test whose data is never committed)."""
    _changed_here.settled()


def forget(school_id: int) -> None:
    """Drop the school's entries now and again after the commit (common.changed_here)."""
    keys = [_key(kind, school_id) for kind in KINDS]
    _changed_here.changed([school_id], lambda: cache.delete_many(keys))


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
