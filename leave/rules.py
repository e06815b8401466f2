"""The leave rules as pure functions: periods, length, entitlements and which quota each hour draws on.

Nothing here reads the database. leave/services.py and leave/selectors.py feed these functions the
person's duty days (from schedules.calendar), the school's LeaveRules and the existing charges.
docs/leave.md describes the rules as implemented, with every decision the regulations left open.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from leave.errors import LeaveError
from leave.models import GrantKind, LeaveRule, LeaveUnit, OverQuota

# Re-exported: the kinds of period are part of period_bounds()'s and period_bucket()'s interface.
from leave.models import Period as Period
from schedules.calendar import DutyDay
from staff.twdate import format_days_hours

HOURS_PER_DAY = 8
SCHOOL_YEAR_START_MONTH = 8  # docs/domain.md: teachers' quotas run 1 Aug – 31 Jul


# --- Amounts -------------------------------------------------------------------------------------


def days_to_hours(days: Decimal | int | float | str | None) -> int:
    if days is None:
        return 0
    return int((Decimal(str(days)) * HOURS_PER_DAY).to_integral_value(rounding=ROUND_HALF_UP))


def round_to_half_day(days: Decimal) -> Decimal:
    """Pro-rata rounding: less than half a day becomes half a day, more than half a whole day."""
    whole = days.to_integral_value(rounding=ROUND_FLOOR)
    fraction = days - whole
    if fraction == 0:
        return whole
    if fraction <= Decimal("0.5"):
        return whole + Decimal("0.5")
    return whole + 1


# --- Periods -------------------------------------------------------------------------------------


def period_bounds(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The counting period containing ``day``: a school year (1 Aug – 31 Jul) or a calendar year."""
    if kind == Period.CALENDAR_YEAR:
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    first_year = day.year if day.month >= SCHOOL_YEAR_START_MONTH else day.year - 1
    start = dt.date(first_year, SCHOOL_YEAR_START_MONTH, 1)
    return start, dt.date(first_year + 1, SCHOOL_YEAR_START_MONTH, 1) - dt.timedelta(days=1)


def period_bucket(kind: str, day: dt.date) -> str:
    return f"P{period_bounds(kind, day)[0].isoformat()}"


def event_bucket(key: str, day: dt.date) -> str:
    return f"E:{key}:{day.isoformat()}"


def overtime_bucket(overtime_id: int) -> str:
    return f"OT:{overtime_id}"


def bucket_period_start(bucket: str) -> dt.date | None:
    """The first day of a period bucket (``P2025-08-01``); None for per-event and 補休 buckets."""
    return dt.date.fromisoformat(bucket[1:]) if bucket.startswith("P") else None


def horizon_start(day: dt.date) -> dt.date:
    """The earliest day whose charges can change when a request touching ``day`` changes."""
    return min(period_bounds(Period.SCHOOL_YEAR, day)[0], period_bounds(Period.CALENDAR_YEAR, day)[0])


# --- Entitlements --------------------------------------------------------------------------------


def months_between(first: dt.date, last: dt.date) -> int:
    """Calendar months from ``first``'s month to ``last``'s month, both counted (the hire month counts whole)."""
    return (last.year - first.year) * 12 + last.month - first.month + 1


def prorated_days(quota_days: Decimal, months: int) -> Decimal:
    months = max(0, min(12, months))
    if months == 12:
        return Decimal(quota_days)
    return round_to_half_day(Decimal(quota_days) * months / 12)


def fixed_quota_days(rule: LeaveRule, *, hire_date: dt.date, day: dt.date) -> Decimal:
    start, end = period_bounds(rule.period, day)
    quota = Decimal(rule.quota_days or 0)
    if rule.prorate_first_period and start < hire_date <= end:
        return prorated_days(quota, months_between(hire_date, end))
    return quota


def completed_years(hire_date: dt.date, on: dt.date) -> int:
    years = on.year - hire_date.year
    if (on.month, on.day) < (hire_date.month, hire_date.day):
        years -= 1
    return max(0, years)


def seniority_days(
    steps: Sequence[Sequence[int | float | str]], *, hire_date: dt.date, period_start: dt.date
) -> Decimal:
    """休假 for the period starting ``period_start``, from the service completed by then.

    Steps are ``[[years, days], ...]``: with at least ``years`` completed at the period's start, the
    person gets ``days``. Someone who has not completed the first step's years at the start but
    served part of the previous period (hired after its first month) gets the first step pro rata by
    the months served there (公務人員請假規則 §7: 按當月至年終之在職月數比例於次年核給).
    """
    if not steps or hire_date >= period_start:
        return Decimal(0)
    years = completed_years(hire_date, period_start)
    earned = Decimal(0)
    for threshold, days in steps:
        if years >= int(threshold):
            earned = Decimal(str(days))
    if earned:
        return earned
    first_threshold, first_days = steps[0]
    if int(first_threshold) > 1:
        return Decimal(0)
    months_served = months_between(hire_date, period_start - dt.timedelta(days=1))
    return prorated_days(Decimal(str(first_days)), months_served)


