"""Changes to schedules and the calendar.

Every change runs in a transaction, is audited (audit_log) and sends
``schedules.events.calendar_changed`` inside that transaction, so attendance recomputes the
affected days together with the change (or not at all).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypedDict

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from audit.services import audit_log
from common.errors import DomainError
from common.i18n import separate_text
from common.imports import import_transaction
from notifications.services import notify
from schedules import office_calendar
from schedules.calendar import duty_day, office_day
from schedules.defaults import DEFAULT_BY_CATEGORY, SEED_EFFECTIVE_FROM
from schedules.events import calendar_changed, collect_consequences
from schedules.models import (
    CategorySchedule,
    DisasterStopClaim,
    OfficeCalendarDay,
    OfficeCalendarYear,
    PersonalSchedule,
    SchoolDay,
    Semester,
    TyphoonDay,
    WorkSchedule,
)
from schedules.models.semesters import school_year_bounds
from schedules.states import CLAIM_MOVERS, DISASTER_STOP_CLAIM
from schedules.timetables_selectors import taught_periods
from staff.models import District, Role, School, StaffMember, User
from staff.selectors import role_holders, school_lock, staff_lock
from staff.selectors import schools as all_schools

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing's own from Python 3.12


class ScheduleError(DomainError):
    """A schedule or calendar change that cannot be made; ``code`` says which rule stopped it."""


class OfficeCalendarImportError(ScheduleError):
    """The office calendar file was rejected whole; ``errors`` lists every bad row."""

    def __init__(self, errors: list[str]):
        super().__init__(
            ngettext_lazy("檔案有 %(count)d 個錯誤，沒有匯入任何資料", "檔案有 %(count)d 個錯誤，沒有匯入任何資料",
                          len(errors)) % {"count": len(errors)},
            code="office_calendar_invalid",
        )
        self.errors = errors


def _full_clean(obj: models.Model, *, code: str) -> None:
    """Model validation as a ScheduleError, so pages and the API show it like any other rule."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ScheduleError(separate_text(exc.messages), code=code) from exc


def _send_changed(
    sender: type[models.Model],
    *,
    reason: str,
    school_ids: list[int] | None,
    start: dt.date,
    end: dt.date | None,
    staff_ids: list[int] | None = None,
    cause: str = "",
    actor: User | None = None,
) -> None:
    """``end=None`` means open-ended (a rule from a date on): the days up to today are the ones with results."""
    if end is None:
        end = max(start, timezone.localdate())
    calendar_changed.send(
        sender=sender, school_ids=school_ids, start=start, end=end, staff_ids=staff_ids, reason=reason,
        cause=cause, actor=actor_or_none(actor),
    )


# --- the office calendar -------------------------------------------------------------------------


def office_calendar_import(
    *, actor: User | None, content: bytes, source_name: str = "", dry_run: bool = False
) -> list[OfficeCalendarYear]:
    """Import a 「中華民國政府行政機關辦公日曆表」 CSV; each year in it replaces that year's earlier import.

    Raises OfficeCalendarImportError listing every bad row; then nothing is written. With ``dry_run``
    everything is checked and counted, then rolled back (``common.imports``).
    """
    with import_transaction(dry_run=dry_run):
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


def actor_or_none(actor: User | None) -> User | None:
    """The account to store as who did it: None for the command line or an account not saved."""
    return actor if actor is not None and actor.pk else None


# --- the school's own days ----------------------------------------------------------------------


def school_day_check(*, school: School, day: dt.date, kind: str, label: str, exclude_pk: int | None) -> None:
    if not label.strip():
        raise ScheduleError(_("請填寫名稱"), code="label_required")
    same_day = SchoolDay.objects.filter(school=school, date=day)
    if exclude_pk is not None:
        same_day = same_day.exclude(pk=exclude_pk)
    if same_day.exists():
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
def school_day_create(*, actor: User | None, school: School, day: dt.date, kind: str, label: str) -> SchoolDay:
    school_lock(school.pk)  # one writer per school's calendar at a time
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
def school_day_update(*, actor: User | None, school_day: SchoolDay, day: dt.date, kind: str, label: str) -> SchoolDay:
    school_lock(school_day.school_id)
    entry = SchoolDay.objects.select_for_update().get(pk=school_day.pk)
    school_day_check(school=entry.school, day=day, kind=kind, label=label, exclude_pk=entry.pk)
    old_date = entry.date
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
        start=min(old_date, day), end=max(old_date, day),
    )
    return entry


