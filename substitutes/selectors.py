"""Reads of the coverage module: the dashboard, candidates for a need, conflicts, the pay report."""

import datetime as dt
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from leave.selectors import leave_spans
from schedules.calendar import calendar_days
from schedules.timetables_selectors import (
    semester_on,
    subjects_by_teacher,
    teacher_teaching_during,
    teachers_teaching_at,
)
from staff.models import TEACHER_CATEGORIES, Role, School, StaffCategory, StaffMember
from staff.selectors import heads_a_unit_q, holds_role_q, school_people
from substitutes.filters import DashboardNeedFilter
from substitutes.models import (
    AbsenceSpan,
    CoverageAssignment,
    CoverageNeed,
    CoverageSettings,
    HourlyRate,
    Payer,
    SubstituteProfile,
)
from substitutes.states import HOLDING

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# Why someone cannot take a period; the same codes the assignment service refuses with.
ON_LEAVE = "on_leave"
TEACHING = "teaching"
COVERING = "covering"

LIVE = ~Q(status=CoverageNeed.Status.CANCELLED)
ACTIVE = CoverageAssignment.Status.ACTIVE
# Needs still to be arranged: open, or offered and not answered yet.
UNSETTLED = (CoverageNeed.Status.OPEN, CoverageNeed.Status.OFFERED)


def can_arrange(viewer: StaffMember | None, school_id: int | None = None) -> bool:
    """Academic affairs (教學組) arrange cover for their own school; nobody else does."""
    return (
        viewer is not None
        and viewer.has_role(Role.ACADEMIC_AFFAIRS)
        and (school_id is None or viewer.school_id == school_id)
    )


def offers_enabled(*, school_id: int) -> bool:
    """Whether the school offers cover first (提供) rather than assigning it directly (1 query)."""
    return CoverageSettings.objects.filter(school_id=school_id, offers_enabled=True).exists()


def pending_offers(*, staff: StaffMember) -> QuerySet[CoverageAssignment]:
    """Offers made to a person and not answered yet, in time order (1 query when evaluated)."""
    return (
        CoverageAssignment.objects.filter(substitute=staff, status=CoverageAssignment.Status.OFFERED)
        .select_related("need", "need__teacher")
        .order_by("date", "starts_at")
    )


def can_see_pay(viewer: StaffMember | None) -> bool:
    """The pay report: academic affairs, who arrange, and personnel and the principal, who pay."""
    return viewer is not None and bool(
        viewer.roles_set & {Role.ACADEMIC_AFFAIRS, Role.PERSONNEL, Role.PRINCIPAL}
    )



def coverage_settings(*, school_id: int) -> CoverageSettings:
    """The school's coverage rules: its row, or the defaults (an unsaved row) when it has none (1 query)."""
    return CoverageSettings.objects.filter(school_id=school_id).first() or CoverageSettings(school_id=school_id)


