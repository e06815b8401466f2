"""The rule that turns one person's day (calendar window, punches, leave) into a result.

Pure functions, no database: ``evaluate_day`` is what daily_results_recompute calls for every
person and day, and what the boundary tests exercise. docs/attendance.md states the rules:

- punch times count to the minute: seconds are dropped (07:30:59 counts as 07:30), as card readers do;
- arrival is on time while the minute is no later than the required start plus the grace minutes;
  past that, lateness is the working minutes from the required start to the arrival minute;
- leaving is early when the minute is before the required end; early minutes are the working
  minutes from the leaving minute to the required end (no grace on leaving);
- "working minutes" leave out breaks (lunch) and the time covered by leave;
- leave moves the required start to the end of a morning leave and the required end to the start
  of an afternoon leave (skipping breaks); leave over every working minute makes the day "leave".
"""

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from attendance.models import DailyResult, DailyStatus
from leave.selectors import LeaveSpan
from schedules.calendar import DutyDay
from staff.models import StaffMember

Interval = tuple[dt.datetime, dt.datetime]

# Calendar reasons for a day off for everyone at school; other no-duty reasons are personal
# (a teacher's vacation, a category without clock-in duty).
HOLIDAY_REASONS = frozenset({"weekend", "holiday", "typhoon", "school_day_off"})


@dataclass(frozen=True)
class DayOutcome:
    status: str
    late_minutes: int = 0
    early_minutes: int = 0
    leave_minutes: int = 0
    required_start: dt.time | None = None
    required_end: dt.time | None = None


# Local time is the schools' time zone (TIME_ZONE), whatever a request may have activated: the same day
# and minute for the recompute in a worker and for the clock page. The default zone is cached by Django
# (and forgotten when the setting changes); the request-local "current" zone costs a lookup per call,
# and this module runs for every person-day of a recompute.


def to_minute(at: dt.datetime) -> dt.datetime:
    """The punch's minute in local time: seconds dropped (07:30:59 → 07:30)."""
    return at.astimezone(timezone.get_default_timezone()).replace(second=0, microsecond=0)


def _aware(day: dt.date, t: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, t, tzinfo=timezone.get_default_timezone())


def subtract(intervals: Iterable[Interval], cuts: Iterable[Interval]) -> list[Interval]:
    """The parts of ``intervals`` not covered by any of ``cuts``, in order."""
    result = sorted(intervals)
    for cut_start, cut_end in cuts:
        if cut_end <= cut_start:
            continue
        pieces: list[Interval] = []
        for start, end in result:
            if cut_end <= start or cut_start >= end:
                pieces.append((start, end))
                continue
            if start < cut_start:
                pieces.append((start, cut_start))
            if cut_end < end:
                pieces.append((cut_end, end))
        result = pieces
    return result