@transaction.atomic
def school_day_delete(*, actor: User | None, school_day: SchoolDay) -> None:
    entry = SchoolDay.objects.select_for_update().get(pk=school_day.pk)
    audit_log(
        actor=actor, action="schedules.school_day_deleted", target=entry, school=entry.school,
        data={"date": entry.date, "kind": entry.kind, "label": entry.label},
    )
    school_id, day = entry.school_id, entry.date
    entry.delete()
    _send_changed(SchoolDay, reason="school_day_deleted", school_ids=[school_id], start=day, end=day)


# --- typhoon days -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Declaration:
    """What a disaster stop declares, as the page, the API and the alert import hand it in."""

    day: dt.date
    scope: str = TyphoonDay.Scope.CITY
    school: School | None = None
    districts: tuple[District, ...] = ()
    stops_work: bool = True
    stops_classes: bool = True
    start_time: dt.time | None = None
    end_time: dt.time | None = None
    label: str = ""
    source_ref: str = ""

    def school_ids(self) -> list[int] | None:
        """The schools it reaches (None: all), for calendar_changed."""
        if self.scope == TyphoonDay.Scope.SCHOOL:
            return [self.school.pk] if self.school else []
        if self.scope == TyphoonDay.Scope.DISTRICTS:
            return list(all_schools(districts=self.districts).values_list("pk", flat=True))
        return None


def _declaration_of(typhoon: TyphoonDay) -> Declaration:
    return Declaration(
        day=typhoon.date, scope=typhoon.scope, school=typhoon.school, districts=tuple(typhoon.districts.all()),
        stops_work=typhoon.stops_work, stops_classes=typhoon.stops_classes, start_time=typhoon.start_time,
        end_time=typhoon.end_time, label=typhoon.label, source_ref=typhoon.source_ref,
    )


def typhoon_day_check(declaration: Declaration, *, exclude_pk: int | None = None) -> None:
    """Refuse a declaration that is incomplete, or a second one for the same scope (city, school, district)."""
    d = declaration
    Scope = TyphoonDay.Scope
    if not (d.stops_work or d.stops_classes):
        raise ScheduleError(_("請選擇停止上班、停止上課或兩者"), code="typhoon_stops_nothing")
    if d.start_time is not None and d.end_time is not None and d.start_time >= d.end_time:
        raise ScheduleError(_("停班停課的開始時間必須早於結束時間"), code="typhoon_bad_times")
    if d.scope == Scope.SCHOOL and d.school is None:
        raise ScheduleError(_("請選擇學校"), code="typhoon_no_school")
    if d.scope == Scope.DISTRICTS and not d.districts:
        raise ScheduleError(_("請選擇至少一個行政區"), code="typhoon_no_districts")
    existing = TyphoonDay.objects.filter(date=d.day)
    if exclude_pk is not None:
        existing = existing.exclude(pk=exclude_pk)
    if existing.filter(scope=Scope.CITY).exists():
        raise ScheduleError(_("%(date)s 已宣布全市停班停課") % {"date": d.day}, code="typhoon_already_citywide")
    if d.scope == Scope.SCHOOL and d.school is not None and existing.filter(school=d.school).exists():
        raise ScheduleError(
            _("%(date)s 已登錄 %(school)s 停班停課") % {"date": d.day, "school": d.school.name},
            code="typhoon_already_declared",
        )
    if d.scope == Scope.DISTRICTS and existing.filter(scope=Scope.DISTRICTS, districts__in=d.districts).exists():
        raise ScheduleError(
            _("%(date)s 所選行政區已有停班停課，請修改原宣布") % {"date": d.day}, code="typhoon_already_declared"
        )
    # Stops of different scopes may overlap (the city's after a school's): the calendar applies each.


def _typhoon_data(typhoon: TyphoonDay) -> dict[str, object]:
    return {
        "date": typhoon.date, "label": typhoon.label,
        # The scope as before districts existed (a school's code, or "all"), and its kind.
        "scope": typhoon.school.code if typhoon.school is not None else ("all" if typhoon.is_citywide else "districts"),
        "scope_kind": typhoon.scope,
        "districts": sorted(d.name for d in typhoon.districts.all()),
        "stops_work": typhoon.stops_work, "stops_classes": typhoon.stops_classes,
        "start_time": typhoon.start_time, "end_time": typhoon.end_time, "source_ref": typhoon.source_ref,
    }