def granted_hours(
    rule: LeaveRule,
    *,
    hire_date: dt.date,
    day: dt.date,
    event_key: str = "",
    adjustments: Mapping[tuple[int, dt.date], int] | None = None,
) -> int | None:
    """The quota, in hours, of the bucket ``rule`` charges on ``day``; None when the type has no quota."""
    adjust = 0
    if adjustments:
        adjust = adjustments.get((rule.leave_type_id, period_bounds(rule.period, day)[0]), 0)
    if rule.grant_kind == GrantKind.FIXED:
        return days_to_hours(fixed_quota_days(rule, hire_date=hire_date, day=day)) + adjust
    if rule.grant_kind == GrantKind.SENIORITY:
        start = period_bounds(rule.period, day)[0]
        return days_to_hours(seniority_days(rule.seniority_steps, hire_date=hire_date, period_start=start)) + adjust
    if rule.grant_kind == GrantKind.PER_EVENT:
        option = rule.event_option(event_key)
        return days_to_hours(option.get("days", 0)) if option else 0
    return None


# --- Length --------------------------------------------------------------------------------------

SECONDS_PER_HOUR = 3600
DAY_SECONDS = HOURS_PER_DAY * SECONDS_PER_HOUR
HALF_DAY_SECONDS = DAY_SECONDS // 2


@dataclass(frozen=True)
class DayLength:
    """The hours of a request charged on one day (``seconds``: its counted duty time that day)."""

    day: dt.date
    hours: int
    seconds: int = 0


def span_dates(start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date]:
    """First and last local dates a span touches (an end at midnight belongs to the day before)."""
    local_start, local_end = timezone.localtime(start), timezone.localtime(end)
    last = local_end.date()
    if local_end.time() == dt.time(0, 0) and local_end.date() > local_start.date():
        last -= dt.timedelta(days=1)
    return local_start.date(), last


def unit_seconds(unit: str) -> int:
    """The step a request's length is rounded up to: an hour, half a day (4 h) or a day (8 h)."""
    if unit == LeaveUnit.DAY:
        return DAY_SECONDS
    if unit == LeaveUnit.HALF_DAY:
        return HALF_DAY_SECONDS
    return SECONDS_PER_HOUR


def _aware(day: dt.date, t: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, t))