def busy_reasons(
    *,
    school: School,
    staff_ids: Iterable[int],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    exclude_need_id: int | None = None,
) -> dict[int, str]:
    """Who among staff_ids cannot be in a class during [starts_at, ends_at), and why.

    One rule for the candidate list and for the assignment service. Queries: recorded absences
    and leave spans (1 + the leave module's 1), the timetable (1), assignments including
    swaps' return legs (1).
    """
    ids = set(staff_ids)
    reasons: dict[int, str] = {}
    if not ids:
        return reasons
    day = timezone.localtime(starts_at).date()

    away = AbsenceSpan.objects.filter(
        teacher_id__in=ids, start__lt=ends_at, end__gt=starts_at
    ).exclude(absence__status="cancelled")
    for staff_id in away.values_list("teacher_id", flat=True):
        reasons.setdefault(staff_id, ON_LEAVE)
    for span in leave_spans(staff_ids=ids, start=day, end=day, statuses=("approved", "pending")):
        if span.start < ends_at and span.end > starts_at:
            reasons.setdefault(span.staff_id, ON_LEAVE)

    for staff_id in teachers_teaching_at(school=school, starts_at=starts_at, ends_at=ends_at) & ids:
        reasons.setdefault(staff_id, TEACHING)

    # Scoped to the school (a substitute is always of the need's school): without it the OR over a
    # join reads every active assignment of every school in the city, on each candidate list.
    covering = CoverageAssignment.objects.filter(school=school, status__in=HOLDING).filter(
        Q(substitute_id__in=ids, starts_at__lt=ends_at, ends_at__gt=starts_at)
        | Q(kind=CoverageAssignment.Kind.SWAP, need__teacher_id__in=ids,
            swap_starts_at__lt=ends_at, swap_ends_at__gt=starts_at)
    )
    if exclude_need_id:
        covering = covering.exclude(need_id=exclude_need_id)
    for substitute_id, slot_start, slot_end, absent_id, swap_start, swap_end in covering.values_list(
        "substitute_id", "starts_at", "ends_at", "need__teacher_id", "swap_starts_at", "swap_ends_at"
    ):
        if substitute_id in ids and slot_start < ends_at and slot_end > starts_at:
            reasons.setdefault(substitute_id, COVERING)
        # A swap's return leg: the absent teacher teaches the substitute's class then.
        if absent_id in ids and swap_start and swap_end and swap_start < ends_at and swap_end > starts_at:
            reasons.setdefault(absent_id, COVERING)
    return reasons


def busy_reasons_during(
    *,
    school: School,
    staff_id: int,
    windows: Sequence[tuple[Hashable, dt.datetime, dt.datetime]],
    exclude_need_ids: Iterable[int] = (),
) -> dict[Hashable, str]:
    """busy_reasons for one person over many windows (key, starts_at, ends_at) at once: for each
    window where they cannot be in a class, why — the same three rules in the same order.

    Queries, whatever the number of windows: recorded absences (1), the leave module's spans (1),
    the timetable (1), assignments including swaps' return legs (1).
    """
    reasons: dict[Hashable, str] = {}
    if not windows:
        return reasons
    low = min(start for _k, start, _e in windows)
    high = max(end for _k, _s, end in windows)
    first_day = timezone.localtime(low).date()
    last_day = timezone.localtime(high).date()

    away = [
        *AbsenceSpan.objects.filter(teacher_id=staff_id, start__lt=high, end__gt=low)
        .exclude(absence__status="cancelled").values_list("start", "end"),
        *(
            (span.start, span.end)
            for span in leave_spans(
                staff_ids=[staff_id], start=first_day, end=last_day, statuses=("approved", "pending")
            )
        ),
    ]
    teaching = teacher_teaching_during(school=school, teacher_id=staff_id, windows=windows)
    covering = CoverageAssignment.objects.filter(school=school, status__in=HOLDING).filter(
        Q(substitute_id=staff_id, starts_at__lt=high, ends_at__gt=low)
        | Q(kind=CoverageAssignment.Kind.SWAP, need__teacher_id=staff_id, swap_starts_at__lt=high, swap_ends_at__gt=low)
    )
    exclude = list(exclude_need_ids)
    if exclude:
        covering = covering.exclude(need_id__in=exclude)
    slots: list[tuple[dt.datetime, dt.datetime]] = []
    for substitute_id, slot_start, slot_end, absent_id, swap_start, swap_end in covering.values_list(
        "substitute_id", "starts_at", "ends_at", "need__teacher_id", "swap_starts_at", "swap_ends_at"
    ):
        if substitute_id == staff_id:
            slots.append((slot_start, slot_end))
        if absent_id == staff_id and swap_start and swap_end:
            slots.append((swap_start, swap_end))

    def overlaps(spans: Iterable[tuple[dt.datetime, dt.datetime]], start: dt.datetime, end: dt.datetime) -> bool:
        return any(s < end and e > start for s, e in spans)

    for key, starts_at, ends_at in windows:
        if overlaps(away, starts_at, ends_at):
            reasons[key] = ON_LEAVE
        elif key in teaching:
            reasons[key] = TEACHING
        elif overlaps(slots, starts_at, ends_at):
            reasons[key] = COVERING
    return reasons


