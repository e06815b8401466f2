"""Changes to schedules and the calendar.

Every change runs in a transaction, is audited (audit_log) and sends
``schedules.events.calendar_changed`` inside that transaction, so attendance recomputes the
affected days together with the change (or not at all).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import audit_log
from config.errors import DomainError
from schedules import office_calendar
from schedules.calendar import office_day
from schedules.defaults import DEFAULT_BY_CATEGORY, SEED_EFFECTIVE_FROM
from schedules.events import calendar_changed
from schedules.models import (
    CategorySchedule,
    OfficeCalendarDay,
    OfficeCalendarYear,
    PersonalSchedule,
    SchoolDay,
    Semester,
    TyphoonDay,
    WorkSchedule,
)
from schedules.models.semesters import school_year_bounds
from staff.models import School, StaffMember


class ScheduleError(DomainError):
    """A schedule or calendar change that cannot be made; ``code`` says which rule stopped it."""


class OfficeCalendarImportError(ScheduleError):
    """The office calendar file was rejected whole; ``errors`` lists every bad row."""

    def __init__(self, errors: list[str]):
        super().__init__(
            gettext_lazy("檔案有 %(count)d 個錯誤，沒有匯入任何資料") % {"count": len(errors)},
            code="office_calendar_invalid",
        )
        self.errors = errors


def _full_clean(obj, *, code: str) -> None:
    """Model validation as a ScheduleError, so pages and the API show it like any other rule."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ScheduleError("；".join(exc.messages), code=code) from exc


def _send_changed(
    sender: type,
    *,
    reason: str,
    school_ids: list[int] | None,
    start: dt.date,
    end: dt.date | None,
    staff_ids: list[int] | None = None,
) -> None:
    """``end=None`` means open-ended (a rule from a date on): the days up to today are the ones with results."""
    if end is None:
        end = max(start, timezone.localdate())
    calendar_changed.send(
        sender=sender, school_ids=school_ids, start=start, end=end, staff_ids=staff_ids, reason=reason
    )


# --- the office calendar -------------------------------------------------------------------------


@transaction.atomic
def office_calendar_import(*, actor, content: bytes, source_name: str = "") -> list[OfficeCalendarYear]:
    """Import a 「中華民國政府行政機關辦公日曆表」 CSV; each year in it replaces that year's earlier import.

    Raises OfficeCalendarImportError listing every bad row; then nothing is written.
    """
    try:
        parsed = office_calendar.parse(content)
    except office_calendar.OfficeCalendarFileError as exc:
        raise OfficeCalendarImportError(exc.errors) from exc

    # Lock the years being replaced so two imports of the same year don't interleave.
    existing = {c.year: c for c in OfficeCalendarYear.objects.select_for_update().filter(year__in=parsed.years)}
    imported = []
    for year in parsed.years:
        calendar = existing.get(year)
        replaced = calendar is not None
        if calendar is None:
            try:
                with transaction.atomic():
                    calendar = OfficeCalendarYear.objects.create(
                        year=year,
                        source_name=source_name[:200],
                        encoding=parsed.encoding,
                        imported_by=actor_or_none(actor),
                    )
            except IntegrityError as exc:
                raise ScheduleError(_("%(year)d 年的辦公日曆正由他人匯入，請稍後再試") % {"year": year},
                                    code="import_in_progress") from exc
        else:
            calendar.days.all().delete()
            calendar.source_name = source_name[:200]
            calendar.encoding = parsed.encoding
            calendar.imported_by = actor_or_none(actor)
            calendar.save()
        rows = [r for r in parsed.rows if r.date.year == year]
        OfficeCalendarDay.objects.bulk_create(
            OfficeCalendarDay(calendar=calendar, date=r.date, is_day_off=r.is_day_off, note=r.note) for r in rows
        )
        audit_log(
            actor=actor,
            action="schedules.office_calendar_imported",
            target=calendar,
            data={
                "year": year,
                "replaced": replaced,
                "source": source_name,
                "encoding": parsed.encoding,
                "days": len(rows),
                "days_off": sum(r.is_day_off for r in rows),
                "makeup_workdays": [r.date for r in rows if not r.is_day_off and r.date.weekday() >= 5],
            },
        )
        imported.append(calendar)
    _send_changed(
        OfficeCalendarYear,
        reason="office_calendar_imported",
        school_ids=None,
        start=dt.date(parsed.years[0], 1, 1),
        end=dt.date(parsed.years[-1], 12, 31),
    )
    return imported