def _cause(typhoon: TyphoonDay, verb: str) -> str:
    """What people read as the reason of what follows: 「12/1 颱風停班停課（12:00 起）」."""
    part = "" if typhoon.is_whole_day else f"（{typhoon.part_text}）"
    return f"{typhoon.date.month}/{typhoon.date.day} {typhoon.label}{part}{verb}"


@transaction.atomic
def typhoon_day_declare(
    *,
    actor: User | None,
    day: dt.date,
    scope: str | None = None,
    school: School | None = None,
    districts: Iterable[District] = (),
    stops_work: bool = True,
    stops_classes: bool = True,
    start_time: dt.time | None = None,
    end_time: dt.time | None = None,
    label: str = "",
    source_ref: str = "",
) -> TyphoonDay:
    """停班停課 for the whole city, some districts or one school (``scope``; without it: the school
    when one is given, else the city). Everything derived from the calendar follows in this transaction."""
    districts = tuple(districts)
    if scope is None:
        Scope = TyphoonDay.Scope
        scope = Scope.SCHOOL if school else (Scope.DISTRICTS if districts else Scope.CITY)
    declaration = Declaration(
        day=day, scope=scope, school=school if scope == TyphoonDay.Scope.SCHOOL else None,
        districts=districts if scope == TyphoonDay.Scope.DISTRICTS else (), stops_work=stops_work,
        stops_classes=stops_classes, start_time=start_time, end_time=end_time,
        label=label.strip() or _("颱風停班停課"), source_ref=source_ref.strip(),
    )
    typhoon_day_check(declaration)
    d = declaration
    try:
        # The unique constraints decide a race between two declarations of the same day.
        with transaction.atomic():
            typhoon = TyphoonDay.objects.create(
                date=d.day, scope=d.scope, school=d.school, stops_work=d.stops_work, stops_classes=d.stops_classes,
                start_time=d.start_time, end_time=d.end_time, label=d.label, source_ref=d.source_ref,
                declared_by=actor_or_none(actor),
            )
    except IntegrityError as exc:
        raise ScheduleError(_("%(date)s 已登錄停班停課") % {"date": day}, code="typhoon_already_declared") from exc
    if d.districts:
        typhoon.districts.set(d.districts)
    audit_log(actor=actor, action="schedules.typhoon_declared", target=typhoon, school=d.school,
              data=_typhoon_data(typhoon))
    _send_changed(
        TyphoonDay, reason="typhoon_declared", school_ids=d.school_ids(), start=day, end=day,
        cause=_cause(typhoon, _("宣布")), actor=actor,
    )
    return typhoon


@transaction.atomic
class DeclarationChanges(TypedDict, total=False):
    """What a change of a declaration may name (Declaration's fields); the rest stays as declared."""

    day: dt.date
    scope: str
    school: School | None
    districts: Iterable[District]
    stops_work: bool
    stops_classes: bool
    start_time: dt.time | None
    end_time: dt.time | None
    label: str
    source_ref: str