@dataclass
class Candidate:
    staff: StaffMember
    same_subject: bool
    month_count: int
    subjects: list[str]
    pool: bool
    reason: str | None = None
    # 0 an ordinary teacher; 1 the head of a unit (主任, 組長); 2 the principal. Heads and the principal
    # are still offered, but after everyone else: their days are full of duties outside class.
    office: int = 0

    @property
    def available(self) -> bool:
        return self.reason is None


@dataclass
class Candidates:
    internal: list[Candidate] = field(default_factory=list)
    pool: list[Candidate] = field(default_factory=list)
    unavailable: list[Candidate] = field(default_factory=list)


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return first, last


def coverage_candidates(*, need: CoverageNeed) -> Candidates:
    """Teachers who could take the need, best first: free in that period and not on leave; ordinary
    teachers before heads of units, and the principal last; then same subject first; then fewest
    periods covered this month. Hourly 代課教師 form the outside pool.

    Queries: staff with profiles, headship and the principal's role (1), busy_reasons (4), subjects
    this semester (2), this month's counts (1).
    """
    school = need.school
    staff = list(
        school_people(school_id=school.pk)
        .exclude(category=StaffCategory.CIVIL_STAFF)
        .exclude(pk=need.teacher_id)
        .select_related("substitute_profile", "unit")
        .annotate(
            heads_a_unit=heads_a_unit_q(),
            is_principal=holds_role_q(Role.PRINCIPAL),
        )
        .order_by("name")
    )
    ids = [s.pk for s in staff]
    reasons = busy_reasons(school=school, staff_ids=ids, starts_at=need.starts_at, ends_at=need.ends_at)
    subjects = subjects_by_teacher(school=school, semester=semester_on(school=school, day=need.date))
    first, last = month_bounds(need.date)
    counts = dict(
        CoverageAssignment.objects.filter(
            substitute_id__in=ids, status=ACTIVE, kind=CoverageAssignment.Kind.SUBSTITUTE,
            date__gte=first, date__lte=last,
        )
        .values("substitute_id")
        .annotate(n=Count("id"))
        .values_list("substitute_id", "n")
    )
    out = Candidates()
    for s in staff:
        profile: SubstituteProfile | None = getattr(s, "substitute_profile", None)
        pool = s.category == StaffCategory.HOURLY_SUBSTITUTE
        if profile is not None and not profile.is_available:
            continue
        taught = set(subjects.get(s.pk, set()))
        if profile is not None:
            taught.update(profile.subject_list)
        candidate = Candidate(
            staff=s, same_subject=need.subject in taught, month_count=counts.get(s.pk, 0),
            subjects=sorted(taught), pool=pool, reason=reasons.get(s.pk),
            office=2 if s.is_principal else 1 if s.heads_a_unit else 0,
        )
        if not candidate.available:
            out.unavailable.append(candidate)
        elif pool:
            out.pool.append(candidate)
        else:
            out.internal.append(candidate)
    rank = lambda c: (c.office, not c.same_subject, c.month_count, c.staff.name)  # noqa: E731
    out.internal.sort(key=rank)
    out.pool.sort(key=rank)
    return out


# --- Lists ---------------------------------------------------------------------------


def _with_assignment(qs: QuerySet[CoverageNeed]) -> QuerySet[CoverageNeed]:
    return qs.select_related("teacher", "absence").prefetch_related(
        Prefetch(
            "assignments",
            queryset=CoverageAssignment.objects.filter(status__in=HOLDING).select_related("substitute"),
            to_attr="active_assignments",
        )
    )


def coverage_need_list(*, school: School) -> QuerySet[CoverageNeed]:
    """Needs of a school with their active assignment, for the API (3 queries when evaluated);
    the API filters it with substitutes.filters.CoverageNeedFilter."""
    return _with_assignment(CoverageNeed.objects.filter(school=school)).order_by(
        F("declined_at").desc(nulls_last=True), "date", "starts_at", "class_name"
    )


