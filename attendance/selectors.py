"""Reads for the attendance pages, the API and the reports. Every list is scoped by staff/permissions.py."""

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attendance.models import DailyResult, DailyStatus, Punch, PunchCorrection, PunchKind, RecomputeJob
from attendance.rules import daily_result_row
from leave import selectors as leave_selectors
from leave.punches import PunchSpan
from leave.selectors import LeaveSpan
from schedules.calendar import DutyDay
from schedules.duty_cache import cached_duty_days
from staff import selectors as staff_selectors
from staff.models import Role, StaffMember, Unit
from staff.permissions import headed_unit_ids, is_school_wide, visible_staff_q
from staff.selectors import role_holders, school_people, school_units, units_by_ids


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


# --- Today ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Today:
    day: dt.date
    duty: DutyDay
    punch_in: Punch | None
    punch_out: Punch | None
    result: DailyResult  # computed now from the punches and the cached window (not read from the table)

    @property
    def next_kind(self) -> str:
        """The button the clock page makes big: 上班 until one is recorded, then 下班."""
        return PunchKind.OUT if self.punch_in is not None or self.punch_out is not None else PunchKind.IN

    @property
    def grace_minutes(self) -> int:
        return getattr(self.duty, "grace_minutes", 0) or 0


def duty_window(staff: StaffMember, day: dt.date) -> DutyDay:
    """The person's window on ``day`` from the shared duty cache (schedules.duty_cache): no query when the
    (school, category, day) entry is cached and the person has no schedule or granted stop of their own."""
    return cached_duty_days(staff, day, day)[(staff.pk, day)]


def today_for(staff: StaffMember, *, now: dt.datetime | None = None) -> Today:
    """What the clock page and the home card show: today's window, punches and result.

    The result is worked out here, at once, by the rule the recompute task applies
    (attendance.rules.daily_result_row) to the same facts: the punches, the approved leave and the
    day's window from the duty cache (duty_window). Two queries when the window is cached. The
    stored row follows a few seconds later, by the task.
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    punches = {p.kind: p for p in Punch.objects.filter(staff=staff, work_date=day)}
    duty = duty_window(staff, day)
    spans = leave_selectors.leave_spans(staff_ids=[staff.pk], start=day, end=day) if duty.has_duty else []
    punch_in, punch_out = punches.get(PunchKind.IN), punches.get(PunchKind.OUT)
    result = daily_result_row(
        staff,
        duty,
        punch_in=(punch_in.at, punch_in.is_correction) if punch_in else None,
        punch_out=(punch_out.at, punch_out.is_correction) if punch_out else None,
        spans=spans,
        now=now,
    )
    return Today(day=day, duty=duty, punch_in=punch_in, punch_out=punch_out, result=result)


def early_leave_minutes(staff: StaffMember, *, now: dt.datetime | None = None) -> int:
    """The minutes a 下班 punched at ``now`` would count as left early (0: not early).

    What the clock page asks about before it records such a punch. The same rule as the result
    (attendance.rules.daily_result_row) on the same facts, the prospective 下班 included. Cheap when the
    answer is plainly 0: no duty, or ``now`` at or past the window's end (leave can only bring the
    required leaving earlier) — the cached window, no query. Before the end: today's punches and
    the approved leave (two queries).
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    duty = duty_window(staff, day)
    end = duty.end_at() if duty.has_duty else None
    if end is None or now.replace(second=0, microsecond=0) >= end:
        return 0
    punch_in = Punch.objects.filter(staff=staff, work_date=day, kind=PunchKind.IN).first()
    spans = leave_selectors.leave_spans(staff_ids=[staff.pk], start=day, end=day)
    result = daily_result_row(
        staff,
        duty,
        punch_in=(punch_in.at, punch_in.is_correction) if punch_in else None,
        punch_out=(now, False),
        spans=spans,
        now=now,
    )
    return result.early_minutes


