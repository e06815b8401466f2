"""The synthetic city the benchmarks run on, built with bulk_create in one transaction.

- 100 high schools of 150 people (BN0001–BN0100): the city, ~15,000 staff;
- one school of 60 people (BN0101): the "small" size every single-school benchmark is also run
  at, so that a query count growing with the school's size shows up;
- opt-in (``--city 401``, grow()): 300 more schools of 50 people (BN0102–BN0401), 30,060 people in
  all, for the city-wide jobs.

Every school has the standard bell schedule, the seeded clock-in rules and the 114 school year's
semesters, and punches on 2025-10-30 and 2025-11-03 (the days the 18:00 reminder run is measured
on). BN0001–BN0020 and BN0101 have every punch of October 2025, a timetable (~25 periods a week
per teacher), a month of leave with its coverage needs and substitutes, and leave filed ahead for
the next two weeks; the single-school benchmarks run on BN0001 and BN0101.

The data stays in the benchmark database between runs; the benchmarks restore what they change.
Names and codes start with BN so that the runner can tell its own schools from anybody else's.
"""

import datetime as dt
import itertools
import random
import time
from dataclasses import dataclass

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.utils import timezone

from attendance.models import Punch, PunchKind
from schedules.calendar import DEFAULT_WINDOWS, calendar_days
from schedules.models import BellPeriod, CategorySchedule, Division, Semester, TimetableEntry, WorkSchedule
from schedules.services import work_schedules_seed_defaults
from schedules.timetables_services import bell_schedule_ensure_standard
from staff.models import Role, RoleAssignment, School, StaffCategory, StaffMember, Unit, User
from substitutes.models import Absence, AbsenceSpan, CoverageAssignment, CoverageNeed, Payer

VERSION = 2  # bump when the shape of the data changes: the runner then asks for a fresh database
PREFIX = "BN"
CITY_SCHOOLS = 100
FULL_STAFF = 150
SMALL_STAFF = 60
MONTH_SCHOOLS = 20  # BN0001–BN0020 have the whole month of punches
SMALL_NO = CITY_SCHOOLS + 1
# The 401-school city (``--city 401``, grow()): BN0102–BN0401 of 50 people added, 30,060 people in all.
BIG_CITY_SCHOOLS = 401
GROWN_STAFF = 50
BATCH = 5000  # rows per INSERT when growing the city

MONTH_START, MONTH_END = dt.date(2025, 10, 1), dt.date(2025, 10, 31)
REMINDER_DAY_SMALL = dt.date(2025, 10, 30)  # ~1% of people lack a punch
REMINDER_DAY_LARGE = dt.date(2025, 11, 3)  # ~5%
PUNCH_DAY = dt.date(2025, 11, 4)  # the punch benchmark's day: no punches are built for it
TODAY = dt.date(2025, 11, 3)  # "today" for the coverage dashboard
AHEAD_END = dt.date(2025, 11, 14)  # leave filed ahead reaches this far
MISSING_RATE = {REMINDER_DAY_SMALL: 0.01, REMINDER_DAY_LARGE: 0.05}
USUAL_MISSING_RATE = 0.03

# The categories of a 150-person Kaohsiung high school with a junior division (完全中學).
STAFF_MIX = [
    (StaffCategory.ADMIN_TEACHER, 20),
    (StaffCategory.CIVIL_STAFF, 22),
    (StaffCategory.HOMEROOM_SENIOR, 30),
    (StaffCategory.HOMEROOM_JUNIOR, 12),
    (StaffCategory.SUBJECT_TEACHER, 50),
    (StaffCategory.LONG_TERM_SUBSTITUTE, 10),
    (StaffCategory.HOURLY_SUBSTITUTE, 6),
]
OFFICES = [
    ("校長室", Unit.Kind.PRINCIPAL),
    ("教務處", Unit.Kind.ACADEMIC_AFFAIRS),
    ("學務處", Unit.Kind.STUDENT_AFFAIRS),
    ("總務處", Unit.Kind.GENERAL_AFFAIRS),
    ("輔導室", Unit.Kind.COUNSELING),
    ("圖書館", Unit.Kind.LIBRARY),
    ("人事室", Unit.Kind.PERSONNEL),
    ("會計室", Unit.Kind.ACCOUNTING),
]
SUBJECTS = [("國文科", "國文"), ("英文科", "英文"), ("數學科", "數學"), ("自然科", "物理"), ("社會科", "歷史"),
            ("藝能科", "音樂")]
