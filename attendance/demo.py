"""Demo data: four weeks of punches for the demo school's people, so the month views have colour.

Idempotent: punches use the one-per-kind-per-day constraint (existing days are left alone), the
sample 補登 is added only when the school has none, and results are recomputed from what is stored.
Today is left empty so that whoever signs in can clock in themselves. A day the person has approved
leave for gets no punches (load_demo runs the leave demo first), and the results are recomputed at
the end, after every other app's demo data exist.
"""

import contextlib
import datetime as dt
import random

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from attendance.models import DailyResult, DailyStatus, Punch, PunchCorrection, PunchKind
from attendance.services import AttendanceError, daily_results_recompute, punch_correction_request
from leave.selectors import leave_spans
from schedules.calendar import duty_days
from staff.models import School, StaffMember

WEEKS = 4


def _at(day: dt.date, base: dt.time, minutes: int, rng: random.Random) -> dt.datetime:
    moment = dt.datetime.combine(day, base) + dt.timedelta(minutes=minutes, seconds=rng.randint(0, 59))
    return timezone.make_aware(moment)


def _punches_for(staff: StaffMember, duty, rng: random.Random) -> list[Punch]:
    """One plausible day: mostly on time, sometimes late, early, or a forgotten punch."""
    roll = rng.random()
    arrive: dt.datetime | None = _at(duty.day, duty.start, -rng.randint(3, 25), rng)
    leave: dt.datetime | None = _at(duty.day, duty.end, rng.randint(0, 45), rng)
    if roll < 0.10:
        arrive = _at(duty.day, duty.start, rng.randint(1, 25), rng)  # late
    elif roll < 0.14:
        leave = _at(duty.day, duty.end, -rng.randint(5, 60), rng)  # left early
    elif roll < 0.18:
        leave = None  # forgot 下班
    elif roll < 0.20:
        arrive = None  # forgot 上班
    elif roll < 0.22:
        return []  # no punch at all
    punches = []
    if arrive:
        punches.append(Punch(staff=staff, work_date=duty.day, kind=PunchKind.IN, at=arrive, source_ip="203.64.10.21"))
    if leave:
        punches.append(Punch(staff=staff, work_date=duty.day, kind=PunchKind.OUT, at=leave, source_ip="203.64.10.21"))
    return punches


@transaction.atomic
def load(school: School) -> None:
    today = timezone.localdate()
    start, end = today - dt.timedelta(weeks=WEEKS), today - dt.timedelta(days=1)
    people = list(StaffMember.objects.filter(school=school, is_active=True).order_by("employee_no"))
    if not people:
        return
    duties = duty_days(people, start, end)
    on_leave = _approved_leave_days(people, start, end)
    punches = []
    for person in people:
        for (staff_id, day), duty in sorted(duties.items()):
            if staff_id != person.pk or not duty.has_duty or day < person.hire_date or (staff_id, day) in on_leave:
                continue
            rng = random.Random(f"{school.code}:{person.employee_no}:{day.isoformat()}")
            punches.extend(_punches_for(person, duty, rng))
    # The unique (person, day, kind) constraint makes a second run add nothing.
    Punch.objects.bulk_create(punches, ignore_conflicts=True)
    daily_results_recompute(school=school, start=start, end=end)
    _sample_correction(school, people, start, end)


def _approved_leave_days(people: list[StaffMember], start: dt.date, end: dt.date) -> set[tuple[int, dt.date]]:
    """(staff_id, day) for every day some approved leave touches: nobody punches on their leave day."""
    days = set()
    for span in leave_spans(staff_ids=[p.pk for p in people], start=start, end=end):
        day = timezone.localtime(span.start).date()
        last = timezone.localtime(span.end - dt.timedelta(microseconds=1)).date()
        while day <= last:
            days.add((span.staff_id, day))
            day += dt.timedelta(days=1)
    return days


def _sample_correction(school: School, people: list[StaffMember], start: dt.date, end: dt.date) -> None:
    """One pending 補登 for the first person with a forgotten 下班, for the unit head to decide."""
    if PunchCorrection.objects.filter(school=school).exists():
        return
    missing = (
        DailyResult.objects.filter(
            school=school, staff__in=people, date__range=(start, end), status=DailyStatus.MISSING_OUT,
            staff__unit__head__isnull=False,
        )
        .exclude(staff__unit__head=F("staff"))  # a head's own 補登 goes elsewhere
        .order_by("-date", "staff__employee_no")
        .first()
    )
    if missing is None:
        return
    # If a rule refuses (the monthly cap reached by real use), the demo simply has no sample.
    with contextlib.suppress(AttendanceError):
        punch_correction_request(
            staff=missing.staff,
            date=missing.date,
            kind=PunchKind.OUT,
            time=dt.time(16, 40),
            reason="放學後處理班級事務，離校時忘記刷下班卡",
        )

