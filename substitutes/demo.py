"""Demo data for class coverage: bell schedules, this semester's timetable, two hourly 代課教師
and their recorded absences (one coming, one past and covered), so the academic affairs dashboard has
something to arrange and the month's pay report has lines. ``load_demo`` runs it before the leave
demo, so the sample leave requests make their needs through the leave event, as in real use.

``load(school)`` is idempotent: it only adds what is missing.
"""

import contextlib
import datetime as dt
import math

from django.db import transaction
from django.utils import timezone

from schedules.calendar import is_school_day
from schedules.models import BellPeriod, Division, Semester, TimetableEntry
from schedules.timetables_services import bell_schedule_ensure_standard
from staff.models import Role, School, StaffCategory, StaffMember, User
from substitutes.models import Absence, SubstituteProfile
from substitutes.selectors import coverage_candidates
from substitutes.services import (
    CoverageError,
    absence_record,
    coverage_assign,
    coverage_resync_after_timetable,
)

SUBJECTS = ["國文", "英文", "數學", "物理", "化學", "歷史", "地理", "公民", "生物", "體育"]
GRADES = ["一", "二", "三"]
HOURLY = [("S901", "趙代課", "國文,歷史"), ("S902", "錢代課", "英文,數學")]


def _semester_for(school: School, today: dt.date) -> Semester:
    """The semester running today (or about to): 第一學期 8/30–1/20, 第二學期 2/11–6/30."""
    year = today.year if today.month >= 8 else today.year - 1  # the school year starts in August
    if dt.date(year, 8, 1) <= today <= dt.date(year + 1, 1, 31):
        term, start, end = 1, dt.date(year, 8, 30), dt.date(year + 1, 1, 20)
    else:
        term, start, end = 2, dt.date(year + 1, 2, 11), dt.date(year + 1, 6, 30)
    semester, _ = Semester.objects.get_or_create(
        school=school, school_year=year - 1911, term=term, defaults={"start_date": start, "end_date": end}
    )
    return semester


def _class_name(index: int) -> str:
    grade, number = divmod(index, 10)
    return f"高{GRADES[grade % 3]} {number + 1} 班"


def _hourly_substitutes(school: School) -> list[StaffMember]:
    out = []
    for employee_no, name, subjects in HOURLY:
        staff = StaffMember.objects.filter(school=school, employee_no=employee_no).first()
        if staff is None:
            user = User.objects.create_user(username=f"{school.code}-{employee_no.lower()}", email="")
            user.set_unusable_password()
            user.save(update_fields=["password"])
            staff = StaffMember.objects.create(
                user=user, school=school, employee_no=employee_no, name=name, title="代課教師",
                category=StaffCategory.HOURLY_SUBSTITUTE, hire_date=dt.date(2025, 8, 30),
            )
        SubstituteProfile.objects.get_or_create(staff=staff, defaults={"subjects": subjects})
        out.append(staff)
    return out


