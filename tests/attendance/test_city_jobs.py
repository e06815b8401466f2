"""City-scale recomputes split into tasks of a few schools: bounded statements, the same results as
one school at a time, progress for whoever started it, and the declaring transaction left light."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.models import DailyResult, Punch, PunchKind, RecomputeJob
from attendance.services import daily_results_recompute, recompute_job_piece, recompute_periods
from schedules.events import calendar_changed
from schedules.models import Semester, TyphoonDay
from schedules.services import typhoon_day_declare
from staff.models import Role, RoleAssignment, School
from tests.attendance.conftest import WORKDAY, at
from tests.factories import make_school, make_staff

LATER = at(dt.date(2025, 11, 3), "09:00:00")
RESULT_WRITE = 'INSERT INTO "attendance_dailyresult"'


def written_school_ids(sql: str) -> set[str]:
    """The schools of a logged result write's rows (attendance.bulk): on PostgreSQL its first column array is
    school_id's; elsewhere the rows travel as JSON objects."""
    assert sql.startswith(f'{RESULT_WRITE} ("school_id", '), sql[:300]
    if connection.vendor != "postgresql":
        return set(re.findall(r'"school_id": (\d+)', sql))
    found = re.search(r"unnest\('\{([^}]*)\}'::bigint\[\]", sql)
    assert found, sql[:300]
    return set(found.group(1).split(","))


def _school_of(n: int, *, late: bool = False) -> School:
    school = make_school()
    for i in range(n):
        person = make_staff(school)
        if i % 2 == 0:
            Punch.objects.create(staff=person, work_date=WORKDAY, kind=PunchKind.IN,
                                 at=at(WORKDAY, "08:20:00" if late else "07:50:00"))
    return school


def _snapshot() -> dict:
    return {
        (r.staff_id, r.date): (r.school_id, r.status, r.late_minutes, r.early_minutes, r.first_in, r.required_start)
        for r in DailyResult.objects.all()
    }


def test_five_schools_in_batches_of_two_make_three_bounded_writes_equal_to_one_at_a_time(db, clock, settings):
    settings.ATTENDANCE_SCHOOLS_PER_TASK = 2
    clock(LATER)
    schools = [_school_of(3, late=i % 2 == 1) for i in range(5)]
    with CaptureQueriesContext(connection) as log, TestCase.captureOnCommitCallbacks(execute=True):
        calendar_changed.send(sender=Semester, school_ids=None, start=WORKDAY, end=WORKDAY, staff_ids=None,
                              reason="semester_saved")
    writes = [q["sql"] for q in log.captured_queries if q["sql"].startswith(RESULT_WRITE)]
    assert len(writes) == 3  # ⌈5 / 2⌉ tasks, one upsert each
    for sql in writes:  # each write carries one or two schools' rows
        assert 1 <= len(written_school_ids(sql)) <= 2, sql[:300]
    by_batches = _snapshot()
    assert len(by_batches) == 5 * 3
    job = RecomputeJob.objects.get()
    assert (job.batches_total, job.batches_done, job.schools_total, job.schools_done) == (3, 3, 5, 5)
    assert job.finished_at is not None and job.percent == 100

    DailyResult.objects.all().delete()
    for school in schools:
        daily_results_recompute(school=school, start=WORKDAY, end=WORKDAY)
    assert _snapshot() == by_batches


def test_a_piece_costs_the_same_queries_whatever_its_people_and_days(db, clock):
    """One task of a city-scale recompute (attendance.tasks.recompute_schools): two schools of 2 people for
    a day, or two schools of 12 people for a month, in the same statements."""
    clock(LATER)
    counts = []
    for size, first in ((2, WORKDAY), (12, dt.date(2025, 10, 1))):
        schools = [_school_of(size, late=True), _school_of(size)]
        job = RecomputeJob.objects.create(reason="test", start=first, end=dt.date(2025, 10, 31), batches_total=1)
        with CaptureQueriesContext(connection) as ctx:
            written = recompute_job_piece(job_id=job.pk, school_ids=[s.pk for s in schools], start=first,
                                          end=dt.date(2025, 10, 31), staff_ids=None)
        assert written == 2 * size * ((dt.date(2025, 10, 31) - first).days + 1)
        counts.append(len([q for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]))
        job.refresh_from_db()
        assert (job.batches_done, job.schools_done, job.finished_at is not None) == (1, 2, True)
    # The schools, the people, the calendar's five, punches, leave spans, one upsert; the progress (3).
    assert counts[0] == counts[1] <= 15, counts