def typhoon_day_change(
    *, actor: User | None, typhoon: TyphoonDay, **changes: "Unpack[DeclarationChanges]"
) -> TyphoonDay:
    """Change a declaration (the alert moved it to the afternoon, a district was added): the days of
    the old and the new form are recomputed together."""
    typhoon = TyphoonDay.objects.select_for_update(of=("self",)).select_related("school").get(pk=typhoon.pk)
    before = _declaration_of(typhoon)
    after = Declaration(
        day=changes.get("day", before.day),
        scope=changes.get("scope", before.scope),
        school=changes.get("school", before.school),
        districts=tuple(changes.get("districts", before.districts)),
        stops_work=changes.get("stops_work", before.stops_work),
        stops_classes=changes.get("stops_classes", before.stops_classes),
        start_time=changes.get("start_time", before.start_time),
        end_time=changes.get("end_time", before.end_time),
        label=changes.get("label", before.label),
        source_ref=changes.get("source_ref", before.source_ref),
    )
    if after.scope != TyphoonDay.Scope.SCHOOL:
        after = replace(after, school=None)
    if after.scope != TyphoonDay.Scope.DISTRICTS:
        after = replace(after, districts=())
    after = replace(after, label=after.label.strip() or _("颱風停班停課"))
    typhoon_day_check(after, exclude_pk=typhoon.pk)
    old_data = _typhoon_data(typhoon)
    for name in ("scope", "school", "stops_work", "stops_classes", "start_time", "end_time", "label", "source_ref"):
        setattr(typhoon, name, getattr(after, name))
    typhoon.date = after.day
    typhoon.save()
    typhoon.districts.set(after.districts)
    audit_log(actor=actor, action="schedules.typhoon_changed", target=typhoon, school=after.school,
              data={"before": old_data, "after": _typhoon_data(typhoon)})
    old_ids, new_ids = before.school_ids(), after.school_ids()
    school_ids = None if old_ids is None or new_ids is None else sorted(set(old_ids) | set(new_ids))
    _send_changed(
        TyphoonDay, reason="typhoon_changed", school_ids=school_ids, start=min(before.day, after.day),
        end=max(before.day, after.day), cause=_cause(typhoon, _("變更")), actor=actor,
    )
    return typhoon


@transaction.atomic
def typhoon_day_withdraw(*, actor: User | None, typhoon: TyphoonDay) -> None:
    typhoon = TyphoonDay.objects.select_for_update(of=("self",)).select_related("school").get(pk=typhoon.pk)
    declaration = _declaration_of(typhoon)
    audit_log(actor=actor, action="schedules.typhoon_withdrawn", target=typhoon, school=typhoon.school,
              data=_typhoon_data(typhoon))
    cause = _cause(typhoon, _("撤銷"))
    day = typhoon.date
    typhoon.delete()
    _send_changed(
        TyphoonDay, reason="typhoon_withdrawn", school_ids=declaration.school_ids(), start=day, end=day,
        cause=cause, actor=actor,
    )


def typhoon_day_preview(
    *, actor: User | None, typhoon: TyphoonDay | None = None, withdraw: bool = False,
    **declaration: "Unpack[DeclarationChanges]",
) -> dict[str, list[dict[str, object]]]:
    """What a declaration (or a change, or a withdrawal) would change, without changing anything: the
    change is made in a savepoint, every module reports what it did, and the savepoint is rolled back.
    Raises ScheduleError like the real thing, so the page can show the refusal before confirmation."""
    with transaction.atomic():
        with collect_consequences() as consequences:
            if typhoon is not None and withdraw:
                typhoon_day_withdraw(actor=actor, typhoon=typhoon)
            elif typhoon is not None:
                typhoon_day_change(actor=actor, typhoon=typhoon, **declaration)
            else:
                typhoon_day_declare(actor=actor, **declaration)
        transaction.set_rollback(True)
    return consequences


# --- semesters ------------------------------------------------------------------------------------


@transaction.atomic
def semester_save(*, actor: User | None, semester: Semester) -> Semester:
    """Create or change a semester; the whole school year's vacation days may change with it."""
    school_lock(semester.school_id)
    before = None
    years = {semester.school_year}
    if semester.pk:
        old = Semester.objects.select_for_update().get(pk=semester.pk)
        before = {"school_year": old.school_year, "term": old.term, "start": old.start_date, "end": old.end_date}
        years.add(old.school_year)
    _full_clean(semester, code="invalid_semester")
    semester.save()
    after = {"school_year": semester.school_year, "term": semester.term,
             "start": semester.start_date, "end": semester.end_date}
    audit_log(
        actor=actor, action="schedules.semester_saved", target=semester, school=semester.school,
        data={"before": before, "after": after},
    )
    _send_changed(
        Semester, reason="semester_saved", school_ids=[semester.school_id],
        start=school_year_bounds(min(years))[0], end=school_year_bounds(max(years))[1],
    )
    return semester


@transaction.atomic
def semester_delete(*, actor: User | None, semester: Semester) -> None:
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
def work_schedule_save(*, actor: User | None, schedule: WorkSchedule) -> WorkSchedule:
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