def day_detail(staff: StaffMember, day: dt.date) -> dict[str, Any]:
    """What lies behind one cell of the month sheet: the stored result, the punches, the leave (approved
    and in approval) and the 補登 requests of that person and day. Four queries."""
    return {
        "result": DailyResult.objects.filter(staff=staff, date=day).first(),
        "punches": list(Punch.objects.filter(staff=staff, work_date=day).order_by("at", "id")),
        "leave": leave_selectors.leave_spans(staff_ids=[staff.pk], start=day, end=day,
                                             statuses=("approved", "pending")),
        "corrections": list(
            PunchCorrection.objects.filter(staff=staff, date=day).select_related("decided_by")
            .order_by("requested_at", "id")
        ),
    }


# --- Recompute jobs ---


def recompute_jobs_visible(viewer: StaffMember) -> QuerySet[RecomputeJob]:
    """The progress records a person may follow: the jobs they started; for the school-wide roles,
    their school's jobs and those of more than one school (a city-wide typhoon day, a calendar import)."""
    visible = Q(started_by_id=viewer.user_id)
    if is_school_wide(viewer):
        visible |= Q(school_id=viewer.school_id) | Q(school__isnull=True)
    return RecomputeJob.objects.filter(visible).order_by("-created_at", "-id")


def recompute_jobs_started_by(user: AbstractBaseUser, *, since: dt.datetime) -> QuerySet[RecomputeJob]:
    """The progress records of the recomputes an account started since ``since``, newest first."""
    return RecomputeJob.objects.filter(started_by_id=user.pk, created_at__gte=since).order_by("-created_at", "-id")


# --- Lists ---------------------------------------------------------------------------------


def punches_of(staff: StaffMember) -> QuerySet[Punch]:
    return Punch.objects.filter(staff=staff).order_by("-at", "-id")


def results_visible(viewer: StaffMember) -> QuerySet[DailyResult]:
    """Daily results of everyone the viewer may see (self, their units, or their school)."""
    return (
        DailyResult.objects.filter(visible_staff_q(viewer, "staff__"), school_id=viewer.school_id)
        .select_related("staff", "staff__unit")
        .order_by("date", "staff__unit__name", "staff__employee_no")
    )


# Days without duty: a page listing them first would show nothing worth reading.
OFF_DAY_STATUSES = (DailyStatus.HOLIDAY, DailyStatus.NO_DUTY)


def results_newest_first(results: QuerySet[DailyResult], *, include_off_days: bool) -> QuerySet[DailyResult]:
    """The school view's order: the newest day first; 放假 and 免打卡 rows only when asked for.
    (The monthly report keeps its own order: date ascending, every row.)"""
    if not include_off_days:
        results = results.exclude(status__in=OFF_DAY_STATUSES)
    return results.order_by("-date", "staff__unit__name", "staff__employee_no")


def month_results(staff: StaffMember, year: int, month: int) -> dict[dt.date, DailyResult]:
    start, end = month_bounds(year, month)
    return {r.date: r for r in DailyResult.objects.filter(staff=staff, date__range=(start, end))}


@dataclass(frozen=True)
class MonthLeave:
    spans: list[LeaveSpan]  # approved and pending, by start
    by_day: dict[dt.date, list[LeaveSpan]]  # the spans touching each day of the month


def month_leave(staff: StaffMember, start: dt.date, end: dt.date) -> MonthLeave:
    """The person's approved and pending leave over ``start``..``end`` (leave's contract, one query).

    Pending leave is shown so a month says what is coming, marked as not yet approved; the daily
    results still count only approved leave (attendance.rules)."""
    spans = leave_selectors.leave_spans(staff_ids=[staff.pk], start=start, end=end, statuses=("approved", "pending"))
    by_day: dict[dt.date, list[LeaveSpan]] = {}
    for span in spans:
        first = max(timezone.localtime(span.start).date(), start)
        last = min(timezone.localtime(span.end - dt.timedelta(microseconds=1)).date(), end)
        day = first
        while day <= last:
            by_day.setdefault(day, []).append(span)
            day += dt.timedelta(days=1)
    return MonthLeave(spans=spans, by_day=by_day)