def coverage_assignment_list(*, school: School) -> QuerySet[CoverageAssignment]:
    return (
        CoverageAssignment.objects.filter(school=school)
        .select_related("substitute")
        .order_by("date", "starts_at", "id")
    )


@dataclass
class DashboardDay:
    date: dt.date
    needs: list[CoverageNeed]

    @property
    def open_count(self) -> int:
        return sum(1 for n in self.needs if n.status == CoverageNeed.Status.OPEN)


@dataclass
class Dashboard:
    days: list[DashboardDay]
    overdue: list[CoverageNeed]
    open_total: int
    # Open needs a substitute declined, the latest first: back on the list, at the top.
    declined: list[CoverageNeed] = field(default_factory=list)
    # Offers not answered yet: who has not answered.
    offered: list[CoverageNeed] = field(default_factory=list)
    # The classes the filter offers: those of the needs listed when nothing is narrowed.
    classes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NeedSelection:
    """Narrow the dashboard to one absence, one class, one day or a range of days, or the absent teacher as
    typed (to find them, and to give them to one substitute)."""

    absence_id: int | None = None
    class_name: str = ""
    day: dt.date | None = None
    teacher: str = ""  # as typed: part of the name, the employee number or the account (PersonFilter)
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @property
    def active(self) -> bool:
        return bool(self.absence_id or self.class_name or self.day or self.teacher or self.date_from or self.date_to)

    def apply(self, qs: QuerySet[CoverageNeed]) -> QuerySet[CoverageNeed]:
        data = {
            "absence": self.absence_id, "class_name": self.class_name, "teacher": self.teacher,
            "date": self.day, "date_from": self.date_from, "date_to": self.date_to,
        }
        filtered: QuerySet[CoverageNeed] = DashboardNeedFilter({k: v for k, v in data.items() if v}, queryset=qs).qs
        return filtered  # django-filter has no types: its .qs is the filtered queryset given


def coverage_dashboard(
    *, school: School, today: dt.date, only_open: bool = False, selection: NeedSelection | None = None
) -> Dashboard:
    """Live needs from today on, by date (today first), and past needs still uncovered.

    ``only_open``: the needs still to be arranged (open, or offered and not answered). The needs a
    substitute declined and the offers not answered yet are also listed apart, declined first.

    Queries: upcoming needs with teacher and absence (1), their active or offered assignments with
    substitutes (1), past open needs with teacher and absence (1), the classes of the needs it lists when
    nothing is narrowed, for the filter (1).
    """
    selection = selection or NeedSelection()
    upcoming = selection.apply(CoverageNeed.objects.filter(LIVE, school=school, date__gte=today))
    if only_open:
        upcoming = upcoming.filter(status__in=UNSETTLED)
    days: dict[dt.date, DashboardDay] = {}
    for need in _with_assignment(upcoming).order_by("date", "starts_at", "class_name"):
        days.setdefault(need.date, DashboardDay(need.date, [])).needs.append(need)
    overdue = list(
        selection.apply(CoverageNeed.objects.filter(school=school, date__lt=today, status=CoverageNeed.Status.OPEN))
        .select_related("teacher", "absence")
        .order_by("-date", "starts_at")[:100]
    )
    open_total = sum(d.open_count for d in days.values()) + len(overdue)
    upcoming_needs = [n for d in days.values() for n in d.needs]
    declined = sorted(
        (n for n in upcoming_needs if n.status == CoverageNeed.Status.OPEN and n.declined_at),
        key=_latest_declined_first,
    )
    offered = [n for n in upcoming_needs if n.status == CoverageNeed.Status.OFFERED]
    classes = list(
        CoverageNeed.objects.filter(school=school)
        .filter(Q(LIVE, date__gte=today) | Q(date__lt=today, status=CoverageNeed.Status.OPEN))
        .values_list("class_name", flat=True).distinct().order_by("class_name")
    )
    return Dashboard(days=list(days.values()), overdue=overdue, open_total=open_total, declined=declined,
                     offered=offered, classes=classes)