def _schedule_data(s: WorkSchedule) -> dict[str, object]:
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
    *, actor: User | None, school: School, category: str, schedule: WorkSchedule, effective_from: dt.date
) -> CategorySchedule:
    """From ``effective_from`` on (until the next assignment), people of ``category`` work ``schedule``."""
    school_lock(school.pk)
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
def category_schedule_delete(*, actor: User | None, assignment: CategorySchedule) -> None:
    school_lock(assignment.school_id)
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
def personal_schedule_save(*, actor: User | None, override: PersonalSchedule) -> PersonalSchedule:
    """Create or change a person's own schedule for a period; periods of one person may not overlap."""
    staff_lock(override.staff_id)  # serialise overlap checks per person
    before = None
    starts, ends = [override.start_date], [override.end_date]
    if override.pk:
        old = PersonalSchedule.objects.get(pk=override.pk)
        before = {"schedule": old.schedule_id, "start": old.start_date, "end": old.end_date, "reason": old.reason}
        starts.append(old.start_date)
        ends.append(old.end_date)
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
    known_ends = [end for end in ends if end is not None]  # None: open-ended
    _send_changed(
        PersonalSchedule, reason="personal_schedule_saved", school_ids=[override.staff.school_id],
        staff_ids=[override.staff_id], start=min(starts), end=max(known_ends) if len(known_ends) == len(ends) else None,
    )
    return override


@transaction.atomic
def personal_schedule_delete(*, actor: User | None, override: PersonalSchedule) -> None:
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
    *, school: School, actor: User | None = None, effective_from: dt.date = SEED_EFFECTIVE_FROM
) -> list[CategorySchedule]:
    """Write the school's clock-in rules (schedules.defaults) for every category that has none yet.

    Idempotent. Sends no calendar_changed: until now the calendar answered these categories with
    the very same rules, so no day changes.
    """
    school_lock(school.pk)
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



# --- a person's own disaster stop (停班停課登記) -------------------------------------------------


def _role_holders(school_id: int, role: str) -> list[StaffMember]:
    return list(role_holders(school_id=school_id, role=role).order_by("pk"))


def disaster_stop_claim_submit(
    *,
    staff: StaffMember,
    day: dt.date,
    reason: str,
    start_time: dt.time | None = None,
    end_time: dt.time | None = None,
) -> DisasterStopClaim:
    """Register afterwards that one could not reach work because of a disaster (art. 13); the head decides."""
    reason = reason.strip()
    today = timezone.localdate()
    if not reason:
        raise ScheduleError(_("請說明無法到班的原因"), code="claim_no_reason")
    if day > today:
        raise ScheduleError(_("停班停課登記是事後登記，不能登記未來的日子"), code="claim_in_future")
    if (today - day).days > DisasterStopClaim.GRANT_WITHIN_DAYS:
        raise ScheduleError(
            _("停班停課登記須在 %(days)d 日內由機關首長核定，這一天已超過期限")
            % {"days": DisasterStopClaim.GRANT_WITHIN_DAYS},
            code="claim_too_late",
        )
    if start_time is not None and end_time is not None and start_time >= end_time:
        raise ScheduleError(_("開始時間必須早於結束時間"), code="claim_bad_times")
    with transaction.atomic():
        staff = staff_lock(staff.pk, related=("school",))[staff.pk]
        if not duty_day(staff, day).has_duty:
            raise ScheduleError(_("這一天您沒有出勤義務，不需要登記"), code="claim_no_duty")
        try:
            with transaction.atomic():
                claim = DisasterStopClaim.objects.create(
                    staff=staff, date=day, start_time=start_time, end_time=end_time, reason=reason
                )
        except IntegrityError as exc:
            raise ScheduleError(_("這一天已有停班停課登記"), code="claim_exists") from exc
        audit_log(actor=staff.user, action="schedules.disaster_stop_claimed", target=claim, school=staff.school,
                  data={"date": day, "start_time": start_time, "end_time": end_time, "reason": reason})
        heads = [h for h in _role_holders(staff.school_id, Role.PRINCIPAL) if h.pk != staff.pk]
        notify(heads, "schedules.disaster_stop_claimed", {"claim": claim, "name": staff.name},
               url=reverse("schedules:disaster_stops"))
    return claim


def _locked_claim(claim: DisasterStopClaim) -> DisasterStopClaim:
    return DisasterStopClaim.objects.select_for_update(of=("self",)).select_related(
        "staff__user", "staff__school"
    ).get(pk=claim.pk)