def units_for_head_view(viewer: StaffMember) -> QuerySet[Unit]:
    """The units whose members the viewer may review: every unit for school-wide roles, else the headed ones."""
    if is_school_wide(viewer):
        return school_units(school_id=viewer.school_id)
    return units_by_ids(headed_unit_ids(viewer))


def unit_members(unit: Unit) -> QuerySet[StaffMember]:
    return staff_selectors.unit_members(unit_id=unit.pk)


def unit_results(unit: Unit, start: dt.date, end: dt.date) -> dict[tuple[int, dt.date], DailyResult]:
    rows = DailyResult.objects.filter(staff__unit=unit, staff__is_active=True, date__range=(start, end))
    return {(r.staff_id, r.date): r for r in rows}


# --- Punched spans (CONTRACT for other modules) --------------------------------------------


def punch_spans(keys: Iterable[tuple[int, dt.date]]) -> dict[tuple[int, dt.date], PunchSpan]:
    """CONTRACT: the punched span of each (staff_id, work day) asked for, in ONE query; a key without
    any punch is absent from the answer. Leave reads overtime (加班) hours through it: it is registered
    as leave's punch source (``leave.punches``) in ``AttendanceConfig.ready``."""
    keys = set(keys)
    if not keys:
        return {}
    staff_ids = {staff_id for staff_id, _day in keys}
    days = [day for _staff_id, day in keys]
    found: dict[tuple[int, dt.date], dict[str, dt.datetime]] = {}
    rows = (
        Punch.objects.filter(staff_id__in=staff_ids, work_date__range=(min(days), max(days)))
        .order_by()
        .values_list("staff_id", "work_date", "kind", "at")
    )
    for staff_id, day, kind, at in rows:
        if (staff_id, day) in keys:
            found.setdefault((staff_id, day), {})[kind] = at
    return {
        key: PunchSpan(first_in=kinds.get(PunchKind.IN), last_out=kinds.get(PunchKind.OUT))
        for key, kinds in found.items()
    }


def punch_span(staff_id: int, day: dt.date) -> PunchSpan | None:
    """CONTRACT: one person's punched span on one day (one query), or None without any punch."""
    return punch_spans([(staff_id, day)]).get((staff_id, day))


# --- Corrections ---------------------------------------------------------------------------


def corrections_visible(viewer: StaffMember) -> QuerySet[PunchCorrection]:
    return (
        PunchCorrection.objects.filter(visible_staff_q(viewer, "staff__"))
        .select_related("staff", "staff__unit", "decided_by")
        .order_by("-requested_at", "-id")
    )


def corrections_to_decide(viewer: StaffMember) -> QuerySet[PunchCorrection]:
    """Pending corrections of other people the viewer may decide on (unit head, personnel, principal)."""
    return corrections_visible(viewer).filter(status=PunchCorrection.Status.PENDING).exclude(staff=viewer)


def correction_approvers(staff: StaffMember) -> list[StaffMember]:
    """Who is asked to decide a person's 補登: the head of their unit, else of the parent unit,
    else the school's personnel office."""
    unit = staff.unit
    while unit is not None:
        if unit.head is not None and unit.head_id != staff.pk:
            return [unit.head]
        unit = unit.parent
    return list(role_holders(school_id=staff.school_id, role=Role.PERSONNEL).exclude(pk=staff.pk))


def corrections_used_this_month(staff: StaffMember, day: dt.date) -> int:
    start, end = month_bounds(day.year, day.month)
    return PunchCorrection.objects.filter(
        staff=staff,
        date__range=(start, end),
        status__in=[PunchCorrection.Status.PENDING, PunchCorrection.Status.APPROVED],
    ).count()


# --- Monthly report ------------------------------------------------------------------------

REPORT_COLUMNS = [
    ("employee_no", _("員工編號")),
    ("name", _("姓名")),
    ("unit", _("處室")),
    ("category", _("人員類別")),
    ("duty_days", _("應出勤日數")),
    ("on_time", _("正常")),
    ("late", _("遲到次數")),
    ("late_minutes", _("遲到分鐘")),
    ("left_early", _("早退次數")),
    ("early_minutes", _("早退分鐘")),
    ("missing_in", _("未刷上班卡")),
    ("missing_out", _("未刷下班卡")),
    ("absent", _("缺勤")),
    ("leave", _("請假（全日）")),
    ("partial_leave", _("部分請假")),
    ("corrected", _("補登卡數")),
]

