"""Changes to attendance: punches, daily results, corrections (補登) and reminders.

Everything that can race (a double tap, two approvals, the monthly correction cap, two reminder
runs) locks first and decides second; the database constraints in attendance.models back it up.
"""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import BigIntegerField, Count, Exists, F, Func, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.bulk import upsert
from attendance.events import PunchesChanged, publish_punches_changed
from attendance.models import (
    MISSING_PUNCH_STATUSES,
    DailyResult,
    DailyStatus,
    PendingResult,
    Punch,
    PunchCorrection,
    PunchKind,
    PunchRefusal,
    PunchReminder,
    RecomputeJob,
)
from attendance.network import punch_network_allows
from attendance.rules import daily_result_values
from attendance.selectors import correction_approvers
from attendance.states import CORRECTION
from audit.services import audit_log
from common.errors import DomainError
from common.prepared import PreparedInstances
from leave import selectors as leave_selectors
from notifications.services import notice_drafts, notices_save, notification_resolve, notify
from schedules.calendar import duty_days
from staff.models import Role, School, StaffMember, User
from staff.permissions import can_manage_staff
from staff.selectors import people_by_ids, people_of_schools, school_lock, school_people, staff_lock
from staff.selectors import schools as all_schools
from staff.services import school_attendance_start_set
from staff.twdate import format_roc_short

log = logging.getLogger(__name__)


class AttendanceError(DomainError):
    """A refused attendance action; ``code`` says which rule refused it."""


@dataclass(frozen=True)
class PunchOutcome:
    punch: Punch
    created: bool  # a new row
    updated: bool  # an existing 下班 moved to this later time


def _days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    for n in range((end - start).days + 1):
        yield start + dt.timedelta(days=n)


def _lock_staff(staff: StaffMember) -> None:
    # Serialises one person's punches and corrections: the second request waits here, then
    # sees what the first one wrote. The unique constraints hold even where locks are no-ops (SQLite).
    # staff_lock says why its strength (FOR NO KEY UPDATE OF self) suits the 18:00 run and the rush.
    staff_lock(staff.pk)


# --- Punches ---------------------------------------------------------------------------------


def punch_record(
    *,
    staff: StaffMember,
    kind: str,
    ip: str | None,
    user_agent: str = "",
    now: dt.datetime | None = None,
) -> PunchOutcome:
    """Clock in or out at the server's time.

    A repeated 上班 on the same day keeps the first punch; a repeated 下班 keeps the last (the
    earlier row moves to the new time). A punch from outside the school's networks is refused,
    and the refusal is recorded even though the punch is not.
    """
    if kind not in PunchKind.values:
        raise AttendanceError(_("打卡種類不正確"), code="invalid_kind")
    if not staff.is_active:
        raise AttendanceError(_("此人員已非在職，無法打卡"), code="inactive")
    school = staff.school
    user_agent = (user_agent or "")[:300]
    if not punch_network_allows(school, ip):
        # Written outside the punch's transaction so that it stays when the error propagates.
        PunchRefusal.objects.create(
            school=school, staff=staff, kind=kind, source_ip=ip, user_agent=user_agent, reason="network"
        )
        log.info("punch refused: staff %s from %s (outside the school's networks)", staff.pk, ip)
        raise AttendanceError(_("不在學校允許的網路範圍內，無法打卡"), code="network_refused")

    now = now or timezone.now()
    day = timezone.localdate(now)
    with _punch_transaction(day):
        # The row and, when it changed, the day queued for its recompute (PendingResult), together.
        punch, created, updated = _punch_upsert(staff=staff, day=day, kind=kind, now=now, ip=ip, user_agent=user_agent)
        if created or updated:
            publish_punches_changed(
                PunchesChanged(staff_id=staff.pk, school_id=staff.school_id, day=day, action="punched")
            )
            pending_results_recompute_soon()
    return PunchOutcome(punch=punch, created=created, updated=updated)


def _punch_transaction(day: dt.date) -> AbstractContextManager[object]:
    """The transaction a punch needs: none of its own for a punch of today on PostgreSQL.

    There the punch and its queued day are ONE statement (``_punch_upsert``), a transaction by itself, so the
    clock page and the API (outside ``ATOMIC_REQUESTS``) save the BEGIN and COMMIT round trips of the
    morning rush. Today's event changes nothing its receivers keep (leave settles overtime only for days
    that have ended: ``attendance/events.py``). An earlier day (a back-dated punch) and other databases, where
    the queued day is a second statement, take a transaction — joined at no cost inside a caller's.
    """
    if connection.vendor == "postgresql" and day >= timezone.localdate():
        return nullcontext()
    return transaction.atomic(savepoint=False)


