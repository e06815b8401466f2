"""The proposal (自動排代): a substitute for every open need of a date range, the optimum of one stated
objective under the school's rules, solved by OR-Tools CP-SAT. A read: nothing is written here;
``services.coverage_proposal_confirm`` assigns what 教學組 confirms.

The model (docs/substitutes.md, "A proposal for a day or a week", says the same in words):

    x[n, p] = 1  when person p covers need n   (only for the pairs allowed per cell, see ``_cell_reason``)
    u[n]    = 1  when need n stays open

    hard:  each need: sum_p x[n, p] + u[n] = 1
           each person: at most one need at any moment (and per date and period number)
           each person and day:  arranged that day + sum x <= max_cover_per_day
           each person and week: arranged that week + sum x <= max_cover_per_week
           each person, day and max_consecutive_periods + 1 period numbers in a row:
               own classes + cover already arranged + sum x <= max_consecutive_periods
    minimise  U * sum u  +  W * sum rank(n, p) x[n, p]  +  sum_p sum_k (month_count(p) + k) y[p, k]

where y[p, k] = 1 when p takes at least k new periods in the month (sum_k y[p, k] = sum_n x[n, p]): the
k-th new period of a person costs their count this month plus k, so the load is spread, the least
loaded first. W is larger than any fairness total and U larger than any total of ranks, so the order
is strict: first cover as many needs as possible, then the best ranks, then fairness.
"""

import datetime as dt
import hashlib
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ortools.sat.python import cp_model

from common.errors import DomainError
from leave.selectors import leave_spans
from schedules.timetables_selectors import school_teaching_slots, semester_on, subjects_by_teacher
from staff.models import TEACHER_CATEGORIES, Role, School, StaffCategory, StaffMember
from staff.selectors import heads_a_unit_q, holds_role_q, school_people
from substitutes.models import AbsenceSpan, CoverageAssignment, CoverageNeed, CoverageSettings
from substitutes.selectors import ACTIVE, COVERING, ON_LEAVE, TEACHING, coverage_settings
from substitutes.states import HOLDING

SOLVER_TIME_LIMIT_S = 1.5  # the solver stops here with the best proposal found (marked "not proven optimal")
SOLVER_WORKERS = 1  # one search thread: deterministic, and faster than two on a shared, loaded server (bench/README.md)
MAX_PROPOSAL_DAYS = 14
MAX_PROPOSAL_NEEDS = 200
SHOWN_CHOICES = 40  # options per cell on the page (the API lists every allowed person)

# Ranks (lower is better): the school's order of who covers.
RANK_SAME_SUBJECT, RANK_SAME_UNIT, RANK_COLLEAGUE = 0, 1, 2
RANK_POOL_SUBJECT, RANK_POOL = 3, 4
RANK_HEAD = 5  # + 0 same subject, + 1 same unit, + 2 anyone
RANK_PRINCIPAL = 8
MAX_RANK = RANK_PRINCIPAL

RANK_LABELS = {
    RANK_SAME_SUBJECT: _("同科"),
    RANK_SAME_UNIT: _("同處室"),
    RANK_COLLEAGUE: _("其他教師"),
    RANK_POOL_SUBJECT: _("代課人力（同科）"),
    RANK_POOL: _("代課人力"),
    RANK_HEAD: _("主任／組長（同科）"),
    RANK_HEAD + 1: _("主任／組長（同處室）"),
    RANK_HEAD + 2: _("主任／組長"),
    RANK_PRINCIPAL: _("校長"),
}

# Why a person may not take a cell at all (the first three are the assignment services' conflict codes).
DAY_FULL, WEEK_FULL, RUN_TOO_LONG = "day_full", "week_full", "run_too_long"


class ProposalInputError(DomainError):
    """The range asked for cannot be proposed (too long, too many needs): the message says why."""


@dataclass
class Person:
    staff: StaffMember
    subjects: set[str]
    office: int  # 0 ordinary, 1 heads a unit, 2 the principal
    pool: bool


@dataclass
class Choice:
    person: Person
    rank: int
    month_count: int

    @property
    def label(self) -> str:
        return str(RANK_LABELS[self.rank])