def minutes_within(intervals: Sequence[Interval], start: dt.datetime, end: dt.datetime) -> int:
    """Whole minutes of ``intervals`` that fall between start and end."""
    total = dt.timedelta()
    for a, b in intervals:
        lo, hi = max(a, start), min(b, end)
        if hi > lo:
            total += hi - lo
    return int(total.total_seconds() // 60)


def working_intervals(
    day: dt.date, start: dt.time, end: dt.time, breaks: Iterable[tuple[dt.time, dt.time]]
) -> list[Interval]:
    """The window minus its breaks, as aware intervals."""
    return list(_working_intervals(day, start, end, tuple(breaks), timezone.get_default_timezone()))


@functools.lru_cache(maxsize=4096)
def _working_intervals(
    day: dt.date, start: dt.time, end: dt.time, breaks: tuple[tuple[dt.time, dt.time], ...], tz: dt.tzinfo
) -> tuple[Interval, ...]:
    # A city's month asks for the same few windows (a day × a schedule) for every person: computed once.
    return tuple(
        subtract(
            [(_aware(day, start), _aware(day, end))],
            [(_aware(day, b_start), _aware(day, b_end)) for b_start, b_end in breaks],
        )
    )


@dataclass(frozen=True)
class _Window:
    """A day's working window as every person without leave that day has it: computed once per window."""

    work: tuple[Interval, ...]  # the window minus its breaks
    minutes: int  # its working minutes
    required: tuple[dt.time, dt.time] | None  # its first and last working minute, local


@functools.lru_cache(maxsize=4096)
def _window(
    day: dt.date, start: dt.time, end: dt.time, breaks: tuple[tuple[dt.time, dt.time], ...], tz: dt.tzinfo
) -> _Window:
    work = _working_intervals(day, start, end, breaks, tz)
    if not work:
        return _Window(work, 0, None)
    first, last = work[0][0], work[-1][1]
    return _Window(work, minutes_within(work, first, last), (first.astimezone(tz).time(), last.astimezone(tz).time()))


def evaluate_day(
    duty: DutyDay,
    *,
    first_in: dt.datetime | None,
    last_out: dt.datetime | None,
    leave: Iterable[Interval] = (),
    now: dt.datetime,
) -> DayOutcome:
    """One person's day. ``duty`` is a schedules.calendar.DutyDay; ``leave`` the approved leave spans."""
    return DayOutcome(*_evaluate(duty, first_in, last_out, tuple(leave), now))


# What a day without duty is, whoever has it: (status, late, early, leave minutes, required start and end).
_HOLIDAY = (DailyStatus.HOLIDAY, 0, 0, 0, None, None)
_NO_DUTY = (DailyStatus.NO_DUTY, 0, 0, 0, None, None)


def _evaluate(
    duty: DutyDay,
    first_in: dt.datetime | None,
    last_out: dt.datetime | None,
    leave: tuple[Interval, ...],
    now: dt.datetime,
) -> tuple[str, int, int, int, dt.time | None, dt.time | None]:
    """evaluate_day's outcome as a plain tuple, in DayOutcome's order: the recompute's path, once a person-day."""
    if not duty.has_duty or duty.start is None or duty.end is None:
        return _HOLIDAY if duty.reason in HOLIDAY_REASONS else _NO_DUTY

    tz = timezone.get_default_timezone()
    window = _window(duty.day, duty.start, duty.end, tuple(duty.breaks), tz)
    remaining: Sequence[Interval]
    if leave:
        remaining = subtract(window.work, leave)
        open_minutes = minutes_within(remaining, remaining[0][0], remaining[-1][1]) if remaining else 0
        leave_minutes = window.minutes - open_minutes
        if not remaining:
            return DailyStatus.LEAVE, 0, 0, leave_minutes, None, None
        required_start, required_end = remaining[0][0], remaining[-1][1]
        required = (required_start.astimezone(tz).time(), required_end.astimezone(tz).time())
    elif window.required is None:  # a window made of breaks only: nothing left to work
        return DailyStatus.LEAVE, 0, 0, 0, None, None
    else:
        remaining = window.work
        leave_minutes = 0
        required_start, required_end = remaining[0][0], remaining[-1][1]
        required = window.required
    grace = dt.timedelta(minutes=duty.grace_minutes or 0)

    # A 下班 punch before the 上班 punch cannot end the day: it is ignored.
    if first_in is not None and last_out is not None and last_out <= first_in:
        last_out = None
    arrived = to_minute(first_in) if first_in is not None else None
    left = to_minute(last_out) if last_out is not None else None

    late = minutes_within(remaining, required_start, arrived) if arrived and arrived > required_start + grace else 0
    early = minutes_within(remaining, left, required_end) if left and left < required_end else 0
    finished = now >= required_end

    if arrived is None and left is None:
        status = DailyStatus.ABSENT if finished else DailyStatus.PENDING
    elif arrived is None:
        status = DailyStatus.MISSING_IN
    elif left is None:
        status = DailyStatus.MISSING_OUT if finished else DailyStatus.PENDING
    elif late:
        status = DailyStatus.LATE
    elif early:
        status = DailyStatus.LEFT_EARLY
    elif leave_minutes:
        status = DailyStatus.PARTIAL_LEAVE
    else:
        status = DailyStatus.ON_TIME
    return status, late, early, leave_minutes, required[0], required[1]


def daily_result_row(
    member: StaffMember,
    duty: DutyDay,
    *,
    punch_in: tuple[dt.datetime, bool] | None,
    punch_out: tuple[dt.datetime, bool] | None,
    spans: Iterable[LeaveSpan],
    now: dt.datetime,
) -> DailyResult:
    """One person's day (``member``: a StaffMember) as a (not yet saved) DailyResult: what the recompute
    stores, and what the clock page shows at once after a punch (attendance.selectors.today_for) — the
    same rule on the same facts, so both agree.

    ``punch_in``/``punch_out`` are (at, is_correction); ``spans`` the person's approved leave spans.
    """
    return DailyResult(
        **daily_result_values(member, duty, punch_in=punch_in, punch_out=punch_out, spans=spans, now=now)
    )


def daily_result_values(
    member: StaffMember,
    duty: DutyDay,
    *,
    punch_in: tuple[dt.datetime, bool] | None,
    punch_out: tuple[dt.datetime, bool] | None,
    spans: Iterable[LeaveSpan],
    now: dt.datetime,
) -> dict[str, Any]:
    """daily_result_row's fields by attribute name (``school_id``, ``staff_id``, …), without the model
    instance: what the recompute writes for every person-day (attendance.bulk.upsert)."""
    day = duty.day
    first_in = punch_in[0] if punch_in else None
    last_out = punch_out[0] if punch_out else None
    if spans:
        day_start = _aware(day, dt.time.min)
        day_end = day_start + dt.timedelta(days=1)
        spans = [s for s in spans if s.start < day_end and s.end > day_start]
    leave = tuple((s.start, s.end) for s in spans) if spans else ()
    status, late, early, leave_minutes, required_start, required_end = _evaluate(duty, first_in, last_out, leave, now)
    if leave_minutes:
        leave_label = "、".join(dict.fromkeys(s.leave_type_name for s in spans))[:100]
        # The English names too (a type without one reads in Chinese), so the month reads in either language.
        leave_label_en = ", ".join(dict.fromkeys(s.leave_type_name_en or s.leave_type_name for s in spans))[:200]
    else:
        leave_label = leave_label_en = ""
    return {
        "school_id": member.school_id,
        "staff_id": member.pk,
        "date": day,
        "status": status,
        "late_minutes": late,
        "early_minutes": early,
        "leave_minutes": leave_minutes,
        "first_in": first_in,
        "last_out": last_out,
        "in_corrected": bool(punch_in and punch_in[1]),
        "out_corrected": bool(punch_out and punch_out[1]),
        "required_start": required_start,
        "required_end": required_end,
        "day_reason": duty.reason[:20],
        "day_label": (duty.label or "")[:60],
        "leave_label": leave_label,
        "leave_label_en": leave_label_en,
        "computed_at": now,
    }