_PUNCH_FIELDS = ("staff_id", "work_date", "kind", "at", "source_ip", "user_agent", "is_correction", "correction_id",
                 "created_at", "updated_at")


# The row that stands when a punch repeats one (a second tap; every line of a morning's retries): compiled once
# per process and kind.
_standing_punch = {
    kind: PreparedInstances(lambda staff_id, day, kind=kind: (
        Punch.objects.filter(staff_id=staff_id, work_date=day, kind=kind).order_by()
    ))
    for kind in PunchKind.values
}


def _punch_upsert(
    *, staff: StaffMember, day: dt.date, kind: str, now: dt.datetime, ip: str | None, user_agent: str
) -> tuple[Punch, bool, bool]:
    """The punch in ONE statement, its idempotency kept by the unique key (staff, work_date, kind):

    - 上班: ``INSERT … ON CONFLICT DO NOTHING`` — the first 上班 stays;
    - 下班: ``INSERT … ON CONFLICT DO UPDATE … WHERE stored.at < new.at`` — the last 下班 stays (a real
      punch also supersedes an approved 補登).

    Two devices at once: the database decides, the second waits for the first's row and then does
    nothing or moves it. When the statement changed nothing, one more query reads the row that stands.
    When it changed the row, the day is queued for its recompute (a ``PendingResult``): on PostgreSQL by
    the same statement (a data-modifying WITH), elsewhere by a second one.
    Returns (punch, created, updated).
    """
    qn = connection.ops.quote_name
    table = qn(Punch._meta.db_table)
    stamp = timezone.now()  # created_at/updated_at; also tells a new row from a moved one below
    fields = {f.attname: f for f in Punch._meta.concrete_fields}
    values = {
        "staff_id": staff.pk, "work_date": day, "kind": kind, "at": now, "source_ip": ip or None,
        "user_agent": user_agent, "is_correction": False, "correction_id": None, "created_at": stamp,
        "updated_at": stamp,
    }
    params = [fields[name].get_db_prep_save(values[name], connection) for name in _PUNCH_FIELDS]
    columns = ", ".join(qn(cast(str, fields[name].column)) for name in _PUNCH_FIELDS)  # concrete: a column each
    key = ", ".join(qn(name) for name in ("staff_id", "work_date", "kind"))
    if kind == PunchKind.IN:
        conflict = "DO NOTHING"
    else:
        moved = ("at", "source_ip", "user_agent", "is_correction", "correction_id", "updated_at")
        sets = ", ".join(f"{qn(name)} = excluded.{qn(name)}" for name in moved)
        conflict = f"DO UPDATE SET {sets} WHERE {table}.{qn('at')} < excluded.{qn('at')}"
    punched = (
        f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(_PUNCH_FIELDS))}) "
        f"ON CONFLICT ({key}) {conflict} RETURNING {qn('id')}, {qn('created_at')} = %s AS is_new"
    )
    queue_in_statement = connection.vendor == "postgresql"
    if queue_in_statement:
        pending = qn(PendingResult._meta.db_table)
        sql = (
            f"WITH punched AS ({punched}, {qn('staff_id')}, {qn('work_date')}), "
            f"queued AS (INSERT INTO {pending} ({qn('staff_id')}, {qn('date')}) "
            f"SELECT {qn('staff_id')}, {qn('work_date')} FROM punched "
            f"ON CONFLICT ({qn('staff_id')}, {qn('date')}) DO NOTHING) "
            f"SELECT {qn('id')}, is_new FROM punched"
        )
    else:
        sql = punched
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, fields["created_at"].get_db_prep_save(stamp, connection)])
        row = cursor.fetchone()
    if row is None:  # a repeat that changes nothing: the row that stands
        standing = _standing_punch[kind].rows(staff.pk, day)  # the kind was checked by punch_record
        if not standing:  # cannot be, under the unique key that refused the insert
            raise Punch.DoesNotExist(f"no {kind} punch of {staff.pk} on {day}")
        return standing[0], False, False
    if not queue_in_statement:
        PendingResult.objects.bulk_create([PendingResult(staff_id=staff.pk, date=day)], ignore_conflicts=True)
    punch_id, is_new = row[0], bool(row[1])
    names = ["id", *_PUNCH_FIELDS] if is_new else ["id", *(n for n in _PUNCH_FIELDS if n != "created_at")]
    punch = Punch.from_db(connection.alias, names, [punch_id, *(values[name] for name in names[1:])])
    return punch, is_new, not is_new