def actor_or_none(actor):
    return actor if getattr(actor, "pk", None) else None


# --- the school's own days ----------------------------------------------------------------------


def school_day_check(*, school: School, day: dt.date, kind: str, label: str, exclude_pk: int | None) -> None:
    if not label.strip():
        raise ScheduleError(_("請填寫名稱"), code="label_required")
    if SchoolDay.objects.filter(school=school, date=day).exclude(pk=exclude_pk).exists():
        raise ScheduleError(_("%(date)s 已有學校行事曆設定，請修改該筆") % {"date": day}, code="school_day_exists")
    working, _reason, office_label = office_day(day)
    if kind == SchoolDay.Kind.MAKEUP_DAY and working:
        raise ScheduleError(
            _("%(date)s 本來就是上班日，不需設為補上班上課日") % {"date": day}, code="makeup_on_workday"
        )
    if kind == SchoolDay.Kind.DAY_OFF and not working:
        raise ScheduleError(
            _("%(date)s 本來就不上班（%(label)s），不需設為學校放假") % {"date": day, "label": office_label},
            code="day_off_on_day_off",
        )


@transaction.atomic
def school_day_create(*, actor, school: School, day: dt.date, kind: str, label: str) -> SchoolDay:
    School.objects.select_for_update().get(pk=school.pk)  # one writer per school's calendar at a time
    school_day_check(school=school, day=day, kind=kind, label=label, exclude_pk=None)
    entry = SchoolDay(school=school, date=day, kind=kind, label=label.strip(), created_by=actor_or_none(actor))
    _full_clean(entry, code="invalid_school_day")
    entry.save()
    audit_log(
        actor=actor, action="schedules.school_day_created", target=entry, school=school,
        data={"date": day, "kind": kind, "label": entry.label},
    )
    _send_changed(SchoolDay, reason="school_day_created", school_ids=[school.pk], start=day, end=day)
    return entry


@transaction.atomic
def school_day_update(*, actor, school_day: SchoolDay, day: dt.date, kind: str, label: str) -> SchoolDay:
    School.objects.select_for_update().get(pk=school_day.school_id)
    entry = SchoolDay.objects.select_for_update().get(pk=school_day.pk)
    school_day_check(school=entry.school, day=day, kind=kind, label=label, exclude_pk=entry.pk)
    before = {"date": entry.date, "kind": entry.kind, "label": entry.label}
    entry.date, entry.kind, entry.label = day, kind, label.strip()
    _full_clean(entry, code="invalid_school_day")
    entry.save()
    audit_log(
        actor=actor, action="schedules.school_day_updated", target=entry, school=entry.school,
        data={"before": before, "after": {"date": day, "kind": kind, "label": entry.label}},
    )
    _send_changed(
        SchoolDay, reason="school_day_updated", school_ids=[entry.school_id],
        start=min(before["date"], day), end=max(before["date"], day),
    )
    return entry


@transaction.atomic
def school_day_delete(*, actor, school_day: SchoolDay) -> None:
    entry = SchoolDay.objects.select_for_update().get(pk=school_day.pk)
    audit_log(
        actor=actor, action="schedules.school_day_deleted", target=entry, school=entry.school,
        data={"date": entry.date, "kind": entry.kind, "label": entry.label},
    )
    school_id, day = entry.school_id, entry.date
    entry.delete()
    _send_changed(SchoolDay, reason="school_day_deleted", school_ids=[school_id], start=day, end=day)


# --- typhoon days -------------------------------------------------------------------------------


