"""Reads other apps may use.

CONTRACT: ``leave_spans(staff_ids=..., start=..., end=..., statuses=...)`` returns the
leave time of those people overlapping [start, end] (dates, inclusive), in one query.
The attendance module uses it to mark days covered by leave.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class LeaveSpan:
    staff_id: int
    leave_request_id: int
    start: dt.datetime
    end: dt.datetime
    leave_type_code: str
    leave_type_name: str
    status: str  # "approved" or "pending"


def leave_spans(
    *, staff_ids: Iterable[int], start: dt.date, end: dt.date, statuses: Iterable[str] = ("approved",)
) -> list[LeaveSpan]:
    # Filled in by the leave module.
    return []