_DUTY_STATUSES = [
    s for s in DailyStatus.values if s not in (DailyStatus.HOLIDAY, DailyStatus.NO_DUTY, DailyStatus.PENDING)
]


def monthly_report(
    viewer: StaffMember, start: dt.date, end: dt.date, *, unit_id: int | None = None, category: str | None = None
) -> list[dict[str, Any]]:
    """One row per person with counts for the period: two queries (people, one aggregate)."""
    people = (
        school_people(school_id=viewer.school_id).filter(visible_staff_q(viewer))
        .select_related("unit")
        .order_by("unit__name", "employee_no")
    )
    results = DailyResult.objects.filter(
        visible_staff_q(viewer, "staff__"), school_id=viewer.school_id, date__range=(start, end)
    )
    if unit_id:
        people = people.filter(unit_id=unit_id)
        results = results.filter(staff__unit_id=unit_id)
    if category:
        people = people.filter(category=category)
        results = results.filter(staff__category=category)
    aggregates: dict[int, Mapping[str, Any]] = {
        row["staff_id"]: row
        for row in results.values("staff_id").annotate(
            duty_days=Count("pk", filter=Q(status__in=_DUTY_STATUSES)),
            on_time=Count("pk", filter=Q(status=DailyStatus.ON_TIME)),
            late=Count("pk", filter=Q(late_minutes__gt=0)),
            late_minutes=Sum("late_minutes"),
            left_early=Count("pk", filter=Q(early_minutes__gt=0)),
            early_minutes=Sum("early_minutes"),
            missing_in=Count("pk", filter=Q(status=DailyStatus.MISSING_IN)),
            missing_out=Count("pk", filter=Q(status=DailyStatus.MISSING_OUT)),
            absent=Count("pk", filter=Q(status=DailyStatus.ABSENT)),
            leave=Count("pk", filter=Q(status=DailyStatus.LEAVE)),
            partial_leave=Count("pk", filter=Q(status=DailyStatus.PARTIAL_LEAVE)),
            in_corrected=Count("pk", filter=Q(in_corrected=True)),
            out_corrected=Count("pk", filter=Q(out_corrected=True)),
        )
    }
    rows = []
    for person in people:
        agg = aggregates.get(person.pk, {})
        row: dict[str, Any] = {
            "employee_no": person.employee_no,
            "name": person.name,
            "unit": person.unit.name if person.unit else "",
            "category": person.get_category_display(),
        }
        for key, _label in REPORT_COLUMNS[4:]:
            if key == "corrected":
                row[key] = (agg.get("in_corrected") or 0) + (agg.get("out_corrected") or 0)
            else:
                row[key] = agg.get(key) or 0
        rows.append(row)
    return rows


# --- Figures for the overviews (offices) --------------------------------------------------------

EXCEPTION_STATUSES = (
    DailyStatus.LATE, DailyStatus.LEFT_EARLY, DailyStatus.MISSING_IN, DailyStatus.MISSING_OUT, DailyStatus.ABSENT,
)


def exception_counts(
    *, school_ids: Iterable[int], start: dt.date, end: dt.date, staff_ids: Iterable[int] | None = None
) -> dict[int, dict[str, int]]:
    """{school id: {status: days}} of the attendance exceptions (late, early, missing punches, absent)
    between start and end. One query whatever the number of schools; ``staff_ids`` (a list or a
    ``values("pk")`` queryset) narrows it to some people."""
    rows = DailyResult.objects.filter(
        school_id__in=list(school_ids), date__range=(start, end), status__in=EXCEPTION_STATUSES
    )
    if staff_ids is not None:
        rows = rows.filter(staff_id__in=staff_ids)
    out: dict[int, dict[str, int]] = {}
    for row in rows.values("school_id", "status").annotate(days=Count("pk")).order_by():
        out.setdefault(row["school_id"], {})[row["status"]] = row["days"]
    return out