def _move(claim: DisasterStopClaim, action: str, *, actor: StaffMember) -> str:
    """Enforce the claim's transition table (schedules/states.py): the move must exist from the claim's
    status, and the actor be who may make it. The claim's next status."""
    status = DISASTER_STOP_CLAIM.require(
        claim.status, action, lambda: ScheduleError(_("這筆登記已經處理過了"), code="claim_not_pending")
    )
    who = CLAIM_MOVERS[action]
    if who == "claimant" and actor.pk != claim.staff_id:
        raise ScheduleError(_("只有登記人可以撤回"), code="not_claimant")
    if who == "head" and not can_decide_disaster_stop(actor, claim):
        raise ScheduleError(_("停班停課登記由本校校長核定"), code="not_head")
    return status


def can_decide_disaster_stop(actor: StaffMember | None, claim: DisasterStopClaim) -> bool:
    """The school head (校長) of the claimant's school, never for their own claim."""
    return (
        actor is not None and actor.school_id == claim.staff.school_id and actor.pk != claim.staff_id
        and actor.has_role(Role.PRINCIPAL)
    )


def disaster_stop_claim_decide(
    *, actor: StaffMember, claim: DisasterStopClaim, grant: bool, comment: str = ""
) -> DisasterStopClaim:
    """Grant or refuse a claim. Granted, the day becomes a disaster stop for that person alone, and
    attendance and leave follow in this transaction; 教學組 hears of the classes the person had."""
    comment = comment.strip()
    with transaction.atomic():
        claim = _locked_claim(claim)
        status = _move(claim, "grant" if grant else "refuse", actor=actor)
        if not grant and not comment:
            raise ScheduleError(_("不核准時請填寫原因"), code="comment_required")
        if grant and (timezone.localdate() - claim.date).days > DisasterStopClaim.GRANT_WITHIN_DAYS:
            raise ScheduleError(
                _("已超過 %(days)d 日的核定期限") % {"days": DisasterStopClaim.GRANT_WITHIN_DAYS},
                code="claim_too_late",
            )
        claim.status, claim.comment = status, comment
        claim.decided_by, claim.decided_at = actor.user, timezone.now()
        claim.save(update_fields=["status", "comment", "decided_by", "decided_at"])
        staff = claim.staff
        audit_log(actor=actor.user, action=f"schedules.disaster_stop_{status}", target=claim, school=staff.school,
                  data={"date": claim.date, "comment": comment})
        notify([staff], "schedules.disaster_stop_decided", {"claim": claim, "granted": grant},
               url=reverse("schedules:disaster_stops"))
        if grant:
            _send_changed(
                DisasterStopClaim, reason="disaster_stop_granted", school_ids=[staff.school_id], staff_ids=[staff.pk],
                start=claim.date, end=claim.date, actor=actor.user,
                cause=_("%(date)s 停班登記核准") % {"date": f"{claim.date.month}/{claim.date.day}"},
            )
            _tell_teaching_section(claim)
    return claim


def _tell_teaching_section(claim: DisasterStopClaim) -> None:
    """A teacher's classes still take place: 教學組 learns which ones to cover (or record as absence)."""
    periods = [
        p for p in taught_periods(teacher_ids=[claim.staff_id], start=claim.date, end=claim.date)
        if (claim.start_time is None or timezone.localtime(p.ends_at).time() > claim.start_time)
        and (claim.end_time is None or timezone.localtime(p.starts_at).time() < claim.end_time)
    ]
    if periods:
        notify(
            _role_holders(claim.staff.school_id, Role.ACADEMIC_AFFAIRS), "schedules.disaster_stop_classes",
            {"claim": claim, "name": claim.staff.name, "periods": periods},
            url=reverse("substitutes:dashboard"),
        )


def disaster_stop_claim_withdraw(*, actor: StaffMember, claim: DisasterStopClaim) -> DisasterStopClaim:
    with transaction.atomic():
        claim = _locked_claim(claim)
        claim.status = _move(claim, "withdraw", actor=actor)
        claim.save(update_fields=["status"])
        audit_log(actor=actor.user, action="schedules.disaster_stop_withdrawn", target=claim, school=actor.school,
                  data={"date": claim.date})
    return claim