TEACHING = {
    StaffCategory.HOMEROOM_SENIOR: 25,
    StaffCategory.HOMEROOM_JUNIOR: 25,
    StaffCategory.SUBJECT_TEACHER: 25,
    StaffCategory.LONG_TERM_SUBSTITUTE: 25,
    StaffCategory.ADMIN_TEACHER: 8,
    StaffCategory.HOURLY_SUBSTITUTE: 10,
}
LEAVE_TYPES = [("personal", "事假", Payer.TEACHER), ("sick", "病假", Payer.SCHOOL), ("official", "公假", Payer.SCHOOL)]


def school_code(no: int) -> str:
    return f"{PREFIX}{no:04d}"


def marker_name() -> str:
    return f"效能測試高級中學 1（bench v{VERSION}）"


@dataclass(frozen=True)
class City:
    """What the benchmarks need to find in the database."""

    large: School  # BN0001: 150 people, timetable and coverage
    small: School  # BN0101: 60 people, timetable and coverage
    month_schools: list[School]  # BN0001–BN0020
    schools: list[School]  # all 101


def city() -> City:
    schools = list(School.objects.filter(code__startswith=PREFIX).order_by("code"))
    by_code = {s.code: s for s in schools}
    return City(
        large=by_code[school_code(1)],
        small=by_code[school_code(SMALL_NO)],
        month_schools=[by_code[school_code(n)] for n in range(1, MONTH_SCHOOLS + 1)],
        schools=schools,
    )


def state() -> str:
    """'ready', 'missing' (no bench data) or 'stale' (built by another version of this module)."""
    bench = School.objects.filter(code__startswith=PREFIX)
    if not bench.exists():
        return "missing"
    if not bench.filter(code=school_code(1), name=marker_name()).exists():
        return "stale"
    return "ready"


def school_count() -> int:
    return School.objects.filter(code__startswith=PREFIX).count()


def people_count() -> int:
    return StaffMember.objects.filter(school__code__startswith=PREFIX, is_active=True).count()


def foreign_schools() -> int:
    return School.objects.exclude(code__startswith=PREFIX).count()


def prepare(*, city: int = 0, force: bool = False) -> str | None:
    """Build (once per database) the synthetic city, grown to ``city`` schools if asked. Returns why it
    refuses instead (another project's schools here, without ``force``; data of another version of
    this module), or None when the data is ready."""
    if foreign_schools() and not force:
        return ("This database holds schools that are not the benchmark's: refusing to write to it.\n"
                "Point DATABASE_URL at a database of its own.")
    current = state()
    if current == "stale":
        return "The benchmark data here was built by another version of bench/data.py: drop the database."
    if current == "missing":
        print("Building the synthetic city (once per database)...", flush=True)
        started = time.perf_counter()
        build()
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    if city and school_count() < city:
        print(f"Growing the city to {city} schools (once per database)...", flush=True)
        started = time.perf_counter()
        grow(city)
        print(f"  grown in {time.perf_counter() - started:.0f} s", flush=True)
    return None


# --- building -------------------------------------------------------------------------------


def _aware(day: dt.date, t: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, t))