def typhoon_day_check(*, day: dt.date, school: School | None, exclude_pk: int | None = None) -> None:
    """Refuse a second declaration of the same day and scope."""
    existing = TyphoonDay.objects.filter(date=day).exclude(pk=exclude_pk)
    if existing.filter(school__isnull=True).exists():
        raise ScheduleError(_("%(date)s 已宣布全市停班停課") % {"date": day}, code="typhoon_already_citywide")
    if school is not None and existing.filter(school=school).exists():
        raise ScheduleError(
            _("%(date)s 已登錄 %(school)s 停班停課") % {"date": day, "school": school.name},
            code="typhoon_already_declared",
        )


@transaction.atomic
def typhoon_day_declare(*, actor, day: dt.date, school: School | None, label: str = "") -> TyphoonDay:
    """停班停課 for ``school``, or for every school when ``school`` is None."""
    label = label.strip() or _("颱風停班停課")
    typhoon_day_check(day=day, school=school)
    try:
        # The unique constraints decide a race between two declarations of the same day.
        with transaction.atomic():
            typhoon = TyphoonDay.objects.create(date=day, school=school, label=label, declared_by=actor_or_none(actor))
    except IntegrityError as exc:
        raise ScheduleError(_("%(date)s 已登錄停班停課") % {"date": day}, code="typhoon_already_declared") from exc
    audit_log(
        actor=actor, action="schedules.typhoon_declared", target=typhoon, school=school,
        data={"date": day, "label": label, "scope": school.code if school else "all"},
    )
    _send_changed(
        TyphoonDay, reason="typhoon_declared", school_ids=[school.pk] if school else None, start=day, end=day
    )
    return typhoon


@transaction.atomic
def typhoon_day_withdraw(*, actor, typhoon: TyphoonDay) -> None:
    typhoon = TyphoonDay.objects.select_for_update(of=("self",)).select_related("school").get(pk=typhoon.pk)
    audit_log(
        actor=actor, action="schedules.typhoon_withdrawn", target=typhoon, school=typhoon.school,
        data={"date": typhoon.date, "label": typhoon.label, "scope": typhoon.school.code if typhoon.school else "all"},
    )
    school_ids = [typhoon.school_id] if typhoon.school_id else None
    day = typhoon.date
    typhoon.delete()
    _send_changed(TyphoonDay, reason="typhoon_withdrawn", school_ids=school_ids, start=day, end=day)


# --- semesters ------------------------------------------------------------------------------------


@transaction.atomic
def semester_save(*, actor, semester: Semester) -> Semester:
    """Create or change a semester; the whole school year's vacation days may change with it."""
    School.objects.select_for_update().get(pk=semester.school_id)
    before = None
    if semester.pk:
        old = Semester.objects.select_for_update().get(pk=semester.pk)
        before = {"school_year": old.school_year, "term": old.term, "start": old.start_date, "end": old.end_date}
    _full_clean(semester, code="invalid_semester")
    semester.save()
    after = {"school_year": semester.school_year, "term": semester.term,
             "start": semester.start_date, "end": semester.end_date}
    audit_log(
        actor=actor, action="schedules.semester_saved", target=semester, school=semester.school,
        data={"before": before, "after": after},
    )
    years = {semester.school_year} | ({before["school_year"]} if before else set())
    _send_changed(
        Semester, reason="semester_saved", school_ids=[semester.school_id],
        start=school_year_bounds(min(years))[0], end=school_year_bounds(max(years))[1],
    )
    return semester


@transaction.atomic
def semester_delete(*, actor, semester: Semester) -> None:
    semester = Semester.objects.select_for_update(of=("self",)).select_related("school").get(pk=semester.pk)
    audit_log(
        actor=actor, action="schedules.semester_deleted", target=semester, school=semester.school,
        data={"school_year": semester.school_year, "term": semester.term,
              "start": semester.start_date, "end": semester.end_date},
    )
    first, last = school_year_bounds(semester.school_year)
    school_id = semester.school_id
    semester.delete()
    _send_changed(Semester, reason="semester_deleted", school_ids=[school_id], start=first, end=last)


# --- work schedules -----------------------------------------------------------------------------