PENDING_RESULTS_MARK = "attendance:pending-results-queued"


def pending_results_recompute_soon() -> None:
    """After the commit, make sure one task will take the queued days (``PendingResult``) — unless one is
    queued already.

    The mark in the cache coalesces the morning rush: of the punches committed while a task waits for its
    countdown, only the first queues it, and that one task recomputes every day queued meanwhile, in one
    pass. The task clears the mark before it reads the queue, so a punch committed after that read
    queues the next task. A lost task leaves its days queued: the next task, or the window-end sweep
    (which also queues one), takes them.
    """
    from attendance import tasks  # tasks imports this module

    def enqueue() -> None:
        if not cache.add(PENDING_RESULTS_MARK, 1, timeout=settings.ATTENDANCE_RESULT_COALESCE_SECONDS):
            return  # a task is queued and has not started yet: it will take this day
        try:
            tasks.recompute_pending_results.apply_async(countdown=settings.ATTENDANCE_RESULT_DELAY_SECONDS)
        except Exception:  # the broker is down: the sweep computes the day; the punch stands
            cache.delete(PENDING_RESULTS_MARK)
            log.exception("could not queue the recompute of the punched days")

    transaction.on_commit(enqueue)


def pending_results_recompute(*, limit: int | None = None, now: dt.datetime | None = None) -> int:
    """The task's work: clear the mark, then take up to ``limit`` queued days (oldest first, skipping rows
    another worker holds) and recompute them, one pass per date. Returns how many days were taken (the task
    queues itself again when that is the whole batch). Idempotent.

    The rows are taken in a short transaction of their own: a punch of someone being recomputed inserts
    their row again at once instead of waiting for the recompute (its INSERT would wait on a row deleted by
    a transaction still open). A recompute that fails puts the days back in the queue; one lost with a killed
    worker is made final by the window-end sweep, as a lost task is."""
    cache.delete(PENDING_RESULTS_MARK)
    limit = limit or settings.ATTENDANCE_RESULT_BATCH
    with transaction.atomic():
        taken = list(
            PendingResult.objects.select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", "staff_id", "date")[:limit]
        )
        PendingResult.objects.filter(pk__in=[pk for pk, _staff, _day in taken]).delete()
    if not taken:
        return 0
    people_by_day: dict[dt.date, list[int]] = defaultdict(list)
    for _pk, staff_id, day in taken:
        people_by_day[day].append(staff_id)
    try:
        with transaction.atomic():
            for day, staff_ids in sorted(people_by_day.items()):
                schools = all_schools(ids=people_by_ids(staff_ids).values_list("school_id", flat=True))
                daily_results_recompute(schools=schools, start=day, end=day, staff_ids=staff_ids, now=now)
    except Exception:
        PendingResult.objects.bulk_create(
            [PendingResult(staff_id=staff_id, date=day) for _pk, staff_id, day in taken], ignore_conflicts=True
        )
        raise
    return len(taken)


# --- Daily results ---------------------------------------------------------------------------

_RESULT_UPDATE_FIELDS = [
    "school",
    "status",
    "late_minutes",
    "early_minutes",
    "leave_minutes",
    "first_in",
    "last_out",
    "in_corrected",
    "out_corrected",
    "required_start",
    "required_end",
    "day_reason",
    "day_label",
    "leave_label",
    "leave_label_en",
    "computed_at",
]


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class _EpochMicroseconds(Func):
    """A timestamp as whole microseconds since 1970, on PostgreSQL."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = BigIntegerField()


def _punches_by_day(
    punch_qs: QuerySet[Punch],
) -> tuple[dict[tuple[int, dt.date], tuple[dt.datetime, bool]], dict[tuple[int, dt.date], tuple[dt.datetime, bool]]]:
    """(at, is_correction) of each person's 上班 and of their 下班, by (person, day)."""
    punches_in: dict[tuple[int, dt.date], tuple[dt.datetime, bool]] = {}
    punches_out: dict[tuple[int, dt.date], tuple[dt.datetime, bool]] = {}
    punch_qs = punch_qs.order_by()  # one of each kind per person and day: any order
    if connection.vendor == "postgresql":
        # Django reads a timestamptz by parsing its text in Python, most of this query's cost (≈ 3 µs a punch):
        # a count of microseconds is read as a plain integer and is the same instant.
        rows = punch_qs.annotate(at_us=_EpochMicroseconds("at")).values_list(
            "staff_id", "work_date", "kind", "at_us", "is_correction"
        )
        for staff_id, day, kind, at_us, corrected in rows:
            at = _EPOCH + dt.timedelta(microseconds=at_us)
            (punches_in if kind == PunchKind.IN else punches_out)[(staff_id, day)] = (at, corrected)
    else:
        for staff_id, day, kind, at, corrected in punch_qs.values_list(
            "staff_id", "work_date", "kind", "at", "is_correction"
        ):
            (punches_in if kind == PunchKind.IN else punches_out)[(staff_id, day)] = (at, corrected)
    return punches_in, punches_out


