import datetime as dt

import pytest
import time_machine
from django.test import TestCase

from tests.clock import TAIPEI, at  # noqa: F401  (the tests of this app import them from here)

# A plain Wednesday in term time: no national holiday (10/06 中秋節 and 10/10 國慶日 are around it).
WORKDAY = dt.date(2025, 10, 8)


def punch(**kwargs):
    """attendance.services.punch_record, then what follows its commit: the daily result's recompute
    task (in-process, as tests run tasks). The punch itself leaves the result to that task."""
    from attendance.services import punch_record

    with TestCase.captureOnCommitCallbacks(execute=True):
        return punch_record(**kwargs)


@pytest.fixture
def clock():
    """clock(moment) freezes the server's time at ``moment`` until the next call or the end of the test."""
    travellers = []

    def _set(moment: dt.datetime):
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(moment, tick=False)
        traveller.start()
        travellers.append(traveller)
        return moment

    yield _set
    for traveller in travellers:
        traveller.stop()



@pytest.fixture
def leave_on(monkeypatch):
    """leave_on(staff, start, end, name="事假") makes leave.selectors.leave_spans report approved leave.

    leave_spans is the leave module's interface and returns [] until that module fills it in; until
    then the tests stand in for that ONE function (and nothing else of the leave module).
    """
    from leave import selectors

    spans = []

    def fake_leave_spans(*, staff_ids, start, end, statuses=("approved",)):
        ids = set(staff_ids)
        return [
            s for s in spans
            if s.staff_id in ids and s.start.date() <= end and s.end.date() >= start and s.status in statuses
        ]

    monkeypatch.setattr(selectors, "leave_spans", fake_leave_spans)

    def add(staff, start: dt.datetime, end: dt.datetime, name: str = "事假", request_id: int = 1):
        span = selectors.LeaveSpan(
            staff_id=staff.pk, leave_request_id=request_id, start=start, end=end,
            leave_type_code="personal", leave_type_name=name, status="approved",
        )
        spans.append(span)
        return span

    add.spans = spans
    return add
