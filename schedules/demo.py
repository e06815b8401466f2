"""Demo data for one school: the clock-in rules, this school year's semesters and a few school days.

Idempotent: running it again leaves what is there. The base app's ``load_demo`` calls ``load(school)``.
"""

import datetime as dt

from schedules.models import SchoolDay, Semester
from schedules.services import school_day_create, semester_save, work_schedules_seed_defaults
from staff.models import School

D = dt.date
SEMESTERS = [
    # (學年度, 學期, 開學日, 休業式)
    (114, 1, D(2025, 8, 30), D(2026, 1, 20)),
    (114, 2, D(2026, 2, 11), D(2026, 6, 30)),
    (115, 1, D(2026, 8, 31), D(2027, 1, 20)),
]
SCHOOL_DAYS = [
    (D(2026, 2, 10), SchoolDay.Kind.RETURN_DAY, "寒假返校日（第二學期備課）"),
    (D(2026, 8, 27), SchoolDay.Kind.TRAINING, "期初教師研習"),
    (D(2026, 11, 25), SchoolDay.Kind.EXAM, "第二次期中考"),
    (D(2026, 11, 26), SchoolDay.Kind.EXAM, "第二次期中考"),
    (D(2026, 12, 7), SchoolDay.Kind.DAY_OFF, "校慶補假"),
]


def load(school: School) -> None:
    work_schedules_seed_defaults(school=school)
    have = set(Semester.objects.filter(school=school).values_list("school_year", "term"))
    for year, term, start, end in SEMESTERS:
        if (year, term) not in have:
            semester = Semester(school=school, school_year=year, term=term, start_date=start, end_date=end)
            semester_save(actor=None, semester=semester)
    taken = set(SchoolDay.objects.filter(school=school).values_list("date", flat=True))
    for day, kind, label in SCHOOL_DAYS:
        if day not in taken:
            school_day_create(actor=None, school=school, day=day, kind=kind, label=label)