def daily_results_recompute(
    *,
    school: School | None = None,
    schools: Iterable[School] | QuerySet[School] | None = None,
    start: dt.date,
    end: dt.date,
    staff_ids: Iterable[int] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Compute and store the result of every active person of ``school`` — or of several ``schools`` at
    once (a list, or a queryset read as a subquery) — or of ``staff_ids`` among them, for every day from
    ``start`` to ``end`` (clipped to today). Returns the number of rows written.

    Set-based: a fixed number of queries whatever the number of schools, people and days —
    people, the calendar (duty_days), punches, leave spans, and one upsert.
    """
    if (school is None) == (schools is None):
        raise TypeError("daily_results_recompute: give school or schools")
    now = now or timezone.now()
    end = min(end, timezone.localdate(now))
    if end < start:
        return 0
    in_schools: dict[str, Any]
    if school is not None:
        in_schools = {"school_id": school.pk}
    elif schools is None:
        raise TypeError("daily_results_recompute: give school or schools")
    elif isinstance(schools, QuerySet):
        in_schools = {"school_id__in": schools.values("pk")}
    else:
        in_schools = {"school_id__in": [s.pk for s in schools]}
    # The school's 啟用日 comes with each person (a join, not a query): no result before it.
    members_qs = (
        people_of_schools(school_ids=None).filter(**in_schools).annotate(system_start=F("school__attendance_start"))
    )
    if staff_ids is not None:
        members_qs = members_qs.filter(pk__in=list(staff_ids))
    members = list(members_qs)
    if not members:
        return 0
    ids = [m.pk for m in members]

    duties = duty_days(members, start, end)
    punch_qs = Punch.objects.filter(
        **{f"staff__{key}": value for key, value in in_schools.items()}, work_date__range=(start, end)
    )
    if staff_ids is not None:
        punch_qs = punch_qs.filter(staff_id__in=ids)
    punches_in, punches_out = _punches_by_day(punch_qs)
    spans_by_staff = defaultdict(list)
    # Through the module, so that the leave helper's implementation (and a test's stand-in) is used.
    for span in leave_selectors.leave_spans(staff_ids=ids, start=start, end=end):
        spans_by_staff[span.staff_id].append(span)

    days = list(_days(start, end))
    rows = []
    for member in members:
        pk = member.pk
        spans = spans_by_staff.get(pk, ())
        first = max(start, member.hire_date, member.system_start or start)
        for day in days[(first - start).days:]:
            key = (pk, day)
            duty = duties.get(key)
            if duty is None:
                continue
            rows.append(
                daily_result_values(
                    member, duty, punch_in=punches_in.get(key), punch_out=punches_out.get(key), spans=spans, now=now
                )
            )
    return upsert(DailyResult, rows, unique_fields=["staff", "date"], update_fields=_RESULT_UPDATE_FIELDS)


def daily_results_ensure(
    *,
    school: School,
    start: dt.date,
    end: dt.date,
    staff_ids: Iterable[int] | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Recompute the range when a stored result is missing or stale (two queries when all is there).

    Results are normally written as things happen and by the 18:00 task; this covers days that no
    event touched (a person who never punched, a school whose beat was not running).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    end = min(end, today)
    if end < start:
        return False
    staff_qs = school_people(school_id=school.pk)
    result_qs = DailyResult.objects.filter(school=school, staff__is_active=True, date__range=(start, end))
    if staff_ids is not None:
        staff_ids = list(staff_ids)
        staff_qs = staff_qs.filter(pk__in=staff_ids)
        result_qs = result_qs.filter(staff_id__in=staff_ids)
    first = max(start, school.attendance_start or start)  # nothing before the school's 啟用日
    if end < first:
        return False
    result_qs = result_qs.filter(date__gte=first)
    expected = sum(max(0, (end - max(first, hired)).days + 1) for hired in staff_qs.values_list("hire_date", flat=True))
    counts = result_qs.aggregate(
        stored=Count("pk"),
        stale=Count(
            "pk",
            filter=Q(status=DailyStatus.PENDING)
            & (Q(date__lt=today) | Q(required_end__lte=timezone.localtime(now).time())),
        ),
    )
    if counts["stored"] >= expected and not counts["stale"]:
        return False
    daily_results_recompute(school=school, start=start, end=end, staff_ids=staff_ids, now=now)
    return True


def daily_results_finalise(
    *, schools: Iterable[School] | QuerySet[School], day: dt.date | None = None, now: dt.datetime | None = None
) -> int:
    """The window-end sweep: recompute the day's results that are not final yet, of the people whose
    window has ended (or who have no duty that day). Returns how many were recomputed.

    A result is final when it was computed after the end of the person's window and after their last
    punch changed. Anything a lost task left behind (worker killed, broker down at commit time), and
    everyone who never punched, is computed here. Set-based: a fixed number of queries for all the
    schools given (people, the calendar, the day's results, the day's punches), then one recompute.
    """
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    if day > timezone.localdate(now):
        return 0
    in_schools: dict[str, Any]
    if isinstance(schools, QuerySet):
        in_schools = {"school_id__in": schools.values("pk")}
    else:
        in_schools = {"school_id__in": [s.pk for s in schools]}
    members = list(
        people_of_schools(school_ids=None)
        .filter(**in_schools, hire_date__lte=day)
        .exclude(school__attendance_start__gt=day)  # not yet using the system that day
    )
    if not members:
        return 0
    duties = duty_days(members, day, day)
    computed = dict(DailyResult.objects.filter(**in_schools, date=day).values_list("staff_id", "computed_at"))
    last_change: dict[int, dt.datetime] = {}
    for staff_id, changed in Punch.objects.filter(
        **{f"staff__{key}": value for key, value in in_schools.items()}, work_date=day
    ).values_list("staff_id", "updated_at"):
        last_change[staff_id] = max(changed, last_change.get(staff_id, changed))
    due = []
    for member in members:
        duty = duties.get((member.pk, day))
        if duty is None:
            continue
        window_end = duty.end_at() if duty.has_duty and duty.end else None
        if window_end is not None and window_end > now:
            continue  # still open: the punch tasks keep it current; final after the end
        at = computed.get(member.pk)
        if at is None or (window_end is not None and at < window_end) or at < last_change.get(member.pk, at):
            due.append(member.pk)
    if not due:
        return 0
    with transaction.atomic():
        return daily_results_recompute(schools=schools, start=day, end=day, staff_ids=due, now=now)


# Who sets it: the school's personnel office or system admin.
START_DATE_ROLES = frozenset({Role.PERSONNEL, Role.SYSTEM_ADMIN})


# --- The school's start date (啟用日) --------------------------------------------------------


def attendance_start_set(*, actor: StaffMember, start: dt.date | None) -> None:
    """Set the day the actor's school started using the system. Before it there are no results, no
    reminders and no 補登; the results already stored before it (computed while it was unset or
    earlier) are removed in the same transaction. Moving it earlier lets the pages fill the days in
    (daily_results_ensure). Personnel or the system admin of the school only."""
    if not actor.roles_set & START_DATE_ROLES:
        raise AttendanceError(_("只有人事室與系統管理者可以設定啟用日"), code="forbidden")
    if start is not None and start > timezone.localdate():
        raise AttendanceError(_("啟用日不能晚於今天"), code="future")
    with transaction.atomic():
        school = school_lock(actor.school_id)
        school_attendance_start_set(actor=actor.user, school=school, start=start)
        if start is not None:
            DailyResult.objects.filter(school_id=school.pk, date__lt=start).delete()


# --- City-scale recomputes ---------------------------------------------------------------------


def recompute_periods(start: dt.date, end: dt.date, days: int = 31) -> list[tuple[dt.date, dt.date]]:
    """[start, end] in pieces of at most ``days`` days: one task's rows stay bounded however long the range."""
    pieces = []
    while start <= end:
        last = min(end, start + dt.timedelta(days=days - 1))
        pieces.append((start, last))
        start = last + dt.timedelta(days=1)
    return pieces


def recompute_job_start(
    *,
    reason: str,
    start: dt.date,
    end: dt.date,
    school_ids: Iterable[int] | None = None,
    staff_ids: Iterable[int] | None = None,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> RecomputeJob | None:
    """Recompute the results of many schools (``school_ids``; None: every school) after the commit, in
    tasks of ATTENDANCE_SCHOOLS_PER_TASK schools and at most a month each, run by as many workers as
    there are. Returns the progress record (None when the range lies wholly in the future).

    The caller's transaction only writes the record and registers one message for after the commit
    (attendance.tasks.plan_recompute), so a city-wide declaration returns at once; a rolled-back change
    (the calendar's preview) queues nothing.
    """
    from attendance import tasks  # tasks imports this module

    now = now or timezone.now()
    end = min(end, timezone.localdate(now))
    if end < start:
        return None
    school_ids = None if school_ids is None else sorted(set(school_ids))
    staff_ids = None if staff_ids is None else sorted(set(staff_ids))
    job = RecomputeJob.objects.create(
        reason=reason[:60],
        started_by=actor if getattr(actor, "pk", None) else None,
        school_id=school_ids[0] if school_ids is not None and len(school_ids) == 1 else None,
        start=start,
        end=end,
    )
    transaction.on_commit(lambda: tasks.plan_recompute.delay(job.pk, school_ids, staff_ids))
    return job


def recompute_job_plan(
    *, job_id: int, school_ids: list[int] | None, staff_ids: list[int] | None, batch_size: int | None = None
) -> list[tuple[list[int], dt.date, dt.date]]:
    """The job's pieces: batches of schools × periods of at most a month. Stores the totals."""
    from attendance.tasks import school_batches

    job = RecomputeJob.objects.get(pk=job_id)
    schools = all_schools().order_by("pk")
    if school_ids is not None:
        schools = schools.filter(pk__in=school_ids)
    if staff_ids is not None:
        schools = schools.filter(pk__in=people_by_ids(staff_ids).values("school_id"))
    ids = list(schools.values_list("pk", flat=True))
    pieces = [
        (batch, first, last)
        for first, last in recompute_periods(job.start, job.end)
        for batch in school_batches(ids, batch_size)
    ]
    RecomputeJob.objects.filter(pk=job_id).update(
        schools_total=len(ids), batches_total=len(pieces), finished_at=None if pieces else timezone.now()
    )
    return pieces


def recompute_job_piece(
    *, job_id: int, school_ids: list[int], start: dt.date, end: dt.date, staff_ids: list[int] | None
) -> int:
    """One task's piece: those schools' days, in one pass; then the progress moves on."""
    with transaction.atomic():
        written = daily_results_recompute(
            schools=all_schools(ids=school_ids), start=start, end=end, staff_ids=staff_ids
        )
        job = RecomputeJob.objects.filter(pk=job_id)
        job.update(batches_done=F("batches_done") + 1)
        job.filter(end__lte=end).update(schools_done=F("schools_done") + len(school_ids))
        job.filter(batches_done__gte=F("batches_total"), finished_at__isnull=True).update(finished_at=timezone.now())
    return written


# --- Forgotten punches (補登) -----------------------------------------------------------------


def _correction_url() -> str:
    return reverse("attendance:corrections")


def _correction_key(correction: PunchCorrection) -> str:
    """What the notices asking to decide a 補登 are about (notifications' ``about``)."""
    return f"attendance.correction:{correction.pk}"


def punch_correction_request(
    *,
    staff: StaffMember,
    date: dt.date,
    kind: str,
    time: dt.time,
    reason: str,
    now: dt.datetime | None = None,
) -> PunchCorrection:
    """Ask to add a forgotten punch. The unit head (or personnel) is told and decides."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if kind not in PunchKind.values:
        raise AttendanceError(_("打卡種類不正確"), code="invalid_kind")
    if not reason:
        raise AttendanceError(_("請填寫補登事由"), code="reason_required")
    at = timezone.make_aware(dt.datetime.combine(date, time.replace(second=0, microsecond=0)))
    if at > now:
        raise AttendanceError(_("不能補登未來的時間"), code="future")
    oldest = timezone.localdate(now) - dt.timedelta(days=settings.ATTENDANCE_CORRECTION_MAX_AGE_DAYS)
    if date < oldest:
        raise AttendanceError(
            _("只能補登 %(days)s 天內的打卡") % {"days": settings.ATTENDANCE_CORRECTION_MAX_AGE_DAYS}, code="too_old"
        )

    started = staff.school.attendance_start
    if started is not None and date < started:
        raise AttendanceError(
            _("學校自 %(day)s 起使用本系統，之前的日子不能補登") % {"day": format_roc_short(started)},
            code="before_start",
        )

    with transaction.atomic():
        _lock_staff(staff)  # the monthly cap is counted under the lock
        punches = {p.kind: p for p in Punch.objects.filter(staff=staff, work_date=date)}
        if kind in punches:
            raise AttendanceError(_("當天已有這張卡的紀錄，不需補登"), code="already_punched")
        other = punches.get(PunchKind.OUT if kind == PunchKind.IN else PunchKind.IN)
        if other is not None and kind == PunchKind.IN and at >= other.at:
            raise AttendanceError(_("上班時間不能晚於當天的下班卡"), code="in_after_out")
        if other is not None and kind == PunchKind.OUT and at <= other.at:
            raise AttendanceError(_("下班時間不能早於當天的上班卡"), code="out_before_in")
        open_statuses = [PunchCorrection.Status.PENDING, PunchCorrection.Status.APPROVED]
        month_start = date.replace(day=1)
        used = PunchCorrection.objects.filter(
            staff=staff, status__in=open_statuses, date__gte=month_start, date__lt=_next_month(month_start)
        ).count()
        cap = settings.ATTENDANCE_MAX_CORRECTIONS_PER_MONTH
        if used >= cap:
            raise AttendanceError(
                _("每月最多補登 %(cap)s 次，%(month)s 已達上限")
                % {"cap": cap, "month": f"{date.year - 1911}/{date.month:02d}"},
                code="monthly_cap",
            )
        try:
            with transaction.atomic():
                correction = PunchCorrection.objects.create(
                    school_id=staff.school_id, staff=staff, date=date, kind=kind, time=at.time(), reason=reason[:300]
                )
        except IntegrityError as exc:
            raise AttendanceError(_("這張卡已有補登申請"), code="duplicate") from exc
        audit_log(
            actor=staff.user,
            action="attendance.correction_requested",
            target=correction,
            school=staff.school,
            data={"date": date, "kind": kind, "time": at.time(), "reason": reason},
        )
        approvers = correction_approvers(staff)
        if approvers:
            notify(
                approvers,
                "attendance.correction_requested",
                {"correction": correction, "applicant": staff, "day": format_roc_short(date)},
                url=_correction_url(),
                about=_correction_key(correction),
            )
    return correction


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _lock_pending_correction(correction_id: int, approver: StaffMember) -> PunchCorrection:
    correction = (
        PunchCorrection.objects.select_for_update(of=("self",))
        .select_related("staff__user", "staff__school")
        .filter(pk=correction_id)
        .first()
    )
    if correction is None or not can_manage_staff(approver, correction.staff):
        raise AttendanceError(_("您沒有審核這筆補登的權限"), code="not_allowed")
    if not CORRECTION.allows(correction.status, "approve"):  # approving and rejecting share their states
        raise AttendanceError(_("這筆補登已經審核過了"), code="not_pending")
    return correction


def _record_decision(
    correction: PunchCorrection, *, status: str, approver: StaffMember, note: str, now: dt.datetime
) -> None:
    """Close the request, write the audit entry and tell the applicant (inside the caller's transaction)."""
    correction.status = status
    correction.decided_by, correction.decided_at = approver, now
    correction.decision_note = (note or "").strip()[:300]
    correction.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    notification_resolve(about=_correction_key(correction))  # whoever decided, the approvers' notices are done
    action = f"attendance.correction_{status}"  # attendance.correction_approved / _rejected
    audit_log(
        actor=approver.user,
        action=action,
        target=correction,
        school=correction.staff.school,
        data={"date": correction.date, "kind": correction.kind, "time": correction.time, "note": note},
    )
    notify(
        [correction.staff],
        action,
        {"correction": correction, "approver": approver, "day": format_roc_short(correction.date)},
        url=_correction_url(),
    )


def punch_correction_approve(
    *, correction_id: int, approver: StaffMember, note: str = "", now: dt.datetime | None = None
) -> PunchCorrection:
    """Approve a 補登: it becomes a punch (marked as a correction) and the day is recomputed."""
    now = now or timezone.now()
    with transaction.atomic():
        correction = _lock_pending_correction(correction_id, approver)
        staff = correction.staff
        _lock_staff(staff)
        if Punch.objects.filter(staff=staff, work_date=correction.date, kind=correction.kind).exists():
            raise AttendanceError(_("當天已有這張卡的紀錄，不需補登"), code="already_punched")
        try:
            with transaction.atomic():
                Punch.objects.create(
                    staff=staff,
                    work_date=correction.date,
                    kind=correction.kind,
                    at=timezone.make_aware(dt.datetime.combine(correction.date, correction.time)),
                    is_correction=True,
                    correction=correction,
                )
        except IntegrityError as exc:
            # A real punch of that card committed meanwhile (punches take no person lock).
            raise AttendanceError(_("當天已有這張卡的紀錄，不需補登"), code="already_punched") from exc
        _record_decision(correction, status=CORRECTION.target("approve"), approver=approver, note=note, now=now)
        daily_results_recompute(
            school=staff.school, start=correction.date, end=correction.date, staff_ids=[staff.pk], now=now
        )
        publish_punches_changed(
            PunchesChanged(
                staff_id=staff.pk, school_id=staff.school_id, day=correction.date, action="correction_approved"
            )
        )
    return correction


def punch_correction_reject(
    *, correction_id: int, approver: StaffMember, note: str = "", now: dt.datetime | None = None
) -> PunchCorrection:
    """Reject a 補登; the applicant is told why."""
    now = now or timezone.now()
    with transaction.atomic():
        correction = _lock_pending_correction(correction_id, approver)
        _record_decision(correction, status=CORRECTION.target("reject"), approver=approver, note=note, now=now)
    return correction


# --- Reminders -------------------------------------------------------------------------------


def school_batches(school_ids: Sequence[int], size: int | None = None) -> Iterator[list[int]]:
    """The schools in lists of at most ``size`` (ATTENDANCE_SCHOOLS_PER_TASK): a task or a transaction each, so
    no statement or message grows with the city."""
    size = max(1, size or settings.ATTENDANCE_SCHOOLS_PER_TASK)
    for i in range(0, len(school_ids), size):
        yield list(school_ids[i : i + size])


def missing_punch_reminders_send(*, day: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Tell each person whose day still lacks a punch (in-app + email), once per person and day.

    Results of every school are recomputed first, ATTENDANCE_SCHOOLS_PER_TASK schools a transaction (no statement
    grows with the city), so the reminder sees today's final state.
    Then, in batches of ATTENDANCE_REMINDER_BATCH people, one transaction each: the batch's PunchReminder
    rows in one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (a second run, or a concurrent one, gets
    nobody back for a person already reminded, and that person is skipped), and the notices of those it
    got back in two INSERTs (``notifications.services.notices_save``); their emails go through the outbox
    task after the commit. Constant queries per batch. Returns how many were sent.
    """
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    for school_ids in school_batches(list(all_schools().order_by("pk").values_list("pk", flat=True))):
        with transaction.atomic():
            daily_results_recompute(schools=all_schools(ids=school_ids), start=day, end=day, now=now)
    # By school and day: PostgreSQL probes the results' (school, date, status) index once per school, where a read by
    # the day alone scans that index over every year of results kept. One statement, the same for any city.
    results = list(
        DailyResult.objects.filter(
            school_id__in=all_schools().values("pk"), date=day, status__in=MISSING_PUNCH_STATUSES,
            staff__is_active=True,
        )
        .exclude(Exists(PunchReminder.objects.filter(staff_id=OuterRef("staff_id"), date=day)))
        .select_related("staff__user")
        .order_by("staff_id")
    )
    size = max(1, settings.ATTENDANCE_REMINDER_BATCH)
    url = reverse("attendance:correction_new") + f"?date={day.isoformat()}"
    sent = 0
    for first in range(0, len(results), size):
        batch = results[first : first + size]
        with transaction.atomic():
            mine = _reminders_insert(batch, day=day, now=now)
            drafts = []
            for result in batch:
                if result.staff_id in mine:
                    drafts += notice_drafts(
                        [result.staff],
                        "attendance.missing_punch",
                        {"result": result, "day": format_roc_short(day), "status": result.get_status_display()},
                        url=url,
                    )
            notices_save(drafts)
        sent += len(mine)
    return sent


def _reminders_insert(results: list[DailyResult], *, day: dt.date, now: dt.datetime) -> set[int]:
    """Insert the reminders of these people for ``day``; the staff ids whose row this call inserted."""
    if not results:
        return set()
    meta = PunchReminder._meta
    qn = connection.ops.quote_name
    column_of = {field.name: str(field.column) for field in meta.concrete_fields}
    columns = [column_of[name] for name in ("staff", "date", "kind", "status", "sent_at")]
    params: list[Any] = []
    for result in results:
        params += [
            result.staff_id,
            connection.ops.adapt_datefield_value(day),
            str(PunchReminder.Kind.MISSING_PUNCH),
            result.status,
            connection.ops.adapt_datetimefield_value(now),
        ]
    rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(results))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(c) for c in columns)}) VALUES {rows} "
            f"ON CONFLICT DO NOTHING RETURNING {qn(columns[0])}",
            params,
        )
        return {row[0] for row in cursor.fetchall()}