def _timetable(semester: Semester, teachers: list[StaffMember], hourly: list[StaffMember]) -> None:
    if TimetableEntry.objects.filter(semester=semester).exists():
        return
    school = semester.school
    senior = {p.number: p for p in BellPeriod.objects.filter(school=school, division=Division.SENIOR)}
    class_periods = [senior[n] for n in range(1, 8) if n in senior]
    classes = max(3, math.ceil(len(teachers) / 3))
    rows = []
    # Teacher i teaches when (i + weekday + period) is a multiple of 3: about 12 periods a week.
    # Those teaching in the same slot share i mod 3, so i // 3 picks a different class for each.
    for i, teacher in enumerate(teachers):
        # A subject teacher teaches what the title says (國文教師 → 國文); others get one in turn.
        titled = [name for name in [*SUBJECTS, "音樂"] if teacher.title.startswith(name)]
        subject = titled[0] if titled else SUBJECTS[i % len(SUBJECTS)]
        for weekday in range(1, 6):
            for period in class_periods:
                if (i + weekday + period.number) % 3 == 0:
                    rows.append(TimetableEntry(
                        semester=semester, teacher=teacher, weekday=weekday, period=period, subject=subject,
                        class_name=_class_name((i // 3 + weekday) % classes), room=f"{(i // 3) % 9 + 1}0{weekday}",
                    ))
    # Hourly substitutes teach a few periods of their own (late afternoon, a class of their own).
    for j, staff in enumerate(hourly):
        for weekday in (1 + j, 3 + j):
            rows.append(TimetableEntry(
                semester=semester, teacher=staff, weekday=weekday, period=senior[8],
                class_name=_class_name(classes + j), subject=HOURLY[j][2].split(",")[0], room="多媒體教室",
            ))
    if school.has_junior_division:
        junior = {p.number: p for p in BellPeriod.objects.filter(school=school, division=Division.JUNIOR)}
        for weekday in (2, 4):
            rows.append(TimetableEntry(
                semester=semester, teacher=hourly[1], weekday=weekday, period=junior[3],
                class_name="國一 1 班", subject="英文", room="國中部 101",
            ))
    TimetableEntry.objects.bulk_create(rows)


def _taught_day(school, teacher, semester, day: dt.date, step: int) -> dt.date | None:
    """The nearest school day from ``day`` (forwards or backwards by ``step``) on which ``teacher`` teaches."""
    for _ in range(21):
        taught = TimetableEntry.objects.filter(semester=semester, teacher=teacher, weekday=day.isoweekday())
        if semester.start_date <= day <= semester.end_date and taught.exists() and is_school_day(school, day):
            return day
        day += dt.timedelta(days=step)
    return None


def _record(academic: StaffMember, teacher: StaffMember, day: dt.date, reason: str):
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(7, 30)))
    end = timezone.make_aware(dt.datetime.combine(day, dt.time(17, 30)))
    with contextlib.suppress(CoverageError):
        return absence_record(actor=academic, teacher=teacher, start=start, end=end, reason=reason)
    return None


def _recorded_absences(school: School, hourly: list[StaffMember], semester: Semester, today: dt.date) -> None:
    """Two absences of hourly 代課教師 recorded by 教學組: one coming (left open for the dashboard) and one
    a few days ago, already covered, so the month's pay report has lines."""
    if Absence.objects.filter(school=school, source=Absence.Source.RECORDED).exists():
        return
    academic = StaffMember.objects.filter(school=school, roles__role=Role.ACADEMIC_AFFAIRS, is_active=True).first()
    if academic is None:
        return
    coming = _taught_day(school, hourly[0], semester, max(today, semester.start_date), step=1)
    if coming is not None:
        _record(academic, hourly[0], coming, "家中有事（示範）")
    past = _taught_day(school, hourly[1], semester, today - dt.timedelta(days=1), step=-1)
    change = _record(academic, hourly[1], past, "身體不適（示範）") if past is not None else None
    for need in change.current if change else []:
        free = [c for c in coverage_candidates(need=need).internal if c.available]
        if free:
            with contextlib.suppress(CoverageError):
                coverage_assign(actor=academic, need_id=need.pk, substitute_id=free[0].staff.pk)


def load(school: School) -> None:
    with transaction.atomic():
        bell_schedule_ensure_standard(school=school)
        semester = _semester_for(school, timezone.localdate())
        teachers = list(
            StaffMember.objects.filter(school=school, is_active=True)
            .exclude(category__in=[StaffCategory.CIVIL_STAFF, StaffCategory.HOURLY_SUBSTITUTE])
            .exclude(roles__role=Role.PRINCIPAL)  # the principal teaches no classes
            .order_by("employee_no")
        )
        hourly = _hourly_substitutes(school)
        _timetable(semester, teachers, hourly)
        # Leave filed before the timetable existed (a re-run after an import): bring its needs in step.
        coverage_resync_after_timetable(semester=semester)
        _recorded_absences(school, hourly, semester, timezone.localdate())