def _categories(n: int) -> list[str]:
    full = [category for category, count in STAFF_MIX for _ in range(count)]
    return [full[i * len(full) // n] for i in range(n)]


@transaction.atomic
def build(log=print) -> City:
    sizes = [(no, FULL_STAFF) for no in range(1, CITY_SCHOOLS + 1)] + [(SMALL_NO, SMALL_STAFF)]
    schools = School.objects.bulk_create(
        School(
            code=school_code(no),
            name=marker_name() if no == 1 else f"效能測試高級中學 {no}",
            has_senior_division=True,
            has_junior_division=True,
        )
        for no, _n in sizes
    )
    Semester.objects.bulk_create(
        Semester(school=s, school_year=year, term=term, start_date=first, end_date=last)
        for s in schools
        for year, term, first, last in [
            (114, 1, dt.date(2025, 8, 30), dt.date(2026, 1, 20)),
            (114, 2, dt.date(2026, 2, 11), dt.date(2026, 6, 30)),
        ]
    )
    # No school has days of its own: every school's calendar is the office calendar.
    workdays = [d.day for d in calendar_days(schools[0], MONTH_START, AHEAD_END) if d.working]
    people: dict[int, list[StaffMember]] = {}
    for school, (no, n) in zip(schools, sizes, strict=True):
        people[school.pk] = _staff(school, no, n)
        work_schedules_seed_defaults(school=school)
        bell_schedule_ensure_standard(school=school)
        if no % 20 == 0:
            log(f"  built {no} schools")
    log(f"  {sum(len(p) for p in people.values())} people in {len(schools)} schools")

    month_days = [d for d in workdays if MONTH_START <= d <= MONTH_END]
    reminder_days = [REMINDER_DAY_SMALL, REMINDER_DAY_LARGE]
    punches = 0
    for school, (no, _n) in zip(schools, sizes, strict=True):
        days = [*month_days, REMINDER_DAY_LARGE] if (no <= MONTH_SCHOOLS or no == SMALL_NO) else reminder_days
        punches += len(Punch.objects.bulk_create(_punches(people[school.pk], days), batch_size=2000))
    log(f"  {punches} punches")

    for school, (no, _n) in zip(schools, sizes, strict=True):
        if no <= MONTH_SCHOOLS or no == SMALL_NO:
            entries = _timetable(school, people[school.pk])
            needs = _coverage(school, people[school.pk], entries, [d for d in workdays if d <= AHEAD_END])
            if no in (1, SMALL_NO):
                log(f"  {school.code}: {len(entries)} timetable rows, {needs} coverage needs")
    return city()


def _staff(school: School, no: int, n: int) -> list[StaffMember]:
    offices = Unit.objects.bulk_create(_office_units(school))
    sections = Unit.objects.bulk_create(_section_units(school, {u.name: u for u in offices}))
    users = User.objects.bulk_create(_users(no, n))
    members = StaffMember.objects.bulk_create(_members(school, no, users, offices, sections))
    heads, roles = _heads_and_roles(members, offices, sections)
    Unit.objects.bulk_update(heads, ["head"])
    RoleAssignment.objects.bulk_create(roles)
    return members


def _office_units(school: School) -> list[Unit]:
    return [Unit(school=school, name=name, kind=kind) for name, kind in OFFICES]


def _section_units(school: School, office: dict[str, Unit]) -> list[Unit]:
    """教學組 (under 教務處) first, then the subject units."""
    return [
        Unit(school=school, name="教學組", kind=Unit.Kind.ACADEMIC_AFFAIRS, parent=office["教務處"]),
        *(Unit(school=school, name=name, kind=Unit.Kind.TEACHING) for name, _subject in SUBJECTS),
    ]


def _users(no: int, n: int) -> list[User]:
    return [
        User(
            username=f"bn{no:04d}-{i:03d}",
            password=UNUSABLE_PASSWORD_PREFIX + "bench",
            email=f"bn{no:04d}-{i:03d}@bench.invalid",
        )
        for i in range(n)
    ]


def _members(
    school: School, no: int, users: list[User], offices: list[Unit], sections: list[Unit]
) -> list[StaffMember]:
    office = {u.name: u for u in offices}
    teaching_section, subject_units = sections[0], sections[1:]
    staff_offices = ["教務處", "學務處", "總務處", "輔導室", "圖書館", "人事室", "會計室"]
    categories = _categories(len(users))
    admin_seen = civil_seen = teacher_seen = 0
    members = []
    for i, (user, category) in enumerate(zip(users, categories, strict=True)):
        if category == StaffCategory.ADMIN_TEACHER:
            # 校長, 教學組長, then the offices' 主任 and 組長.
            unit = office["校長室"] if admin_seen == 0 else teaching_section if admin_seen == 1 else (
                office[staff_offices[(admin_seen - 2) % 5]]
            )
            admin_seen += 1
        elif category == StaffCategory.CIVIL_STAFF:
            unit = office[staff_offices[civil_seen % len(staff_offices)]] if civil_seen else office["人事室"]
            civil_seen += 1
        else:
            unit = subject_units[teacher_seen % len(subject_units)]
            teacher_seen += 1
        members.append(
            StaffMember(
                user=user, school=school, unit=unit, employee_no=f"T{i + 1:04d}", name=f"教師{no:03d}{i + 1:03d}",
                email=user.email, title=category.label, category=category, hire_date=dt.date(2010, 8, 1),
            )
        )
    return members


def _heads_and_roles(
    members: list[StaffMember], offices: list[Unit], sections: list[Unit]
) -> tuple[list[Unit], list[RoleAssignment]]:
    """Each unit's head (its first administrator, else its first member) and the school's three roles."""
    office = {u.name: u for u in offices}
    first = {}
    for m in members:
        first.setdefault((m.unit_id, m.category in (StaffCategory.ADMIN_TEACHER, StaffCategory.CIVIL_STAFF)), m)
    heads = []
    for unit in [*offices, *sections]:
        head = first.get((unit.pk, True)) or first.get((unit.pk, False))
        if head is not None:
            unit.head = head
            heads.append(unit)
    principal = next(m for m in members if m.unit_id == office["校長室"].pk)
    personnel = next(m for m in members if m.unit_id == office["人事室"].pk)
    academic = next(m for m in members if m.unit_id == sections[0].pk)
    roles = [
        RoleAssignment(staff=principal, role=Role.PRINCIPAL),
        RoleAssignment(staff=personnel, role=Role.PERSONNEL),
        RoleAssignment(staff=academic, role=Role.ACADEMIC_AFFAIRS),
    ]
    return heads, roles


# --- the 401-school city (opt-in) -------------------------------------------------------------


@transaction.atomic
def grow(schools: int = BIG_CITY_SCHOOLS, log=print) -> City:
    """Add schools of GROWN_STAFF people (BN0102 onwards) until the city has ``schools`` schools.

    At 401 the city holds 30,060 people: the 101 schools of build() and 300 smaller ones, as a city's
    high schools stand next to its many smaller schools. Built set-wise across schools — one bulk
    statement per table and batch of BATCH rows, not a round of statements per school — with the clock-in
    rules, bell schedule and semesters of BN0001 (copied), and punches on the two reminder days (like
    BN0021–BN0100: no timetable, leave or month of punches).
    """
    have = School.objects.filter(code__startswith=PREFIX).count()
    numbers = list(range(have + 1, schools + 1))
    if not numbers:
        return city()
    template = School.objects.get(code=school_code(1))
    new = School.objects.bulk_create(
        School(code=school_code(no), name=f"效能測試學校 {no}", has_senior_division=True, has_junior_division=True)
        for no in numbers
    )
    _copy_rows(Semester, template, new)
    _copy_rows(BellPeriod, template, new)
    schedules = _copy_rows(WorkSchedule, template, new)
    by_name = {(s.school_id, s.name): s.pk for s in schedules}
    names = dict(WorkSchedule.objects.filter(school=template).values_list("pk", "name"))
    _copy_rows(CategorySchedule, template, new,
               change=lambda row, school: {"schedule_id": by_name[(school.pk, names[row["schedule_id"]])]})
    log(f"  {len(new)} schools with their calendars, schedules and bells")

    offices = Unit.objects.bulk_create(
        (u for school in new for u in _office_units(school)), batch_size=BATCH
    )
    office_of = {(u.school_id, u.name): u for u in offices}
    sections = Unit.objects.bulk_create(
        (u for school in new for u in _section_units(school, {n: office_of[(school.pk, n)] for n, _k in OFFICES})),
        batch_size=BATCH,
    )
    users = User.objects.bulk_create(
        (u for no in numbers for u in _users(no, GROWN_STAFF)), batch_size=BATCH
    )
    members, heads, roles = [], [], []
    for k, (school, no) in enumerate(zip(new, numbers, strict=True)):
        school_offices = offices[k * len(OFFICES):(k + 1) * len(OFFICES)]
        school_sections = sections[k * (1 + len(SUBJECTS)):(k + 1) * (1 + len(SUBJECTS))]
        school_users = users[k * GROWN_STAFF:(k + 1) * GROWN_STAFF]
        members.append(_members(school, no, school_users, school_offices, school_sections))
    created = StaffMember.objects.bulk_create((m for group in members for m in group), batch_size=BATCH)
    for k, _school in enumerate(new):
        school_members = created[k * GROWN_STAFF:(k + 1) * GROWN_STAFF]
        unit_heads, school_roles = _heads_and_roles(
            school_members,
            offices[k * len(OFFICES):(k + 1) * len(OFFICES)],
            sections[k * (1 + len(SUBJECTS)):(k + 1) * (1 + len(SUBJECTS))],
        )
        heads += unit_heads
        roles += school_roles
    Unit.objects.bulk_update(heads, ["head"], batch_size=BATCH)
    RoleAssignment.objects.bulk_create(roles, batch_size=BATCH)
    log(f"  {len(created)} people more")
    punches = 0
    for k, _school in enumerate(new):
        school_members = created[k * GROWN_STAFF:(k + 1) * GROWN_STAFF]
        punches += len(Punch.objects.bulk_create(
            _punches(school_members, [REMINDER_DAY_SMALL, REMINDER_DAY_LARGE]), batch_size=BATCH
        ))
    log(f"  {punches} punches more")
    return city()


def _copy_rows(model, template: School, schools: list[School], *, change=None) -> list:
    """The template school's rows of ``model``, once for each of ``schools``; returns the new rows."""
    fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    rows = list(model.objects.filter(school=template).values(*fields))
    return model.objects.bulk_create(
        (
            model(**{**row, "school_id": school.pk, **(change(row, school) if change else {})})
            for school in schools
            for row in rows
        ),
        batch_size=BATCH,
    )


def _punches(members: list[StaffMember], days: list[dt.date]) -> list[Punch]:
    """Mostly on time; some late or early; a few forgotten punches or no punch at all."""
    out = []
    for day in days:
        rate = MISSING_RATE.get(day, USUAL_MISSING_RATE)
        rng = random.Random(f"{members[0].school_id}-{day}")
        for m in members:
            window = DEFAULT_WINDOWS.get(m.category)
            if window is None:
                continue  # 代課教師: no clock-in duty
            start, end = window
            roll = rng.random()
            arrive = _aware(day, start) - dt.timedelta(minutes=rng.randint(2, 30), seconds=rng.randint(0, 59))
            leave = _aware(day, end) + dt.timedelta(minutes=rng.randint(0, 60), seconds=rng.randint(0, 59))
            if roll < rate / 3:
                arrive = leave = None  # no punch at all
            elif roll < rate * 2 / 3:
                arrive = None
            elif roll < rate:
                leave = None
            elif roll < rate + 0.08:
                arrive = _aware(day, start) + dt.timedelta(minutes=rng.randint(1, 40))  # late
            elif roll < rate + 0.10:
                leave = _aware(day, end) - dt.timedelta(minutes=rng.randint(5, 90))  # left early
            if arrive:
                out.append(Punch(staff=m, work_date=day, kind=PunchKind.IN, at=arrive, source_ip="203.64.10.21"))
            if leave:
                out.append(Punch(staff=m, work_date=day, kind=PunchKind.OUT, at=leave, source_ip="203.64.10.21"))
    return out


def _timetable(school: School, members: list[StaffMember]) -> list[TimetableEntry]:
    semester = Semester.objects.get(school=school, school_year=114, term=1)
    periods = {
        (p.division, p.number): p
        for p in BellPeriod.objects.filter(school=school, kind=BellPeriod.Kind.CLASS)
    }
    units = {u.pk: u.name for u in Unit.objects.filter(school=school)}
    subject_of = dict(SUBJECTS)
    classes = {
        Division.SENIOR: [f"高{g} {c} 班" for g in "一二三" for c in range(1, 11)],
        Division.JUNIOR: [f"國{g} {c} 班" for g in "一二三" for c in range(1, 5)],
    }
    entries = []
    for t, m in enumerate(members):
        count = TEACHING.get(m.category)
        if not count:
            continue
        division = Division.JUNIOR if m.category == StaffCategory.HOMEROOM_JUNIOR else Division.SENIOR
        slots = sorted((wd, number) for (div, number) in periods if div == division for wd in range(1, 6))
        rng = random.Random(f"{school.pk}-{m.pk}")
        subject = subject_of.get(units.get(m.unit_id, ""), "綜合活動")
        for k, (weekday, number) in enumerate(sorted(rng.sample(slots, count))):
            entries.append(
                TimetableEntry(
                    semester=semester, teacher=m, weekday=weekday, period=periods[(division, number)],
                    class_name=classes[division][(t + k) % len(classes[division])], subject=subject,
                    room=f"{300 + (t + k) % 40}",
                )
            )
    return TimetableEntry.objects.bulk_create(entries)


def _coverage(school: School, members: list[StaffMember], entries: list[TimetableEntry], days: list[dt.date]) -> int:
    """A month of leave with its coverage, and leave filed ahead for the next two weeks.

    About 4% of teachers are away on a school day; each leaves their ~5 periods of that day to
    cover. Past periods are 95% covered (the rest are still open: the dashboard's overdue list);
    coming ones 60%.
    """
    by_teacher: dict[int, list[TimetableEntry]] = {}
    for e in entries:
        by_teacher.setdefault(e.teacher_id, []).append(e)
    teachers = [m for m in members if m.pk in by_teacher]
    teaching_at = {(e.teacher_id, e.weekday, e.period.number) for e in entries}
    rng = random.Random(f"coverage-{school.pk}")
    request_ids = itertools.count(school.pk * 100_000)
    per_day = max(1, round(len(teachers) * 0.04))
    busy: set[tuple[int, dt.date, int]] = set()
    absences, spans, needs, assignments = [], [], [], []
    for day in days:
        ahead = (day - TODAY).days
        count = per_day if ahead < 0 else max(0, per_day - ahead // 3)
        away = rng.sample(teachers, count)
        away_ids = {m.pk for m in away}
        for teacher in away:
            code, name, payer = rng.choice(LEAVE_TYPES)
            absence = Absence(
                school=school, teacher=teacher, source=Absence.Source.LEAVE, leave_request_id=next(request_ids),
                leave_type_code=code, leave_type_name=name, paid_by=payer,
                status=Absence.Status.APPROVED if ahead < 0 or rng.random() < 0.7 else Absence.Status.PENDING,
            )
            absences.append(absence)
            spans.append(AbsenceSpan(absence=absence, teacher=teacher, start=_aware(day, dt.time(7, 30)),
                                     end=_aware(day, dt.time(16, 30))))
            for e in by_teacher[teacher.pk]:
                if e.weekday != day.isoweekday():
                    continue
                need = CoverageNeed(
                    school=school, absence=absence, teacher=teacher, date=day, division=e.period.division,
                    period_number=e.period.number, period_label=e.period.display_label,
                    starts_at=_aware(day, e.period.start), ends_at=_aware(day, e.period.end),
                    class_name=e.class_name, subject=e.subject, room=e.room,
                )
                needs.append(need)
                if rng.random() >= (0.95 if ahead < 0 else 0.6):
                    continue
                start = rng.randrange(len(teachers))
                for sub in teachers[start:] + teachers[:start]:
                    key = (sub.pk, day, e.period.number)
                    if sub.pk in away_ids or key in busy or (sub.pk, e.weekday, e.period.number) in teaching_at:
                        continue
                    busy.add(key)
                    need.status = CoverageNeed.Status.COVERED
                    assignments.append(
                        CoverageAssignment(
                            school=school, need=need, substitute=sub, date=day, period_number=need.period_number,
                            division=need.division, starts_at=need.starts_at, ends_at=need.ends_at, paid_by=payer,
                        )
                    )
                    break
    Absence.objects.bulk_create(absences)
    AbsenceSpan.objects.bulk_create(spans)
    CoverageNeed.objects.bulk_create(needs)
    CoverageAssignment.objects.bulk_create(assignments)
    return len(needs)