def _latest_declined_first(need: CoverageNeed) -> tuple[float, dt.datetime]:
    return (-need.declined_at.timestamp() if need.declined_at else 0.0, need.starts_at)


def substitute_choices(*, school: School) -> list[StaffMember]:
    """Everyone of the school who may be asked to cover (teachers and the hourly pool), by name (1 query)."""
    return list(
        school_people(school_id=school.pk).filter(category__in=TEACHER_CATEGORIES)
        .exclude(substitute_profile__is_available=False)
        .only("pk", "name", "title", "category")
        .order_by("category", "name")
    )


def assignments_for(*, staff: StaffMember, since: dt.date) -> QuerySet[CoverageAssignment]:
    """A person's own cover duties from a date on (as substitute), for 「我的代課」."""
    return (
        CoverageAssignment.objects.filter(substitute=staff, status=ACTIVE, date__gte=since)
        .select_related("need", "need__teacher")
        .order_by("date", "starts_at")
    )


def covered_for(*, staff: StaffMember, since: dt.date) -> QuerySet[CoverageNeed]:
    """A teacher's own classes that need or have cover, from a date on."""
    return _with_assignment(CoverageNeed.objects.filter(LIVE, teacher=staff, date__gte=since)).order_by(
        "date", "starts_at"
    )


# --- Pay --------------------------------------------------------------------------------


def rate_subquery() -> Subquery:
    """The rate in force for an assignment's division on its date: the latest row taking effect on
    or before that date, the school's own row winning over the city's from the same date."""
    return Subquery(
        HourlyRate.objects.filter(
            Q(school_id=OuterRef("school_id")) | Q(school__isnull=True),
            division=OuterRef("division"),
            effective_from__lte=OuterRef("date"),
        )
        .order_by("-effective_from", F("school_id").asc(nulls_last=True))
        .values("amount")[:1]
    )


def paid_assignments(*, school: School, first: dt.date, last: dt.date) -> QuerySet[CoverageAssignment]:
    return CoverageAssignment.objects.filter(
        school=school, status=ACTIVE, kind=CoverageAssignment.Kind.SUBSTITUTE, date__gte=first, date__lte=last
    )


@dataclass
class PayRow:
    substitute_id: int
    employee_no: str
    name: str
    category: str
    paid_by: str
    periods: int
    amount: int

    @property
    def paid_by_label(self) -> str:
        return str(Payer(self.paid_by).label)


class Rated(TypedDict):
    """An assignment priced by ``rate_subquery``: the rate of its day (None without a rate in force)."""

    rate: int | None


@dataclass
class PayReport:
    year: int
    month: int
    rows: list[PayRow]
    lines: list["WithAnnotations[CoverageAssignment, Rated]"]

    @property
    def total_periods(self) -> int:
        return sum(r.periods for r in self.rows)

    @property
    def total_amount(self) -> int:
        return sum(r.amount for r in self.rows)

    def total_for(self, paid_by: str) -> int:
        return sum(r.amount for r in self.rows if r.paid_by == paid_by)

    @property
    def school_total(self) -> int:
        return self.total_for(Payer.SCHOOL)

    @property
    def teacher_total(self) -> int:
        return self.total_for(Payer.TEACHER)


