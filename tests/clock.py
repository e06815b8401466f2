"""Time in tests: the one way to write an aware moment in the school's time zone (Asia/Taipei).

    at(WORKDAY, "07:30:59")     a day and a clock time (HH:MM or HH:MM:SS)
    at(WORKDAY, 9)              a day and an hour (and optionally a minute: at(WORKDAY, 9, 30))
    at(2025, 10, 8, 9, 30)      year, month, day (hour and minute default to 0)

Tests whose result depends on today freeze the clock with ``time_machine`` (or the attendance
``clock`` fixture) at such a moment.
"""

import datetime as dt
from typing import overload
from zoneinfo import ZoneInfo

TAIPEI = ZoneInfo("Asia/Taipei")


@overload
def at(day: dt.date, time: str, /) -> dt.datetime: ...
@overload
def at(day: dt.date, hour: int, minute: int = 0, /) -> dt.datetime: ...
@overload
def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, /) -> dt.datetime: ...


def at(first, *rest):
    if isinstance(first, dt.date):
        if len(rest) == 1 and isinstance(rest[0], str):
            clock = dt.time.fromisoformat(rest[0])
        elif 1 <= len(rest) <= 2 and all(isinstance(part, int) for part in rest):
            clock = dt.time(*rest)
        else:
            raise TypeError(f"at({first!r}, {rest!r}): give a clock time 'HH:MM[:SS]' or an hour and minute")
        return dt.datetime.combine(first, clock, tzinfo=TAIPEI)
    if not 2 <= len(rest) <= 4:
        raise TypeError("at(year, month, day[, hour[, minute]])")
    return dt.datetime(first, *rest, tzinfo=TAIPEI)