def test_the_declaring_request_costs_the_same_for_two_schools_or_eight(db, client_for, clock):
    """The city-wide typhoon day: the request writes the declaration and the progress record and queues
    one message after its commit — its statements do not grow with the city (the work is in the tasks)."""
    from tests.factories import make_standing_school

    world = make_standing_school()
    sysadmin = make_staff(world["school"], name="資訊組長", username="sysadmin", roles=(Role.SYSTEM_ADMIN,))
    clock(at(WORKDAY, "06:00:00"))
    client = client_for(sysadmin)
    url = reverse("schedules:typhoons")
    counts = []
    for extra in (0, 0, 6):  # the first declaration warms the caches up
        for _ in range(extra):
            _school_of(3)
        with CaptureQueriesContext(connection) as ctx, TestCase.captureOnCommitCallbacks(execute=False) as queued:
            declared = client.post(url, {"date": WORKDAY.isoformat(), "scope": "all", "label": "颱風停班停課",
                                         "confirm": "1"})
        assert declared.status_code == 302
        assert not DailyResult.objects.exists()  # nothing recomputed inside the request
        assert len(queued) >= 1  # the recompute's plan, after the commit
        counts.append(len(ctx.captured_queries))
        TyphoonDay.objects.all().delete()
        RecomputeJob.objects.all().delete()
    assert School.objects.count() == 8
    assert counts[1] == counts[2] <= 25, counts


def test_the_declaring_transaction_only_writes_the_progress_record(people, clock, django_assert_max_num_queries):
    clock(at(WORKDAY, "06:00:00"))
    with django_assert_max_num_queries(40), TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        typhoon_day_declare(actor=people["personnel"].user, day=WORKDAY, school=None)
    assert not DailyResult.objects.exists()  # nothing recomputed inside the declaration
    job = RecomputeJob.objects.get()
    assert (job.start, job.end, job.finished_at, job.started_by) == (WORKDAY, WORKDAY, None, people["personnel"].user)
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.finished_at is not None
    assert set(DailyResult.objects.values_list("status", flat=True)) == {"holiday"}


def test_a_long_range_is_split_by_month():
    assert recompute_periods(dt.date(2025, 1, 1), dt.date(2025, 3, 5)) == [
        (dt.date(2025, 1, 1), dt.date(2025, 1, 31)),
        (dt.date(2025, 2, 1), dt.date(2025, 3, 3)),
        (dt.date(2025, 3, 4), dt.date(2025, 3, 5)),
    ]


@pytest.mark.django_db(transaction=True)
def test_the_command_follows_the_job_with_a_progress_bar(clock, settings, capsys):
    settings.ATTENDANCE_SCHOOLS_PER_TASK = 2
    clock(LATER)
    schools = [_school_of(2) for _ in range(3)]
    call_command("recompute_results", "--start", "2025-10-01", "--end", "2025-10-31", "--progress")
    out = capsys.readouterr().out
    assert "100%" in out and "tasks 2/2" in out and "schools 3/3" in out
    assert DailyResult.objects.filter(school__in=schools).count() == 3 * 2 * 31