def pay_report(*, school: School, year: int, month: int, with_lines: bool = True) -> PayReport:
    """Each substitute's covered periods in a month, by payer, priced at the rate of each day.

    Queries: the totals grouped by substitute and payer, priced in the database (1); the lines
    with their rate, need and absent teacher (1, when asked for).
    """
    first, last = month_bounds(dt.date(year, month, 1))
    base = paid_assignments(school=school, first=first, last=last).annotate(rate=rate_subquery())
    grouped = (
        base.values("substitute_id", "substitute__employee_no", "substitute__name", "substitute__category", "paid_by")
        .annotate(periods=Count("id"), amount=Sum("rate"))
        .order_by("substitute__name", "substitute_id", "paid_by")
    )
    rows = [
        PayRow(
            substitute_id=g["substitute_id"], employee_no=g["substitute__employee_no"], name=g["substitute__name"],
            category=g["substitute__category"], paid_by=g["paid_by"], periods=g["periods"], amount=g["amount"] or 0,
        )
        for g in grouped
    ]
    lines: list[WithAnnotations[CoverageAssignment, Rated]] = []
    if with_lines:
        lines = list(
            base.select_related("substitute", "need", "need__teacher", "need__absence").order_by(
                "substitute__name", "date", "starts_at"
            )
        )
    return PayReport(year=year, month=month, rows=rows, lines=lines)


# --- Today's cover board (今日調代課) ----------------------------------------------------

BOARD_LOOKAHEAD_DAYS = 14  # how far "the next day with classes" is looked for (a long holiday)


@dataclass
class BoardRow:
    """One class period taught by someone other than its usual teacher."""

    kind: str  # "substitute" 代課, "swap" 調課, "swap_return" the return leg of a swap (還課)
    period_number: int
    period_label: str
    starts_at: dt.datetime | None
    class_name: str
    subject: str
    room: str
    absent: str  # whose class it is
    covering: str  # who teaches it instead
    covering_id: int
    assignment_id: int


@dataclass
class BoardDay:
    date: dt.date
    rows: list[BoardRow]


def board_days(*, school: School | int, today: dt.date) -> list[dt.date]:
    """Today and the next day with classes after it (skipping weekends and holidays): 3 queries."""
    school_id = school if isinstance(school, int) else school.pk
    later = [
        c.day
        for c in calendar_days(school_id, today + dt.timedelta(days=1), today + dt.timedelta(days=BOARD_LOOKAHEAD_DAYS))
        if c.school_day
    ]
    return [today, *later[:1]]


def _board_rows(assignments: Iterable[CoverageAssignment], days: list[dt.date]) -> list[BoardDay]:
    by_day: dict[dt.date, list[BoardRow]] = {day: [] for day in days}
    for a in assignments:
        need = a.need
        if a.date in by_day:
            by_day[a.date].append(BoardRow(
                kind=a.kind, period_number=a.period_number, period_label=need.period_label, starts_at=a.starts_at,
                class_name=need.class_name, subject=need.subject, room=need.room, absent=need.teacher.name,
                covering=a.substitute.name, covering_id=a.substitute_id, assignment_id=a.pk,
            ))
        # A swap has its return date and period (the table's constraint).
        if a.kind == CoverageAssignment.Kind.SWAP and a.swap_date in by_day and a.swap_period_number is not None:
            # The return leg: the absent teacher teaches the colleague's class in the colleague's place.
            by_day[a.swap_date].append(BoardRow(
                kind="swap_return", period_number=a.swap_period_number, period_label="", starts_at=a.swap_starts_at,
                class_name=a.swap_class_name, subject=a.swap_subject, room="", absent=a.substitute.name,
                covering=need.teacher.name, covering_id=need.teacher_id, assignment_id=a.pk,
            ))
    for rows in by_day.values():
        rows.sort(key=lambda r: (r.starts_at or dt.datetime.max.replace(tzinfo=dt.UTC), r.period_number, r.class_name))
    return [BoardDay(day, rows) for day, rows in by_day.items()]


def cover_board(*, school: School, today: dt.date) -> list[BoardDay]:
    """The school's substitutions and swaps (with swaps' return legs) today and on the next day with
    classes, each day ordered by period. Queries: the calendar (3), the assignments with their need,
    absent teacher and substitute (1)."""
    days = board_days(school=school, today=today)
    assignments = (
        CoverageAssignment.objects.filter(school=school, status=ACTIVE)
        .filter(Q(date__in=days) | Q(kind=CoverageAssignment.Kind.SWAP, swap_date__in=days))
        .select_related("need", "need__teacher", "substitute")
    )
    return _board_rows(assignments, days)