def leave_length(
    *, start: dt.datetime, end: dt.datetime, duty: Mapping[dt.date, DutyDay], unit: str, counts_non_working_days: bool
) -> list[DayLength]:
    """The request's length, and the day each of its hours is charged on, from the person's duty days.

    - Types counted in calendar days (娩假, 延長病假, 公傷假): every day of the span is a day (8 hours).
    - Otherwise each day's counted duty time (``duty_seconds``: the time inside the duty window less
      breaks, a whole half of the day as 4 hours) is summed over the whole span, and the sum is rounded
      up to the type's unit **once** (under an hour counts as an hour, once per request; half day → 4 h
      steps; day → 8 h steps). Rounding each day separately would overcharge a request spanning several
      part days (Fri 13:00 – Mon 12:00 is 4 + 8 + 4 = 16 h, not 17 h).
    - The rounded hours are laid out on the days in order, each started unit charged to the day it
      starts on (the running total rounded up): a day is never charged more than 8 hours, and the days
      add up to the request's length exactly. A day with duty time in the span is listed even when all of
      its time fell into a unit started the day before (then with 0 hours).
    """
    first, last = span_dates(start, end)
    counted: list[tuple[dt.date, int]] = []
    day = first
    while day <= last:
        seconds = DAY_SECONDS if counts_non_working_days else duty_seconds(duty.get(day), start, end)
        if seconds:
            counted.append((day, seconds))
        day += dt.timedelta(days=1)
    step = unit_seconds(unit)
    step_hours = step // SECONDS_PER_HOUR
    out: list[DayLength] = []
    running = units_before = 0
    for day, seconds in counted:
        running += seconds
        units = -(-running // step)  # the running total rounded up to whole units
        out.append(DayLength(day, (units - units_before) * step_hours, seconds))
        units_before = units
    return out


def duty_seconds(duty_day: DutyDay | None, start: dt.datetime, end: dt.datetime) -> int:
    """The span's counted duty time on one duty day, in seconds (0 on a day without duty).

    The usual day has two halves, split at its (first) break — 職員 07:30–12:00 and 13:00–16:30 — or,
    without a break, at the middle of its working time (teachers 08:00–12:00 and 12:00–16:00).
    A span covering a whole half counts it as **half a day, 4 hours**, whatever its real length, so a
    morning and an afternoon add up to the whole day (8 hours, whatever the window). A span covering
    part of a half, or a half that a disaster stop cut into (上午/下午停班), counts its real minutes of
    duty there, breaks and stopped time taken out, at most the 4 hours of the half.
    """
    if duty_day is None or not duty_day.has_duty or duty_day.start is None or duty_day.end is None:
        return 0
    day = duty_day.day
    window_start, window_end = _aware(day, duty_day.start), _aware(day, duty_day.end)
    breaks = [(_aware(day, b_start), _aware(day, b_end)) for b_start, b_end in duty_day.breaks]
    stopped = [(_aware(day, s_start), _aware(day, s_end)) for s_start, s_end in duty_day.work_off]
    total = 0
    for whole_from, whole_to, region_from, region_to in _halves(duty_day, duty_day.start, duty_day.end):
        untouched = not any(a < whole_to and b > whole_from for a, b in stopped)
        if untouched and start <= whole_from and end >= whole_to:
            total += HALF_DAY_SECONDS
            continue
        s, e = max(start, window_start, region_from), min(end, window_end, region_to)
        if e <= s:
            continue
        seconds = (e - s).total_seconds()
        for bs, be in breaks:
            seconds -= max(0.0, (min(e, be) - max(s, bs)).total_seconds())
        total += min(HALF_DAY_SECONDS, max(0, int(seconds)))
    return total


def _halves(
    duty_day: DutyDay, start: dt.time, end: dt.time
) -> list[tuple[dt.datetime, dt.datetime, dt.datetime, dt.datetime]]:
    """The morning and the afternoon of the usual day: (whole from, whole to, counted from, counted to).

    A half is covered whole by a span from "whole from" to "whole to". The morning starts at the
    schedule's own start, so the early arrival (國中部導師 07:30 早自習) is not needed to take it off;
    the minutes of a part are counted in the window between "counted from" and "counted to".
    """
    day = duty_day.day
    usual_start, usual_end = duty_day.usual_window or (duty_day.scheduled_start or start, end)
    begin, finish = _aware(day, usual_start), _aware(day, usual_end)
    usual_breaks = sorted(
        (_aware(day, b_start), _aware(day, b_end))
        for b_start, b_end in duty_day.breaks
        if (b_start, b_end) not in duty_day.work_off
    )
    inside = [(bs, be) for bs, be in usual_breaks if begin < bs and be < finish]
    if inside:
        split_start, split_end = inside[0]
    else:
        split_start = split_end = begin + (finish - begin) / 2
    earliest = _aware(day, dt.time.min)
    latest = earliest + dt.timedelta(days=1)
    return [(begin, split_start, earliest, split_start), (split_end, finish, split_start, latest)]


# --- Charges: which quota each hour draws on -----------------------------------------------------


@dataclass(frozen=True)
class Charge:
    day: dt.date
    leave_type_id: int
    bucket: str
    hours: int
    unpaid: bool = False
    overtime_id: int | None = None


@dataclass(frozen=True)
class Credit:
    """補休 earned from one settled overtime request."""

    overtime_id: int
    work_date: dt.date
    expires_on: dt.date
    hours: int


@dataclass
class Item:
    """One request's days, to be charged in date order (``strict``: refuse rather than overdraw)."""

    key: object
    rule: LeaveRule
    start: dt.datetime
    days: list[DayLength]
    event_key: str = ""
    event_date: dt.date | None = None
    strict: bool = False


@dataclass
class Ledger:
    """Allocates hours to quotas in date order, remembering what each quota has given so far.

    ``rule_for(type_id, day)`` finds the person's rule for a type on a day (None if none applies);
    ``type_names`` is only for messages. Preload ``used``/``own_total`` with charges that stay fixed.
    """

    hire_date: dt.date
    rule_for: Callable[[int, dt.date], LeaveRule | None]
    type_names: Mapping[int, str]
    credits: list[Credit] = field(default_factory=list)
    adjustments: Mapping[tuple[int, dt.date], int] = field(default_factory=dict)
    used: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))
    own_total: dict[tuple[int, str], int] = field(default_factory=lambda: defaultdict(int))

    def preload(self, charges: Iterable[tuple[int, str, int, bool]]) -> None:
        """(type_id, bucket, hours, unpaid) of charges that are not recomputed."""
        for type_id, bucket, hours, unpaid in charges:
            self.own_total[(type_id, bucket)] += hours
            if not unpaid:
                self.used[(type_id, bucket)] += hours

    def allocate(self, items: Iterable[Item], *, strict_last: bool = False) -> dict[object, list[Charge]]:
        """Charges per item key, days taken in date order (then by the request's start and order given).

        ``strict_last`` draws the strict items after all the others: the check that a new request
        fits without taking anything from the requests already made, whatever their dates.
        """
        entries = []
        for position, item in enumerate(items):
            for length in item.days:
                entries.append((strict_last and item.strict, length.day, item.start, position, item, length.hours))
        entries.sort(key=lambda e: e[:4])
        out: dict[object, list[Charge]] = defaultdict(list)
        for _last, day, _start, _pos, item, hours in entries:
            event = (item.event_key, item.event_date) if item.event_date else None
            out[item.key].extend(self._charge(item.rule, day, hours, event=event, strict=item.strict, depth=0))
        return out

    def buckets(
        self, rule: LeaveRule, day: dt.date, event: tuple[str, dt.date] | None
    ) -> list[tuple[str, int | None, int | None]]:
        """(bucket, granted hours or None, overtime id) in the order they are drawn on."""
        if rule.grant_kind == GrantKind.PER_EVENT:
            if event is None:
                return [(period_bucket(rule.period, day), 0, None)]
            key, event_day = event
            granted = granted_hours(rule, hire_date=self.hire_date, day=day, event_key=key)
            return [(event_bucket(key, event_day), granted, None)]
        if rule.grant_kind == GrantKind.OVERTIME:
            valid = [c for c in self.credits if c.work_date <= day <= c.expires_on]
            valid.sort(key=lambda c: (c.work_date, c.overtime_id))
            return [(overtime_bucket(c.overtime_id), c.hours, c.overtime_id) for c in valid] or [("OT", 0, None)]
        granted = granted_hours(rule, hire_date=self.hire_date, day=day, adjustments=self.adjustments)
        return [(period_bucket(rule.period, day), granted, None)]

    def _charge(
        self, rule: LeaveRule, day: dt.date, hours: int, *, event: tuple[str, dt.date] | None, strict: bool, depth: int
    ) -> list[Charge]:
        if depth > 5:
            raise LeaveError(_("假別規則互相併計形成循環，請人事室檢查設定"), code="rule_cycle")
        type_id = rule.leave_type_id
        buckets = self.buckets(rule, day, event)
        main_bucket = buckets[0][0]
        out: list[Charge] = []
        remaining = hours
        for bucket, granted, overtime_id in buckets:
            key = (type_id, bucket)
            available = remaining if granted is None else max(0, granted - self.used[key])
            take = min(remaining, available)
            if take:
                out.append(Charge(day, type_id, bucket, take, False, overtime_id))
                self.used[key] += take
                remaining -= take
            if not remaining:
                break
        if remaining:
            target = (
                self.rule_for(rule.overflow_to_id, day)
                if rule.over_quota == OverQuota.OVERFLOW and rule.overflow_to_id is not None
                else None
            )
            if rule.over_quota == OverQuota.UNPAID:
                out.append(Charge(day, type_id, main_bucket, remaining, unpaid=True))
            elif target is not None:
                out.extend(self._charge(target, day, remaining, event=None, strict=strict, depth=depth + 1))
            elif strict:
                raise LeaveError(
                    _("「%(type)s」額度不足（%(day)s 尚缺 %(short)s），此假別不可超過額度")
                    % {
                        "type": self.type_names.get(type_id, ""),
                        "day": day.isoformat(),
                        "short": format_days_hours(remaining),
                    },
                    code="insufficient_balance",
                )
            else:
                # An earlier request no longer fits (a rule was changed after it was approved):
                # keep it, counted as unpaid, for the personnel office to see.
                out.append(Charge(day, type_id, main_bucket, remaining, unpaid=True))
        if rule.draws_from_id:
            key = (type_id, main_bucket)
            free = days_to_hours(rule.draws_from_free_days)
            prior = self.own_total[key]
            self.own_total[key] = prior + hours
            inside = max(0, prior + hours - free) - max(0, prior - free)
            parent = self.rule_for(rule.draws_from_id, day)
            if inside and parent is not None:
                out.extend(self._charge(parent, day, inside, event=None, strict=strict, depth=depth + 1))
        else:
            self.own_total[(type_id, main_bucket)] += hours
        return out
