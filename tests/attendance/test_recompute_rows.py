"""The recompute writes plain rows (attendance.rules.daily_result_values, attendance.bulk.upsert) rather than
model instances: what it stores must be, field by field, what the model path stores for the same facts —
daily_result_row (the clock page's rule) saved by Django's own bulk_create."""

import datetime as dt
from collections import defaultdict

from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.bulk import upsert
from attendance.models import DailyResult, Punch, PunchKind
from attendance.rules import daily_result_row
from attendance.services import daily_results_recompute
from leave import selectors as leave_selectors
from schedules.calendar import duty_days
from staff.selectors import people_of_schools
from tests.attendance.conftest import at

FIRST, LAST = dt.date(2025, 10, 1), dt.date(2025, 10, 14)  # 中秋節 (10/06), 國慶日 (10/10), two weekends
LATER = at(dt.date(2025, 10, 14), "12:00:00")  # the last day is still open for some: pending results


def _snapshot() -> dict:
    fields = [f.attname for f in DailyResult._meta.concrete_fields if not f.primary_key]
    return {(row["staff_id"], row["date"]): row for row in DailyResult.objects.values(*fields)}


def _facts(people):
    teacher, clerk, head = people["teacher"], people["personnel"], people["principal"]
    for n, day in enumerate(d for d in (FIRST + dt.timedelta(days=i) for i in range(14)) if d.weekday() < 5):
        # On time, late, early, a missing 下班 (twice), a 下班 before the 上班 (ignored).
        arrive, leave = [("07:55", "16:05"), ("08:17:40", "16:00"), ("07:50", "15:31:59"), ("07:58", None),
                         ("07:59", "07:40")][n % 5]
        Punch.objects.create(staff=teacher, work_date=day, kind=PunchKind.IN, at=at(day, arrive))
        if leave:
            Punch.objects.create(staff=teacher, work_date=day, kind=PunchKind.OUT, at=at(day, leave))
        Punch.objects.create(staff=clerk, work_date=day, kind=PunchKind.OUT, at=at(day, "17:31"))
    # The clerk's morning leave on 10/02 (below): in after it, out at the end — partial leave.
    Punch.objects.create(staff=clerk, work_date=dt.date(2025, 10, 2), kind=PunchKind.IN,
                         at=at(dt.date(2025, 10, 2), "10:25"))
    return teacher, clerk, head


def test_the_plain_rows_store_what_the_model_path_stores(people, leave_on):
    teacher, clerk, head = _facts(people)
    leave_on(clerk, at(dt.date(2025, 10, 2), "07:30:00"), at(dt.date(2025, 10, 2), "10:30:00"), name="事假")
    leave_on(clerk, at(dt.date(2025, 10, 2), "13:30:00"), at(dt.date(2025, 10, 2), "14:30:00"), name="病假")
    leave_on(head, at(dt.date(2025, 10, 7), "08:00:00"), at(dt.date(2025, 10, 9), "17:30:00"), name="公假")
    leave_on(teacher, at(dt.date(2025, 10, 13), "13:00:00"), at(dt.date(2025, 10, 13), "16:00:00"), name="婚假")
    school = people["school"]

    with CaptureQueriesContext(connection) as ctx:
        written = daily_results_recompute(school=school, start=FIRST, end=LAST, now=LATER)
    assert [q for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "attendance_dailyresult"')]
    by_values = _snapshot()
    assert written == len(by_values) > 3 * 14

    # The model path: the same rule as instances, written by Django itself.
    DailyResult.objects.all().delete()
    members = list(people_of_schools(school_ids=[school.pk]))
    duties = duty_days(members, FIRST, LAST)
    punches = {(p.staff_id, p.work_date, p.kind): (p.at, p.is_correction)
               for p in Punch.objects.filter(staff__school=school)}
    spans = defaultdict(list)
    for span in leave_selectors.leave_spans(staff_ids=[m.pk for m in members], start=FIRST, end=LAST):
        spans[span.staff_id].append(span)
    DailyResult.objects.bulk_create(
        daily_result_row(m, duties[(m.pk, day)], punch_in=punches.get((m.pk, day, PunchKind.IN)),
                         punch_out=punches.get((m.pk, day, PunchKind.OUT)), spans=spans[m.pk], now=LATER)
        for m in members
        for day in (FIRST + dt.timedelta(days=i) for i in range(14))
        if day >= m.hire_date and (m.pk, day) in duties
    )
    by_instances = _snapshot()
    assert by_values == by_instances
    # The facts above reached the rows: every kind of day was written.
    statuses = {row["status"] for row in by_values.values()}
    assert {"on_time", "late", "left_early", "missing_out", "missing_in", "partial_leave", "leave", "holiday",
            "pending"} <= statuses, statuses
    assert {row["leave_label"] for row in by_values.values()} >= {"事假、病假", "公假", "婚假"}


def test_instances_and_mappings_make_the_same_rows(people):
    """upsert takes either; both are prepared by the fields (a 補登 flag, and a date given as a string)."""
    teacher = people["teacher"]
    row = {
        "school_id": teacher.school_id, "staff_id": teacher.pk, "date": FIRST, "status": "late",
        "late_minutes": 17, "early_minutes": 0, "leave_minutes": 0, "first_in": at(FIRST, "08:17:00"),
        "last_out": None, "in_corrected": True, "out_corrected": False, "required_start": dt.time(8),
        "required_end": dt.time(16), "day_reason": "workday", "day_label": "上班日", "leave_label": "",
        "leave_label_en": "", "computed_at": LATER,
    }
    fields = ["school", "status", "late_minutes", "first_in", "in_corrected", "computed_at"]
    upsert(DailyResult, [row], unique_fields=["staff", "date"], update_fields=fields)
    from_mapping = _snapshot()
    DailyResult.objects.all().delete()
    upsert(DailyResult, [DailyResult(**{**row, "date": FIRST.isoformat()})], unique_fields=["staff", "date"],
           update_fields=fields)
    assert _snapshot() == from_mapping
    assert from_mapping[(teacher.pk, FIRST)]["first_in"] == at(FIRST, "08:17:00")


def test_any_text_reaches_the_row_as_it_was(people):
    """On PostgreSQL each column travels as an array's text: quotes, backslashes, commas, braces, spaces,
    the word NULL and the empty string must come back as they were — in one statement."""
    teacher, clerk = people["teacher"], people["personnel"]
    labels = ['事假、"病假"', "a\\b, {c} \\\"d\\\"", "NULL", "", "  spaced  ", "'quoted'"]
    rows = [
        {
            "school_id": person.school_id, "staff_id": person.pk, "date": FIRST + dt.timedelta(days=i),
            "status": "leave", "late_minutes": 0, "early_minutes": 0, "leave_minutes": 480, "first_in": None,
            "last_out": None, "in_corrected": False, "out_corrected": False, "required_start": None,
            "required_end": None, "day_reason": "workday", "day_label": label[:60], "leave_label": label,
            "leave_label_en": label[::-1], "computed_at": LATER,
        }
        for i, label in enumerate(labels)
        for person in (teacher, clerk)
    ]
    with CaptureQueriesContext(connection) as ctx:
        upsert(DailyResult, rows, unique_fields=["staff", "date"], update_fields=["leave_label"])
    assert len(ctx.captured_queries) == 1
    stored = _snapshot()
    assert {key: (row["day_label"], row["leave_label"], row["leave_label_en"]) for key, row in stored.items()} == {
        (row["staff_id"], row["date"]): (row["day_label"], row["leave_label"], row["leave_label_en"]) for row in rows
    }