def my_cover_board(*, staff: StaffMember, today: dt.date) -> list[BoardDay]:
    """One person's own cover duties today and on the next day with classes: periods they cover and
    swaps' return legs they owe (the home card). Queries: the calendar (3), the assignments (1)."""
    days = board_days(school=staff.school_id, today=today)
    assignments = (
        CoverageAssignment.objects.filter(school_id=staff.school_id, status=ACTIVE)
        .filter(
            Q(substitute=staff, date__in=days)
            | Q(kind=CoverageAssignment.Kind.SWAP, need__teacher=staff, swap_date__in=days)
        )
        .select_related("need", "need__teacher", "substitute")
    )
    board = _board_rows(assignments, days)
    for day in board:  # only the periods this person teaches (not their own swapped-away class)
        day.rows = [r for r in day.rows if r.covering_id == staff.pk]
    return board


# --- Fairness (代課節數統計) ---------------------------------------------------------------

FAIRNESS_SORTS = ("month", "semester", "name")


@dataclass
class FairnessRow:
    """One teacher's cover periods. Taken: active 代課 and 調課. Offered: the offers (提供) made to them, answered
    or still waiting; declined: those they declined (offers taken back before an answer leave no trace)."""

    staff: StaffMember
    month_substitute: int
    month_swap: int
    semester_substitute: int
    semester_swap: int
    month_offered: int = 0
    month_declined: int = 0
    semester_offered: int = 0
    semester_declined: int = 0

    @property
    def month_total(self) -> int:
        return self.month_substitute + self.month_swap

    @property
    def semester_total(self) -> int:
        return self.semester_substitute + self.semester_swap

    @property
    def any(self) -> bool:
        return bool(self.semester_total or self.semester_offered or self.month_total or self.month_offered)


@dataclass
class Fairness:
    month_first: dt.date
    month_last: dt.date
    semester: object | None  # schedules.models.Semester
    rows: list[FairnessRow]

    @property
    def month_max(self) -> int:
        return max((r.month_total for r in self.rows), default=0)

    @property
    def semester_max(self) -> int:
        return max((r.semester_total for r in self.rows), default=0)

    @property
    def chart(self) -> list["FairnessBar"]:
        """The bar chart: the teachers with anything taken, offered or declined, in the table's order."""
        scale = max((max(r.month_total + r.month_declined, r.semester_total + r.semester_declined)
                     for r in self.rows), default=0) or 1
        return [FairnessBar(r, scale) for r in self.rows if r.any]


@dataclass
class FairnessBar:
    """A row of the bar chart: lengths in percent of the longest bar of the chart."""

    row: FairnessRow
    scale: int

    def _pct(self, n: int) -> int:
        return round(100 * n / self.scale)

    @property
    def month_taken(self) -> int:
        return self._pct(self.row.month_total)

    @property
    def month_declined(self) -> int:
        return self._pct(self.row.month_declined)

    @property
    def semester_taken(self) -> int:
        return self._pct(self.row.semester_total)

    @property
    def semester_declined(self) -> int:
        return self._pct(self.row.semester_declined)