def test_the_command_refuses_unknown_schools_and_backwards_ranges(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown school"):
        call_command("recompute_results", "--start", "2025-10-01", "--school", "nope")
    with pytest.raises(CommandError, match="before"):
        call_command("recompute_results", "--start", "2025-10-02", "--end", "2025-10-01")
    assert not RecomputeJob.objects.exists()


def test_whoever_declared_follows_the_progress_and_strangers_do_not(people, client_for, clock):
    clock(at(WORKDAY, "06:00:00"))
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        typhoon_day_declare(actor=people["personnel"].user, day=WORKDAY, school=people["school"])
    url = reverse("attendance_api:recompute_jobs")
    before = client_for(people["personnel"]).get(url).json()["results"]
    assert [(j["finished"], j["percent"]) for j in before] == [(False, 0)]
    for callback in callbacks:
        callback()
    after = client_for(people["personnel"]).get(url).json()["results"]
    assert [(j["finished"], j["percent"], j["schools_done"]) for j in after] == [(True, 100, 1)]
    # A teacher of the school, and another school's personnel, see none of it.
    assert client_for(people["teacher"]).get(url).json()["results"] == []
    outsider_personnel = make_staff(people["outsider"].school)
    RoleAssignment.objects.create(staff=outsider_personnel, role=Role.PERSONNEL)
    assert client_for(outsider_personnel).get(url).json()["results"] == []
    assert client_for(people["principal"]).get(url).json()["results"][0]["id"] == after[0]["id"]


def test_the_progress_page_shows_the_running_job_and_refreshes_until_it_is_done(people, client_for, clock):
    clock(at(WORKDAY, "06:00:00"))
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        typhoon_day_declare(actor=people["personnel"].user, day=WORKDAY, school=None)
    url = reverse("attendance:recompute_jobs")
    page = client_for(people["personnel"]).get(url).content.decode()
    job = RecomputeJob.objects.get()
    assert f'data-testid="job-{job.pk}"' in page and "停班停課宣布" in page
    assert 'http-equiv="refresh"' in page and 'value="0"' in page
    for callback in callbacks:
        callback()
    done = client_for(people["principal"]).get(url).content.decode()
    assert 'value="100"' in done and "完成" in done and 'http-equiv="refresh"' not in done
    # A teacher started nothing and follows nothing.
    assert 'data-testid="no-jobs"' in client_for(people["teacher"]).get(url).content.decode()
    school_page = client_for(people["personnel"]).get(reverse("attendance:school")).content.decode()
    assert url in school_page


def test_the_declaring_page_shows_the_recomputes_progress(people, clock, client_for, client):
    clock(at(WORKDAY, "06:00:00"))
    personnel = client_for(people["personnel"])
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        declared = personnel.post(reverse("schedules:typhoons"), {
            "date": WORKDAY.isoformat(), "scope": people["school"].code, "label": "", "confirm": "1"})
    assert declared.status_code == 302 and declared["Location"].endswith("?declared=1")
    job = RecomputeJob.objects.get()
    page = personnel.get(declared["Location"]).content.decode()
    mine = reverse("attendance:recompute_jobs_mine")
    # Without JavaScript: a link to a page of the same progress, refreshed while the job runs.
    assert f'data-progress-url="{mine}"' in page and f'href="{mine}"' in page and "js/progress.js" in page
    running = personnel.get(mine)
    assert '<meta http-equiv="refresh"' in running.content.decode()
    fragment = personnel.get(mine, {"fragment": "1"}).content.decode()
    assert 'data-running="1"' in fragment and f'data-testid="job-{job.pk}"' in fragment
    assert "<html" not in fragment  # the bars alone, for the poll
    # Only the account that started it follows it here; signed-out callers are sent to sign in.
    other = client_for(people["teacher"]).get(mine, {"fragment": "1"}).content.decode()
    assert f"job-{job.pk}" not in other and 'data-running="0"' in other
    client.logout()
    assert client.get(mine).status_code == 302
    for callback in callbacks:
        callback()
    done = client_for(people["personnel"]).get(mine, {"fragment": "1"}).content.decode()
    assert 'data-running="0"' in done and 'value="100"' in done
    assert 'data-testid="typhoon-recompute"' not in personnel.get(reverse("schedules:typhoons")).content.decode()