def work_schedule_in_effect_before(schedule: WorkSchedule, day: dt.date) -> bool:
    """Has this schedule already decided a day before ``day``? Then its times are history."""
    return (
        schedule.category_assignments.filter(effective_from__lt=day).exists()
        or schedule.personal_assignments.filter(start_date__lt=day).exists()
    )


@transaction.atomic
def work_schedule_save(*, actor, schedule: WorkSchedule) -> WorkSchedule:
    """Create or change a schedule. Times of a schedule already in effect before today cannot change:
    make a new schedule and assign it from a date, so earlier days keep their answer."""
    today = timezone.localdate()
    before = None
    if schedule.pk:
        old = WorkSchedule.objects.select_for_update().get(pk=schedule.pk)
        before = _schedule_data(old)
        timing = ("has_duty", "start", "end", "grace_minutes", "school_day_arrival", "break_start", "break_end",
                  "weekdays")
        if any(before[f] != getattr(schedule, f) for f in timing) and work_schedule_in_effect_before(old, today):
            raise ScheduleError(
                _("「%(name)s」已經生效，時間不可修改；請新增班別並指定生效日") % {"name": old.name},
                code="schedule_in_effect",
            )
    _full_clean(schedule, code="invalid_schedule")
    schedule.save()
    audit_log(
        actor=actor, action="schedules.work_schedule_saved", target=schedule, school=schedule.school,
        data={"before": before, "after": _schedule_data(schedule)},
    )
    if before is not None:
        _send_changed(
            WorkSchedule, reason="work_schedule_saved", school_ids=[schedule.school_id], start=today, end=None
        )
    return schedule


def _schedule_data(s: WorkSchedule) -> dict:
    return {
        "name": s.name, "has_duty": s.has_duty, "start": s.start, "end": s.end, "grace_minutes": s.grace_minutes,
        "school_day_arrival": s.school_day_arrival, "break_start": s.break_start, "break_end": s.break_end,
        "weekdays": s.weekdays,
    }


def _next_category_change(school_id: int, category: str, after: dt.date) -> dt.date | None:
    return (
        CategorySchedule.objects.filter(school_id=school_id, category=category, effective_from__gt=after)
        .order_by("effective_from")
        .values_list("effective_from", flat=True)
        .first()
    )


@transaction.atomic
def category_schedule_assign(
    *, actor, school: School, category: str, schedule: WorkSchedule, effective_from: dt.date
) -> CategorySchedule:
    """From ``effective_from`` on (until the next assignment), people of ``category`` work ``schedule``."""
    School.objects.select_for_update().get(pk=school.pk)
    if schedule.school_id != school.pk:
        raise ScheduleError(_("班別不屬於此學校"), code="schedule_other_school")
    row = CategorySchedule.objects.filter(school=school, category=category, effective_from=effective_from).first()
    before = row.schedule_id if row else None
    if row is None:
        row = CategorySchedule(school=school, category=category, effective_from=effective_from)
    row.schedule = schedule
    _full_clean(row, code="invalid_category_schedule")
    row.save()
    audit_log(
        actor=actor, action="schedules.category_schedule_assigned", target=row, school=school,
        data={"category": category, "schedule": schedule.name, "effective_from": effective_from,
              "replaced_schedule_id": before},
    )
    following = _next_category_change(school.pk, category, effective_from)
    _send_changed(
        CategorySchedule, reason="category_schedule_assigned", school_ids=[school.pk], start=effective_from,
        end=following - dt.timedelta(days=1) if following else None,
    )
    return row


@transaction.atomic
def category_schedule_delete(*, actor, assignment: CategorySchedule) -> None:
    School.objects.select_for_update().get(pk=assignment.school_id)
    row = CategorySchedule.objects.select_related("schedule", "school").get(pk=assignment.pk)
    audit_log(
        actor=actor, action="schedules.category_schedule_deleted", target=row, school=row.school,
        data={"category": row.category, "schedule": row.schedule.name, "effective_from": row.effective_from},
    )
    school_id, category, start = row.school_id, row.category, row.effective_from
    row.delete()
    following = _next_category_change(school_id, category, start)
    _send_changed(
        CategorySchedule, reason="category_schedule_deleted", school_ids=[school_id], start=start,
        end=following - dt.timedelta(days=1) if following else None,
    )