def coverage_fairness(*, school: School, today: dt.date, sort: str = "month") -> Fairness:
    """Per teacher of the school (the hourly pool included), the periods covered this month and this
    semester, 代課 and 調課 apart (only active assignments count), and the offers (提供) made to them and
    declined, by the day of the period. Sorted by most this month (or this semester, or name). Queries:
    the semester (1), the teachers with their counts (1)."""
    first, last = month_bounds(today)
    semester = semester_on(school=school, day=today)
    ours = Q(coverage_assignments__school=school)
    mine = ours & Q(coverage_assignments__status=ACTIVE)
    # An offer: waiting for its answer, or answered (accepted or declined; answered_at is set only then).
    offered = ours & (
        Q(coverage_assignments__status=CoverageAssignment.Status.OFFERED)
        | Q(coverage_assignments__answered_at__isnull=False)
    )
    declined = ours & Q(coverage_assignments__status=CoverageAssignment.Status.DECLINED)
    sub = Q(coverage_assignments__kind=CoverageAssignment.Kind.SUBSTITUTE)
    swap = Q(coverage_assignments__kind=CoverageAssignment.Kind.SWAP)
    in_month = Q(coverage_assignments__date__gte=first, coverage_assignments__date__lte=last)
    in_semester = (
        Q(coverage_assignments__date__gte=semester.start_date, coverage_assignments__date__lte=semester.end_date)
        if semester else Q(coverage_assignments__date__isnull=True)  # no semester today: nothing counts
    )
    staff = (
        school_people(school_id=school.pk).filter(category__in=TEACHER_CATEGORIES)
        .annotate(
            m_sub=Count("coverage_assignments", filter=mine & sub & in_month),
            m_swap=Count("coverage_assignments", filter=mine & swap & in_month),
            s_sub=Count("coverage_assignments", filter=mine & sub & in_semester),
            s_swap=Count("coverage_assignments", filter=mine & swap & in_semester),
            m_offered=Count("coverage_assignments", filter=offered & in_month),
            m_declined=Count("coverage_assignments", filter=declined & in_month),
            s_offered=Count("coverage_assignments", filter=offered & in_semester),
            s_declined=Count("coverage_assignments", filter=declined & in_semester),
        )
        .order_by("name", "pk")
    )
    rows = [
        FairnessRow(s, s.m_sub, s.m_swap, s.s_sub, s.s_swap, month_offered=s.m_offered, month_declined=s.m_declined,
                    semester_offered=s.s_offered, semester_declined=s.s_declined)
        for s in staff
    ]
    if sort == "semester":
        rows.sort(key=lambda r: (-r.semester_total, -r.month_total, r.staff.name))
    elif sort != "name":
        rows.sort(key=lambda r: (-r.month_total, -r.semester_total, r.staff.name))
    return Fairness(month_first=first, month_last=last, semester=semester, rows=rows)


# --- Figures for the overviews (offices) --------------------------------------------------------


def coverage_counts(
    *, school_ids: Iterable[int], start: dt.date, end: dt.date, teacher_ids: Iterable[int] | None = None
) -> dict[int, dict[dt.date, dict[str, int]]]:
    """{school id: {day: {"open": n, "covered": n}}} of the class periods needing cover between start and
    end (cancelled ones left out). One query whatever the number of schools; ``teacher_ids`` narrows it
    to the absent teachers of a unit."""
    needs = CoverageNeed.objects.filter(
        school_id__in=list(school_ids), date__range=(start, end),
        status__in=[CoverageNeed.Status.OPEN, CoverageNeed.Status.COVERED],
    )
    if teacher_ids is not None:
        needs = needs.filter(teacher_id__in=teacher_ids)
    out: dict[int, dict[dt.date, dict[str, int]]] = {}
    for row in needs.values("school_id", "date", "status").annotate(n=Count("pk")).order_by():
        day = out.setdefault(row["school_id"], {}).setdefault(row["date"], {"open": 0, "covered": 0})
        day[row["status"]] = row["n"]
    return out


def pay_by_payer(*, school_ids: Iterable[int], first: dt.date, last: dt.date) -> dict[int, dict[str, tuple[int, int]]]:
    """{school id: {payer: (periods, amount)}} of the substitutes' pay in a span, priced at each day's rate
    (as pay_report). One query whatever the number of schools."""
    rows = (
        CoverageAssignment.objects.filter(
            school_id__in=list(school_ids), status=ACTIVE, kind=CoverageAssignment.Kind.SUBSTITUTE,
            date__gte=first, date__lte=last,
        )
        .annotate(rate=rate_subquery())
        .values("school_id", "paid_by")
        .annotate(periods=Count("id"), amount=Sum("rate"))
        .order_by()
    )
    out: dict[int, dict[str, tuple[int, int]]] = {}
    for row in rows:
        out.setdefault(row["school_id"], {})[row["paid_by"]] = (row["periods"], row["amount"] or 0)
    return out