@dataclass
class Cell:
    need: CoverageNeed
    fingerprint: str
    choices: list[Choice]  # allowed for this cell, best first
    chosen: Choice | None = None

    def choice_of(self, staff_id: int | None) -> Choice | None:
        return next((c for c in self.choices if c.person.staff.pk == staff_id), None)

    @property
    def shown_choices(self) -> list[Choice]:
        """What the page's select offers: the SHOWN_CHOICES best allowed, and the proposed one in any case
        (a week of a large school would otherwise send thousands of options)."""
        shown = self.choices[:SHOWN_CHOICES]
        if self.chosen is not None and self.chosen not in shown:
            shown = [*shown, self.chosen]
        return shown


@dataclass
class Proposal:
    school: School
    start: dt.date
    end: dt.date
    rules: CoverageSettings
    cells: list[Cell]
    optimal: bool = True
    objective: int = 0
    seconds: float = 0.0

    @property
    def covered(self) -> int:
        return sum(1 for c in self.cells if c.chosen is not None)

    def days(self) -> list[tuple[dt.date, list[Cell]]]:
        out: dict[dt.date, list[Cell]] = {}
        for cell in self.cells:
            out.setdefault(cell.need.date, []).append(cell)
        return list(out.items())


def need_fingerprint(need: CoverageNeed, last_assignment_id: int | None) -> str:
    """What a proposal saw of a need: its state, its time and class, and its latest assignment (taken
    back or not). Any change between the proposal and its confirmation changes it."""
    raw = "|".join(
        str(v) for v in (
            need.pk, need.status, need.teacher_id, need.starts_at.isoformat(), need.ends_at.isoformat(),
            need.class_name, need.subject, last_assignment_id or 0,
        )
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass
class World:
    """What the rules need to know about a school around the needs: read in a fixed number of queries."""

    rules: CoverageSettings
    people: list[Person]
    away: dict[int, list[tuple[dt.datetime, dt.datetime]]] = field(default_factory=dict)
    # Per (person, date): (period number, start, end) of their own classes, and of the periods they are
    # already given (active assignments of both kinds, and swaps' return legs they owe).
    teaching: dict[tuple[int, dt.date], list[tuple[int, dt.datetime, dt.datetime]]] = field(default_factory=dict)
    held: dict[tuple[int, dt.date], list[tuple[int, dt.datetime, dt.datetime]]] = field(default_factory=dict)
    day_count: dict[tuple[int, dt.date], int] = field(default_factory=dict)
    week_count: dict[tuple[int, dt.date], int] = field(default_factory=dict)
    month_count: dict[tuple[int, dt.date], int] = field(default_factory=dict)
    units: dict[int, int | None] = field(default_factory=dict)


def _load_world(*, school: School, needs: Sequence[CoverageNeed]) -> World:
    """Queries (9, whatever the number of needs): the school's rules (1), its people with their profile,
    headship and the principal's role (1), the semester and its subjects (2), recorded absences (1) and
    the leave module's spans (1), the timetable (1), the arranged periods (1), this month's counts (1)."""
    rules = coverage_settings(school_id=school.pk)
    staff = list(
        school_people(school_id=school.pk)
        .filter(category__in=TEACHER_CATEGORIES)
        .exclude(substitute_profile__is_available=False)
        .select_related("substitute_profile")
        .annotate(heads_a_unit=heads_a_unit_q(), is_principal=holds_role_q(Role.PRINCIPAL))
        .order_by("name", "pk")
    )
    first = min(n.date for n in needs)
    last = max(n.date for n in needs)
    subjects = subjects_by_teacher(school=school, semester=semester_on(school=school, day=first))
    people = []
    for s in staff:
        taught = set(subjects.get(s.pk, set()))
        profile = getattr(s, "substitute_profile", None)
        if profile is not None:
            taught.update(profile.subject_list)
        people.append(Person(
            staff=s, subjects=taught, office=2 if s.is_principal else 1 if s.heads_a_unit else 0,
            pool=s.category == StaffCategory.HOURLY_SUBSTITUTE,
        ))
    world = World(rules=rules, people=people)
    world.units = {s.pk: s.unit_id for s in staff}
    for n in needs:
        world.units.setdefault(n.teacher_id, n.teacher.unit_id)
    ids = [s.pk for s in staff]
    low = min(n.starts_at for n in needs)
    high = max(n.ends_at for n in needs)
    for teacher_id, away_start, away_end in (
        AbsenceSpan.objects.filter(absence__school=school, start__lt=high, end__gt=low)
        .exclude(absence__status="cancelled").values_list("teacher_id", "start", "end")
    ):
        world.away.setdefault(teacher_id, []).append((away_start, away_end))
    for span in leave_spans(staff_ids=ids, start=first, end=last, statuses=("approved", "pending")):
        world.away.setdefault(span.staff_id, []).append((span.start, span.end))
    for slot in school_teaching_slots(school=school, start=first, end=last):
        world.teaching.setdefault((slot.teacher_id, slot.date), []).append(
            (slot.period_number, slot.starts_at, slot.ends_at)
        )
    # The weeks the needs touch (for the weekly limit) cover their days (for the daily limit and the runs).
    week_first, week_last = week_of(first), week_of(last) + dt.timedelta(days=6)
    # Offers waiting for their answer hold their periods as active assignments do (substitutes/states.py).
    rows = CoverageAssignment.objects.filter(school=school, status__in=HOLDING).filter(
        Q(date__range=(week_first, week_last)) | Q(swap_date__range=(first, last))
    ).values_list(
        "substitute_id", "kind", "date", "period_number", "starts_at", "ends_at",
        "need__teacher_id", "swap_date", "swap_period_number", "swap_starts_at", "swap_ends_at",
    )
    for sub, kind, day, number, held_start, held_end, absent, swap_day, swap_number, swap_s, swap_e in rows:
        if first <= day <= last:
            world.held.setdefault((sub, day), []).append((number, held_start, held_end))
        if kind == CoverageAssignment.Kind.SUBSTITUTE:
            world.day_count[(sub, day)] = world.day_count.get((sub, day), 0) + 1
            world.week_count[(sub, week_of(day))] = world.week_count.get((sub, week_of(day)), 0) + 1
        if swap_day is not None and swap_number is not None and swap_s and swap_e and first <= swap_day <= last:
            world.held.setdefault((absent, swap_day), []).append((swap_number, swap_s, swap_e))
    month_first = first.replace(day=1)
    month_last = (last.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    for sub, month, count in (
        CoverageAssignment.objects.filter(
            school=school, status=ACTIVE, kind=CoverageAssignment.Kind.SUBSTITUTE,
            date__gte=month_first, date__lt=month_last,
        )
        .annotate(month=TruncMonth("date")).values("substitute_id", "month").annotate(n=Count("id"))
        .values_list("substitute_id", "month", "n")
    ):
        month_day = month.date() if isinstance(month, dt.datetime) else month
        world.month_count[(sub, month_day)] = count
    return world


def _overlaps(spans: Iterable[tuple], start: dt.datetime, end: dt.datetime) -> bool:
    return any(s < end and e > start for *_rest, s, e in spans)


def _rank(need: CoverageNeed, person: Person, units: dict[int, int | None]) -> int:
    same_subject = need.subject in person.subjects
    unit = units.get(need.teacher_id)
    same_unit = unit is not None and person.staff.unit_id == unit
    if person.office == 2:
        return RANK_PRINCIPAL
    if person.office == 1:
        return RANK_HEAD + (0 if same_subject else 1 if same_unit else 2)
    if person.pool:
        return RANK_POOL_SUBJECT if same_subject else RANK_POOL
    return RANK_SAME_SUBJECT if same_subject else RANK_SAME_UNIT if same_unit else RANK_COLLEAGUE


def _fixed_numbers(world: World, staff_id: int, day: dt.date) -> set[int]:
    """The period numbers a person is already in class on a day: their own classes and cover arranged."""
    return {number for number, _s, _e in world.teaching.get((staff_id, day), ())} | {
        number for number, _s, _e in world.held.get((staff_id, day), ())
    }


def _run_room(numbers: set[int], number: int, limit: int) -> bool:
    """Whether adding ``number`` to ``numbers`` keeps every run of consecutive numbers within ``limit``."""
    length, n = 1, number - 1
    while n in numbers:
        length, n = length + 1, n - 1
    n = number + 1
    while n in numbers:
        length, n = length + 1, n + 1
    return length <= limit


def _cell_reason(world: World, need: CoverageNeed, person: Person) -> str | None:
    """Why a person may not take this period at all, whatever else is proposed; None when they may."""
    pk = person.staff.pk
    if pk == need.teacher_id:
        return ON_LEAVE
    if _overlaps(world.away.get(pk, ()), need.starts_at, need.ends_at):
        return ON_LEAVE
    if _overlaps(world.teaching.get((pk, need.date), ()), need.starts_at, need.ends_at):
        return TEACHING
    held = world.held.get((pk, need.date), ())
    if _overlaps(held, need.starts_at, need.ends_at) or any(number == need.period_number for number, _s, _e in held):
        return COVERING
    rules = world.rules
    if world.day_count.get((pk, need.date), 0) >= rules.max_cover_per_day:
        return DAY_FULL
    if world.week_count.get((pk, week_of(need.date)), 0) >= rules.max_cover_per_week:
        return WEEK_FULL
    if not _run_room(_fixed_numbers(world, pk, need.date), need.period_number, rules.max_consecutive_periods):
        return RUN_TOO_LONG
    return None


def _cells(world: World, needs: Sequence[CoverageNeed], fingerprints: dict[int, str]) -> list[Cell]:
    cells = []
    for need in needs:
        month = need.date.replace(day=1)
        choices = [
            Choice(
                person=p, rank=_rank(need, p, world.units), month_count=world.month_count.get((p.staff.pk, month), 0)
            )
            for p in world.people
            if _cell_reason(world, need, p) is None
        ]
        choices.sort(key=lambda c: (c.rank, c.month_count, c.person.staff.name, c.person.staff.pk))
        cells.append(Cell(need=need, fingerprint=fingerprints[need.pk], choices=choices))
    return cells


def absence_open_range(*, school: School, absence_id: int) -> tuple[dt.date, dt.date] | None:
    """The first and last day of an absence's open needs (one query), to propose for a whole leave."""
    span = _open_needs(school=school, start=dt.date.min, end=dt.date.max, absence_id=absence_id).aggregate(
        first=Min("date"), last=Max("date")
    )
    return (span["first"], span["last"]) if span["first"] else None


def _open_needs(*, school: School, start: dt.date, end: dt.date, absence_id: int | None):
    qs = CoverageNeed.objects.filter(school=school, status=CoverageNeed.Status.OPEN, date__range=(start, end))
    if absence_id:
        qs = qs.filter(absence_id=absence_id)
    return qs


def _needs_with_fingerprints(qs) -> tuple[list[CoverageNeed], dict[int, str]]:
    needs = list(
        qs.select_related("teacher").annotate(last_assignment=Max("assignments__id"))
        .order_by("starts_at", "class_name", "pk")
    )
    return needs, {n.pk: need_fingerprint(n, n.last_assignment) for n in needs}


def coverage_proposal(
    *, school: School, start: dt.date, end: dt.date, absence_id: int | None = None
) -> Proposal:
    """Propose a substitute for every open need of the school from ``start`` to ``end`` (of one absence
    when ``absence_id`` is given), the optimum of the objective above within SOLVER_TIME_LIMIT_S.

    Queries: the needs (1) and the world around them (9), whatever their number.
    """
    if end < start:
        raise ProposalInputError(_("結束日期不能早於開始日期"), code="invalid_range")
    if (end - start).days + 1 > MAX_PROPOSAL_DAYS:
        raise ProposalInputError(
            _("一次最多排 %(n)d 天，請縮短日期範圍") % {"n": MAX_PROPOSAL_DAYS}, code="range_too_long"
        )
    needs, fingerprints = _needs_with_fingerprints(
        _open_needs(school=school, start=start, end=end, absence_id=absence_id)
    )
    if len(needs) > MAX_PROPOSAL_NEEDS:
        raise ProposalInputError(
            _("這段期間有 %(count)d 節待安排，一次最多 %(n)d 節，請縮短日期範圍")
            % {"count": len(needs), "n": MAX_PROPOSAL_NEEDS},
            code="too_many",
        )
    if not needs:
        return Proposal(school=school, start=start, end=end, rules=coverage_settings(school_id=school.pk), cells=[])
    world = _load_world(school=school, needs=needs)
    cells = _cells(world, needs, fingerprints)
    proposal = Proposal(school=school, start=start, end=end, rules=world.rules, cells=cells)
    _solve(proposal, world)
    return proposal


def _solve(proposal: Proposal, world: World) -> None:
    began = time.perf_counter()
    cells = proposal.cells
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}  # (cell index, staff id)
    by_person: dict[int, list[int]] = defaultdict(list)
    for i, cell in enumerate(cells):
        for choice in cell.choices:
            pk = choice.person.staff.pk
            x[i, pk] = model.new_bool_var(f"x{i}_{pk}")
            by_person[pk].append(i)
    uncovered = [model.new_bool_var(f"u{i}") for i in range(len(cells))]
    for i, cell in enumerate(cells):
        model.add_exactly_one([x[i, c.person.staff.pk] for c in cell.choices] + [uncovered[i]])

    rules = world.rules
    fairness_terms: list[tuple[cp_model.IntVar, int]] = []
    fairness_bound = 0
    for pk, indexes in by_person.items():
        needs = [cells[i].need for i in indexes]
        by_day: dict[dt.date, list[int]] = defaultdict(list)
        by_week: dict[dt.date, list[int]] = defaultdict(list)
        by_month: dict[dt.date, list[int]] = defaultdict(list)
        for i, need in zip(indexes, needs, strict=True):
            by_day[need.date].append(i)
            by_week[week_of(need.date)].append(i)
            by_month[need.date.replace(day=1)].append(i)
        for day, group in by_day.items():
            # One class at a time: at each period's start, the periods running then (and one per period number).
            for i in group:
                need = cells[i].need
                clique = [
                    j for j in group
                    if cells[j].need.starts_at <= need.starts_at < cells[j].need.ends_at
                    or cells[j].need.period_number == need.period_number
                ]
                if len(clique) > 1:
                    model.add_at_most_one([x[j, pk] for j in clique])
            room = rules.max_cover_per_day - world.day_count.get((pk, day), 0)
            if len(group) > room:
                model.add(sum(x[i, pk] for i in group) <= room)
            # Runs: any max+1 consecutive period numbers hold at most max periods in class.
            limit = rules.max_consecutive_periods
            fixed = _fixed_numbers(world, pk, day)
            numbers = {cells[i].need.period_number for i in group}
            for low in range(min(numbers) - limit, max(numbers) + 1):
                window = range(low, low + limit + 1)
                inside = [i for i in group if cells[i].need.period_number in window]
                if not inside:
                    continue
                free = limit - sum(1 for n in window if n in fixed)
                if len({cells[i].need.period_number for i in inside}) > max(free, 0):
                    model.add(sum(x[i, pk] for i in inside) <= max(free, 0))
        for week, group in by_week.items():
            room = rules.max_cover_per_week - world.week_count.get((pk, week), 0)
            if len(group) > room:
                model.add(sum(x[i, pk] for i in group) <= room)
        for month, group in by_month.items():
            base = world.month_count.get((pk, month), 0)
            steps = min(len(group), rules.max_cover_per_week * (len({week_of(cells[i].need.date) for i in group})))
            ys = [model.new_bool_var(f"y{pk}_{month:%m}_{k}") for k in range(1, steps + 1)]
            model.add(sum(ys) == sum(x[i, pk] for i in group))
            for k, y in enumerate(ys, start=1):
                fairness_terms.append((y, base + k))
                fairness_bound += base + k

    tier_weight = fairness_bound + 1
    uncovered_weight = MAX_RANK * tier_weight * len(cells) + fairness_bound + 1
    model.minimize(
        uncovered_weight * sum(uncovered)
        + sum(
            tier_weight * choice.rank * x[i, choice.person.staff.pk]
            for i, cell in enumerate(cells) for choice in cell.choices
        )
        + sum(cost * y for y, cost in fairness_terms)
    )
    start = _first_fit(cells, world)
    for i, cell in enumerate(cells):
        picked = start.get(i)
        model.add_hint(uncovered[i], picked is None)
        for choice in cell.choices:
            model.add_hint(x[i, choice.person.staff.pk], choice is picked)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = SOLVER_TIME_LIMIT_S
    solver.parameters.num_workers = SOLVER_WORKERS
    solver.parameters.random_seed = 1
    status = solver.solve(model)
    proposal.seconds = time.perf_counter() - began
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Nothing within the time limit (seen only on a machine many times over-loaded): the starting grid.
        proposal.optimal = False
        for i, cell in enumerate(cells):
            cell.chosen = start.get(i)
        return
    proposal.optimal = status == cp_model.OPTIMAL
    proposal.objective = int(solver.objective_value)
    for i, cell in enumerate(cells):
        cell.chosen = next((c for c in cell.choices if solver.value(x[i, c.person.staff.pk])), None)


# --- Checking a grid as 教學組 confirms it ------------------------------------------------------------


@dataclass
class GridProblem:
    need: CoverageNeed
    code: str
    message: str


GRID_MESSAGES = {
    ON_LEAVE: _("%(name)s 該節請假或缺課"),
    TEACHING: _("%(name)s 該節自己有課"),
    COVERING: _("%(name)s 該節已有其他代課或調課"),
    DAY_FULL: _("%(name)s 當天代課已達上限（每日 %(day)d 節）"),
    WEEK_FULL: _("%(name)s 當週代課已達上限（每週 %(week)d 節）"),
    RUN_TOO_LONG: _("%(name)s 將連續上課超過 %(run)d 節"),
    "unknown": _("%(name)s 不能代這一節"),
    "twice": _("%(name)s 同一時間被排了兩節"),
}


def _grid_message(code: str, person_name: str, rules: CoverageSettings) -> str:
    return str(GRID_MESSAGES[code]) % {
        "name": person_name, "day": rules.max_cover_per_day, "week": rules.max_cover_per_week,
        "run": rules.max_consecutive_periods,
    }


def grid_check(
    *, school: School, needs: Sequence[CoverageNeed], chosen: dict[int, int]
) -> list[GridProblem]:
    """Whether the grid 教學組 is confirming (need id -> staff id) keeps the school's rules: each person
    allowed in their cell, and together no one twice at a time, over the daily or weekly limit or a run.
    Queries: as the proposal's world (9)."""
    if not chosen:
        return []
    world = _load_world(school=school, needs=needs)
    people = {p.staff.pk: p for p in world.people}
    problems: list[GridProblem] = []
    taken: dict[int, list[CoverageNeed]] = defaultdict(list)
    for need in sorted(needs, key=lambda n: (n.starts_at, n.pk)):
        pk = chosen.get(need.pk)
        if pk is None:
            continue
        person = people.get(pk)
        if person is None:
            problems.append(GridProblem(need, "unknown", _grid_message("unknown", "", world.rules)))
            continue
        name = person.staff.name
        code = _cell_reason(world, need, person)
        if code is None:
            code = _joint_reason(world, need, pk, taken[pk])
        if code is not None:
            problems.append(GridProblem(need, code, _grid_message(code, name, world.rules)))
        else:
            taken[pk].append(need)
    return problems


def _joint_reason(world: World, need: CoverageNeed, pk: int, mine: Sequence[CoverageNeed]) -> str | None:
    """Why a person allowed in this cell may not take it on top of ``mine`` (the periods already given to them
    in the same grid): twice at one time, over the daily or weekly limit, too long a run; None when they may."""
    if any(
        (t.starts_at < need.ends_at and t.ends_at > need.starts_at)
        or (t.date == need.date and t.period_number == need.period_number) for t in mine
    ):
        return "twice"
    rules = world.rules
    if sum(1 for t in mine if t.date == need.date) + world.day_count.get((pk, need.date), 0) >= rules.max_cover_per_day:
        return DAY_FULL
    week = week_of(need.date)
    in_week = sum(1 for t in mine if week_of(t.date) == week) + world.week_count.get((pk, week), 0)
    if in_week >= rules.max_cover_per_week:
        return WEEK_FULL
    numbers = _fixed_numbers(world, pk, need.date) | {t.period_number for t in mine if t.date == need.date}
    if not _run_room(numbers, need.period_number, rules.max_consecutive_periods):
        return RUN_TOO_LONG
    return None


def _first_fit(cells: Sequence[Cell], world: World) -> dict[int, Choice]:
    """A feasible grid found cell by cell (each cell's best choice that still fits): only the solver's
    starting hint, and the answer when the solver finds nothing within its time limit (a machine under load)."""
    taken: dict[int, list[CoverageNeed]] = defaultdict(list)
    out: dict[int, Choice] = {}
    for i, cell in enumerate(cells):
        for choice in cell.choices:
            pk = choice.person.staff.pk
            if _joint_reason(world, cell.need, pk, taken[pk]) is None:
                taken[pk].append(cell.need)
                out[i] = choice
                break
    return out


def local_label(need: CoverageNeed) -> str:
    """「11/30（一）第3節 高一 3 班」 for messages about one period."""
    local = timezone.localtime(need.starts_at)
    return f"{local:%m/%d} {need.period_label} {need.class_name}"