@transaction.atomic
def personal_schedule_save(*, actor, override: PersonalSchedule) -> PersonalSchedule:
    """Create or change a person's own schedule for a period; periods of one person may not overlap."""
    StaffMember.objects.select_for_update().get(pk=override.staff_id)  # serialise overlap checks per person
    before = None
    if override.pk:
        old = PersonalSchedule.objects.get(pk=override.pk)
        before = {"schedule": old.schedule_id, "start": old.start_date, "end": old.end_date, "reason": old.reason}
    if override.created_by_id is None:
        override.created_by = actor_or_none(actor)
    _full_clean(override, code="invalid_personal_schedule")
    override.save()
    audit_log(
        actor=actor, action="schedules.personal_schedule_saved", target=override, school=override.staff.school,
        data={"staff": override.staff_id, "before": before,
              "after": {"schedule": override.schedule_id, "start": override.start_date, "end": override.end_date,
                        "reason": override.reason}},
    )
    starts = [override.start_date] + ([before["start"]] if before else [])
    ends = [override.end_date] + ([before["end"]] if before else [])
    _send_changed(
        PersonalSchedule, reason="personal_schedule_saved", school_ids=[override.staff.school_id],
        staff_ids=[override.staff_id], start=min(starts), end=None if None in ends else max(ends),
    )
    return override


@transaction.atomic
def personal_schedule_delete(*, actor, override: PersonalSchedule) -> None:
    row = (
        PersonalSchedule.objects.select_for_update(of=("self",))
        .select_related("staff", "schedule")
        .get(pk=override.pk)
    )
    audit_log(
        actor=actor, action="schedules.personal_schedule_deleted", target=row, school=row.staff.school,
        data={"staff": row.staff_id, "schedule": row.schedule.name, "start": row.start_date, "end": row.end_date},
    )
    staff_id, school_id, start, end = row.staff_id, row.staff.school_id, row.start_date, row.end_date
    row.delete()
    _send_changed(
        PersonalSchedule, reason="personal_schedule_deleted", school_ids=[school_id], staff_ids=[staff_id],
        start=start, end=end,
    )


@transaction.atomic
def work_schedules_seed_defaults(
    *, school: School, actor=None, effective_from: dt.date = SEED_EFFECTIVE_FROM
) -> list[CategorySchedule]:
    """Write the school's clock-in rules (schedules.defaults) for every category that has none yet.

    Idempotent. Sends no calendar_changed: until now the calendar answered these categories with
    the very same rules, so no day changes.
    """
    School.objects.select_for_update().get(pk=school.pk)
    schedules: dict[str, WorkSchedule] = {}
    for rule in {r.name: r for r in DEFAULT_BY_CATEGORY.values()}.values():
        schedule, _created = WorkSchedule.objects.get_or_create(
            school=school,
            name=rule.name,
            defaults={
                "has_duty": rule.has_duty, "start": rule.start, "end": rule.end, "grace_minutes": rule.grace_minutes,
                "school_day_arrival": rule.school_day_arrival, "school_day_arrival_note": rule.school_day_arrival_note,
                "break_start": rule.break_start, "break_end": rule.break_end, "weekdays": rule.weekdays,
                "note": rule.note,
            },
        )
        schedules[rule.name] = schedule
    have = set(CategorySchedule.objects.filter(school=school).values_list("category", flat=True))
    created = [
        CategorySchedule.objects.create(
            school=school, category=category, schedule=schedules[rule.name], effective_from=effective_from
        )
        for category, rule in DEFAULT_BY_CATEGORY.items()
        if category not in have
    ]
    if created:
        audit_log(
            actor=actor, action="schedules.defaults_seeded", target=school, school=school,
            data={"categories": [c.category for c in created], "effective_from": effective_from},
        )
    return created

