"""Changes of the coverage module: keeping needs in step with absences, and arranging cover.

Every function that changes something runs in one transaction, locks the rows it decides on,
writes an audit entry and tells the people concerned through notifications.notify.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log, audit_log_many
from common.errors import DomainError
from common.i18n import enumerate_text, separate_text
from common.prepared import PreparedInstances
from leave.events import LeaveEvent
from notifications.services import notify
from schedules.events import report_consequence
from schedules.models import Semester
from schedules.timetables_selectors import TaughtPeriod, taught_periods, taught_periods_during
from staff.models import Role, School, StaffCategory, StaffMember, User
from staff.selectors import people_by_ids, role_holders, staff_lock, user_ref
from substitutes.models import Absence, AbsenceSpan, CoverageAssignment, CoverageNeed, CoverageSettings, Payer
from substitutes.proposal import MAX_PROPOSAL_NEEDS, grid_check, local_label, need_fingerprint
from substitutes.selectors import COVERING, ON_LEAVE, TEACHING, busy_reasons, busy_reasons_during, can_arrange
from substitutes.states import ABSENCE, ASSIGNMENT, HOLDING, NEED, NEED_REFUSAL_CODES, absence_follow_leave

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Span = tuple[dt.datetime, dt.datetime]


class CoverageError(DomainError):
    """A coverage change refused: the message for people, the code for programs and tests."""


CONFLICT_MESSAGES = {
    ON_LEAVE: _("%(name)s 該節請假或缺課，不能代課"),
    TEACHING: _("%(name)s 該節自己有課"),
    "covering": _("%(name)s 該節已有其他代課或調課"),
}

ACTION_LABELS = {
    "submitted": _("送出假單"),
    "changed": _("修改假單"),
    "approved": _("假單核准"),
    "rejected": _("假單駁回"),
    "withdrawn": _("撤回假單"),
    "cancelled": _("銷假"),
    "recorded": _("教學組登錄缺課"),
    "recorded_cancelled": _("教學組取消缺課"),
    "timetable": _("課表更新"),
}


@dataclass
class NeedsChange:
    absence: Absence | None
    added: list[CoverageNeed] = field(default_factory=list)
    removed: list[CoverageNeed] = field(default_factory=list)
    current: list[CoverageNeed] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def _academic_staff(school_id: int) -> list[StaffMember]:
    return list(role_holders(school_id=school_id, role=Role.ACADEMIC_AFFAIRS))


# --- Keeping needs in step ------------------------------------------------------------


def _replace_spans(absence: Absence, spans: Sequence[Span]) -> None:
    absence.spans.all().delete()
    AbsenceSpan.objects.bulk_create(
        AbsenceSpan(absence=absence, teacher_id=absence.teacher_id, start=start, end=end) for start, end in spans
    )


def _cancel_need(need: CoverageNeed, *, actor: User | None, reason: str, tell: bool = True) -> list[CoverageAssignment]:
    """Cancel a need; an assignment on it is cancelled too and its substitute told (unless ``tell`` is
    False: the caller tells each substitute once about all their periods). Returns the assignments."""
    now = timezone.now()
    cancelled = []
    for assignment in need.assignments.select_for_update().filter(status__in=ASSIGNMENT.transitions["cancel"].sources):
        assignment.status = ASSIGNMENT.target("cancel")
        assignment.cancelled_at = now
        assignment.cancel_reason = reason
        assignment.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        audit_log(
            actor=actor, action="substitutes.assignment_cancelled", target=assignment, school=need.school,
            data={"reason": reason, "need": need.pk},
        )
        cancelled.append(assignment)
        if tell:
            notify(
                [assignment.substitute], "substitutes.assignment_cancelled",
                {"assignment": assignment, "need": need, "reason": reason},
                url=reverse("substitutes:mine"),
            )
    need.status = NEED.require(need.status, "cancel", lambda: CoverageError(str(NEED_REFUSALS["need_cancelled"]),
                                                                          code="need_cancelled"))
    need.cancelled_at = now
    need.save(update_fields=["status", "cancelled_at"])
    return cancelled


def _sync_needs(
    absence: Absence, spans: Sequence[Span], *, actor: User | None, reason: str, none_yet: bool = False
) -> NeedsChange:
    """Make the absence's live needs exactly the class periods its spans overlap (``none_yet``: the absence
    was just made, it has no needs to read)."""
    return _sync_needs_from(absence, spans, actor=actor, reason=reason, since=None, none_yet=none_yet)


def _sync_needs_from(
    absence: Absence,
    spans: Sequence[Span],
    *,
    actor: User | None,
    reason: str,
    since: dt.datetime | None,
    dates: tuple[dt.date, dt.date] | None = None,
    cancelled: list[CoverageAssignment] | None = None,
    none_yet: bool = False,
) -> NeedsChange:
    """_sync_needs, leaving alone the needs of periods that started before ``since`` (or, with ``dates``,
    outside those days). With ``cancelled``, substitutes are not told here: their assignments are collected."""
    change = NeedsChange(absence=absence)
    wanted: dict[tuple[dt.date, str, int], TaughtPeriod] = {}
    if absence.is_active and spans:
        for period in taught_periods_during(teacher_id=absence.teacher_id, spans=spans):
            wanted[period.key] = period
    live_qs = absence.needs.select_for_update().exclude(status=CoverageNeed.Status.CANCELLED)
    if since is not None:
        live_qs = live_qs.filter(starts_at__gte=since)
    if dates is not None:
        live_qs = live_qs.filter(date__range=dates)
        wanted = {key: p for key, p in wanted.items() if dates[0] <= p.date <= dates[1]}
    live = [] if none_yet else list(live_qs.order_by("starts_at"))
    have = {(n.date, n.division, n.period_number): n for n in live}
    for key, need in have.items():
        if key not in wanted:
            gone = _cancel_need(need, actor=actor, reason=reason, tell=cancelled is None)
            if cancelled is not None:
                cancelled.extend(gone)
            change.removed.append(need)
    missing = [p for key, p in wanted.items() if key not in have]
    if missing:
        # A period already needing cover for another absence of the same teacher stays with that one.
        taken = set(
            CoverageNeed.objects.filter(
                teacher_id=absence.teacher_id, date__in={p.date for p in missing}
            )
            .exclude(status=CoverageNeed.Status.CANCELLED)
            .values_list("date", "division", "period_number")
        )
        change.added = CoverageNeed.objects.bulk_create(
            CoverageNeed(
                school_id=absence.school_id, absence=absence, teacher_id=absence.teacher_id, date=p.date,
                division=p.division, period_number=p.period_number, period_label=p.period_label,
                starts_at=p.starts_at, ends_at=p.ends_at, class_name=p.class_name, subject=p.subject, room=p.room,
            )
            for p in missing
            if p.key not in taken
        )
    change.current = sorted(
        [n for key, n in have.items() if key in wanted] + change.added, key=lambda n: n.starts_at
    )
    return change


def _tell_academic_affairs(change: NeedsChange, *, action: str, spans: Sequence[Span], actor: User | None) -> None:
    absence = change.absence
    if absence is None or not (change.added or change.removed or change.current):
        return  # the absence touches no class: nothing for 教學組 to arrange
    recipients = _academic_staff(absence.school_id)
    notify(
        recipients,
        "substitutes.needs_changed",
        {
            "absence": absence,
            "teacher": absence.teacher,
            "action": action,
            "action_label": ACTION_LABELS.get(action, action),
            "spans": [(timezone.localtime(s), timezone.localtime(e)) for s, e in spans],
            "added": change.added,
            "removed": change.removed,
            "current": change.current,
            "first_notice": action in {"submitted", "recorded"},
        },
        url=reverse("substitutes:dashboard"),
    )


# Every leave submission asks this (compiled once per process, common.prepared).
_teacher_of_submitted = PreparedInstances(lambda staff_id, leave_request_id: (
    people_by_ids([staff_id]).select_related("school").order_by()
    .annotate(has_absence=Exists(Absence.objects.filter(leave_request_id=leave_request_id)))
))


def coverage_sync_from_leave(*, event: LeaveEvent) -> NeedsChange:
    """Keep the coverage needs of one leave request in step with what the leave module says now.

    Called by the leave_changed receiver, inside the leave module's transaction.
    """
    actor = user_ref(event.actor_user_id)  # recorded as the audit's actor: its id is all it needs
    spans = tuple(event.spans)
    with transaction.atomic():
        # A request just submitted has no absence yet, as a rule: its teacher and school (named by the audit entry)
        # and whether one exists, in one read. Otherwise the absence, locked, with its teacher, school and spans.
        teacher: StaffMember | None = None
        has_absence = True
        if event.action == "submitted":
            found: list[Any] = _teacher_of_submitted.rows(event.staff_id, event.leave_request_id)  # annotated
            if not found:
                raise StaffMember.DoesNotExist(f"no staff member {event.staff_id}")
            teacher, has_absence = found[0], found[0].has_absence
        absence = None
        if has_absence:
            absence = (
                Absence.objects.select_for_update(of=("self",)).select_related("teacher", "school")
                .prefetch_related("spans").filter(leave_request_id=event.leave_request_id).first()
            )
        new = absence is None
        if absence is None:
            if not spans:
                return NeedsChange(absence=None)  # rejected or withdrawn before we ever heard of it
            if teacher is None:
                teacher = people_by_ids([event.staff_id]).select_related("school").get()
            absence = Absence(
                school=teacher.school, teacher=teacher, source=Absence.Source.LEAVE,
                leave_request_id=event.leave_request_id, status=ABSENCE.target("leave_pending"),
            )
        was_active = not new and absence.is_active
        absence.status = ABSENCE.require(
            absence.status, absence_follow_leave(absence.status, event.action, has_spans=bool(spans)),
            lambda: CoverageError(_("這筆缺課不是請假產生的"), code="not_from_leave"),
        )
        absence.leave_type_code = event.leave_type_code
        absence.leave_type_name = event.leave_type_name
        absence.leave_type_name_en = event.leave_type_name_en
        payer_changed = False
        if event.substitute_paid_by in (Payer.SCHOOL, Payer.TEACHER):
            payer_changed = absence.pk is not None and absence.paid_by != event.substitute_paid_by
            absence.paid_by = event.substitute_paid_by
        absence.save()
        if payer_changed:
            # The leave type changed (事假 → 公假): periods already covered are paid by the new payer.
            CoverageAssignment.objects.filter(
                need__absence=absence, status=CoverageAssignment.Status.ACTIVE, kind=CoverageAssignment.Kind.SUBSTITUTE
            ).update(paid_by=absence.paid_by)
        reason = str(ACTION_LABELS.get(event.action, event.action))
        if new:
            AbsenceSpan.objects.bulk_create(
                AbsenceSpan(absence=absence, teacher_id=absence.teacher_id, start=start, end=end)
                for start, end in spans
            )
            change = _sync_needs(absence, spans, actor=actor, reason=reason, none_yet=True)
        elif sorted((s.start, s.end) for s in absence.spans.all()) == sorted(spans) and was_active == absence.is_active:
            # Approved as submitted: the same periods, and needs already in step with them (the timetable's and
            # the calendar's changes keep them so); the live ones are still named to 教學組.
            change = NeedsChange(absence=absence, current=list(
                absence.needs.exclude(status=CoverageNeed.Status.CANCELLED).order_by("starts_at")
            ))
        else:
            _replace_spans(absence, spans)
            change = _sync_needs(absence, spans, actor=actor, reason=reason)
        audit_log(
            actor=actor, action=f"substitutes.needs_{event.action}", target=absence, school=absence.school,
            data={
                "leave_request_id": event.leave_request_id,
                "added": [_need_data(n) for n in change.added],
                "removed": [_need_data(n) for n in change.removed],
            },
        )
        _tell_academic_affairs(change, action=event.action, spans=spans or tuple(event.previous_spans), actor=actor)
    return change


def _need_data(need: CoverageNeed) -> dict[str, object]:
    return {"date": need.date, "period": need.period_number, "class": need.class_name, "subject": need.subject}


def coverage_resync_after_timetable(*, semester: Semester, actor: User | None = None) -> list[NeedsChange]:
    """A new timetable for a semester: bring the needs of absences still to come in step with it.

    Periods already past are left as they were arranged; academic affairs hear of each change.
    """
    now = timezone.now()
    changes = []
    with transaction.atomic():
        ids = set(
            Absence.objects.filter(
                school_id=semester.school_id, spans__end__gt=now,
                spans__start__date__lte=semester.end_date, spans__end__date__gte=semester.start_date,
            )
            .exclude(status=Absence.Status.CANCELLED)
            .values_list("pk", flat=True)
        )
        absences = (
            Absence.objects.select_for_update(of=("self",)).filter(pk__in=ids)
            .select_related("teacher", "school").order_by("pk")
        )
        for absence in absences:
            spans = [(max(start, now), end) for start, end in absence.spans.values_list("start", "end") if end > now]
            change = _sync_needs_from(absence, spans, actor=actor, reason=str(_("課表更新")), since=now)
            if change.changed:
                audit_log(actor=actor, action="substitutes.needs_timetable_changed", target=absence,
                          school=absence.school, data={"added": [_need_data(n) for n in change.added],
                                                       "removed": [_need_data(n) for n in change.removed]})
                _tell_academic_affairs(change, action="timetable", spans=spans, actor=actor)
                changes.append(change)
    return changes


def coverage_follow_calendar(
    *,
    school_ids: Sequence[int] | None,
    start: dt.date,
    end: dt.date,
    staff_ids: Sequence[int] | None = None,
    cause: str = "",
    actor: User | None = None,
) -> list[NeedsChange]:
    """A calendar change (a typhoon day, a school day off, a stop for the afternoon): the needs of every
    absence on the changed days follow the classes that are still held. A period that no longer takes
    place is no longer needed, its assignment is cancelled and drops out of the pay report; a period
    held again (the change undone) needs cover again. Each substitute hears once about all their
    cancelled periods, and each school's 教學組 once about the periods dropped and restored."""
    tz = timezone.get_default_timezone()
    window = (
        timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz),
        timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min), tz),
    )
    reason = cause or str(_("行事曆的變更"))
    changes: list[NeedsChange] = []
    by_school: dict[int, list[NeedsChange]] = {}
    cancelled: list[CoverageAssignment] = []
    with transaction.atomic():
        touching = Absence.objects.filter(spans__start__lt=window[1], spans__end__gt=window[0]).exclude(
            status=Absence.Status.CANCELLED
        )
        if school_ids is not None:
            touching = touching.filter(school_id__in=list(school_ids))
        if staff_ids is not None:
            touching = touching.filter(teacher_id__in=list(staff_ids))
        ids = set(touching.values_list("pk", flat=True))
        absences = (
            Absence.objects.select_for_update(of=("self",)).filter(pk__in=ids)
            .select_related("teacher", "school").order_by("pk")
        )
        for absence in absences:
            spans = [
                (max(s, window[0]), min(e, window[1]))
                for s, e in absence.spans.values_list("start", "end")
                if s < window[1] and e > window[0]
            ]
            change = _sync_needs_from(
                absence, spans, actor=actor, reason=reason, since=None, dates=(start, end), cancelled=cancelled
            )
            if change.changed:
                audit_log(
                    actor=actor, action="substitutes.needs_calendar_changed", target=absence, school=absence.school,
                    data={"cause": cause, "added": [_need_data(n) for n in change.added],
                          "removed": [_need_data(n) for n in change.removed]},
                )
                changes.append(change)
                by_school.setdefault(absence.school_id, []).append(change)
        _tell_calendar_change(changes, by_school, cancelled, cause=reason)
    return changes


def _tell_calendar_change(
    changes: list[NeedsChange],
    by_school: dict[int, list[NeedsChange]],
    cancelled: list[CoverageAssignment],
    *,
    cause: str,
) -> None:
    """Tell each substitute once about their cancelled periods and each school's 教學組 (``by_school``: the
    changes by the school of their absence) once about its dropped and restored periods."""
    by_substitute: dict[int, list[CoverageAssignment]] = {}
    for assignment in cancelled:
        by_substitute.setdefault(assignment.substitute_id, []).append(assignment)
        report_consequence(
            "assignment_cancelled", substitute=assignment.substitute.name, date=assignment.date,
            period=assignment.period_number, class_name=assignment.need.class_name,
        )
    for assignments in by_substitute.values():
        notify(
            [assignments[0].substitute], "substitutes.calendar_cancelled",
            {"cause": cause, "assignments": sorted(assignments, key=lambda a: a.starts_at)},
            url=reverse("substitutes:mine"),
        )
    for change in changes:
        for need in change.removed:
            report_consequence("period_dropped", teacher=need.teacher.name, **_need_data(need))
        for need in change.added:
            report_consequence("period_restored", teacher=need.teacher.name, **_need_data(need))
    for school_id, school_changes in by_school.items():
        dropped = sorted((n for c in school_changes for n in c.removed), key=lambda n: (n.starts_at, n.class_name))
        restored = sorted((n for c in school_changes for n in c.added), key=lambda n: (n.starts_at, n.class_name))
        notify(
            _academic_staff(school_id), "substitutes.calendar_changed",
            {"cause": cause, "dropped": dropped, "restored": restored},
            url=reverse("substitutes:dashboard"),
        )


# --- Absences recorded by academic affairs (hourly 代課教師) -------------------------------


def _require_arranger(actor: StaffMember, school_id: int) -> None:
    if not can_arrange(actor, school_id):
        raise CoverageError(_("只有本校教學組可以安排代課"), code="forbidden")


def absence_record(
    *,
    actor: StaffMember,
    teacher: StaffMember,
    start: dt.datetime,
    end: dt.datetime,
    reason: str = "",
    paid_by: str = Payer.SCHOOL,
) -> NeedsChange:
    """Record an hourly 代課教師's absence (they file no leave); their classes become needs."""
    _require_arranger(actor, teacher.school_id)
    if teacher.category != StaffCategory.HOURLY_SUBSTITUTE:
        raise CoverageError(_("專任與代理教師請由差勤系統請假；這裡只登錄代課教師的缺課"), code="not_hourly")
    if end <= start:
        raise CoverageError(_("結束時間必須晚於開始時間"), code="invalid_span")
    if paid_by not in (Payer.SCHOOL, Payer.TEACHER):
        raise CoverageError(_("請選擇鐘點費負擔方式"), code="invalid_payer")
    with transaction.atomic():
        staff_lock(teacher.pk)
        absence = Absence.objects.create(
            school_id=teacher.school_id, teacher=teacher, source=Absence.Source.RECORDED,
            status=ABSENCE.target("record"), reason=reason, paid_by=paid_by, recorded_by=actor.user,
            # Both languages kept, so pages and notices read in the reader's (common.i18n.local_name).
            leave_type_name=_in_language("zh-hant", _("代課教師缺課")),
            leave_type_name_en=_in_language("en", _("代課教師缺課")),
        )
        spans = ((start, end),)
        _replace_spans(absence, spans)
        change = _sync_needs(absence, spans, actor=actor.user, reason="")
        if not change.current:
            raise CoverageError(_("這段時間 %(name)s 沒有課，不需登錄") % {"name": teacher.name}, code="no_classes")
        audit_log(
            actor=actor.user, action="substitutes.absence_recorded", target=absence, school=absence.school,
            data={"start": start, "end": end, "periods": [_need_data(n) for n in change.added]},
        )
        _tell_academic_affairs(change, action="recorded", spans=spans, actor=actor.user)
    return change


def absence_cancel(*, actor: StaffMember, absence: Absence) -> NeedsChange:
    """Withdraw a recorded absence: its needs and their assignments are cancelled."""
    _require_arranger(actor, absence.school_id)
    if absence.source != Absence.Source.RECORDED:
        raise CoverageError(_("請假產生的缺課由差勤系統撤回或銷假"), code="not_recorded")
    with transaction.atomic():
        absence = Absence.objects.select_for_update().get(pk=absence.pk)
        absence.status = ABSENCE.require(
            absence.status, "cancel", lambda: CoverageError(_("此缺課已取消"), code="already_cancelled")
        )
        spans = tuple(absence.spans.values_list("start", "end"))
        absence.save(update_fields=["status", "updated_at"])
        change = _sync_needs(absence, (), actor=actor.user, reason=str(ACTION_LABELS["recorded_cancelled"]))
        audit_log(actor=actor.user, action="substitutes.absence_cancelled", target=absence, school=absence.school)
        _tell_academic_affairs(change, action="recorded_cancelled", spans=spans, actor=actor.user)
    return change


# --- Arranging ---------------------------------------------------------------------------


def _offers_on(school: School) -> bool:
    """The school's switch for offers, from the policy joined with the school (no query of its own)."""
    try:
        return bool(school.coverage_settings.offers_enabled)
    except CoverageSettings.DoesNotExist:
        return False


def _conflict(code: str, person: StaffMember) -> CoverageError:
    return CoverageError(CONFLICT_MESSAGES[code] % {"name": person.name}, code=code)


def coverage_assign(
    *,
    actor: StaffMember,
    need_id: int,
    substitute_id: int,
    kind: str = CoverageAssignment.Kind.SUBSTITUTE,
    swap_date: dt.date | None = None,
    swap_period_number: int | None = None,
    note: str = "",
) -> CoverageAssignment:
    """Give a need to a substitute (代課) or arrange a swap (調課), refusing any clash.

    A swap: the substitute teaches the absent teacher's class now, and the absent teacher
    teaches the substitute's class at the return slot (swap_date, swap_period_number).
    """
    if kind not in CoverageAssignment.Kind.values:
        raise CoverageError(_("未知的安排方式"), code="invalid_kind")
    with transaction.atomic():
        # Lock the need, then the substitute: two arrangers giving the same person two classes
        # at the same time queue here, and the second one sees the first one's assignment.
        need = (
            CoverageNeed.objects.select_for_update(of=("self",))
            .select_related("absence", "teacher", "school", "school__coverage_settings")
            .filter(pk=need_id).first()
        )
        if need is None or not can_arrange(actor, need.school_id):
            raise CoverageError(_("找不到此代課需求，或您不是本校教學組"), code="forbidden")
        substitute = staff_lock(substitute_id).get(substitute_id)
        if substitute is None or substitute.school_id != need.school_id or not substitute.is_active:
            raise CoverageError(_("找不到此教師"), code="unknown_substitute")
        if not NEED.allows(need.status, "assign"):
            code = NEED_REFUSAL_CODES[need.status]
            raise CoverageError(str(NEED_REFUSALS[code]), code=code)
        if substitute.pk == need.teacher_id:
            raise CoverageError(_("不能安排請假教師本人代課"), code="same_teacher")
        if not substitute.is_teacher:
            raise CoverageError(_("%(name)s 不是教師") % {"name": substitute.name}, code="not_teacher")
        reasons = busy_reasons(
            school=need.school, staff_ids=[substitute.pk], starts_at=need.starts_at, ends_at=need.ends_at,
            exclude_need_id=need.pk,
        )
        if substitute.pk in reasons:
            raise _conflict(reasons[substitute.pk], substitute)

        # A school offering cover first (提供): a 代課 waits for the substitute's answer. Swaps are agreed
        # between the two teachers before 教學組 records them, so they are never offered.
        offer = kind == CoverageAssignment.Kind.SUBSTITUTE and _offers_on(need.school)
        assignment = CoverageAssignment(
            school_id=need.school_id, need=need, kind=kind, substitute=substitute, date=need.date,
            period_number=need.period_number, division=need.division, starts_at=need.starts_at,
            ends_at=need.ends_at, paid_by=need.absence.paid_by, note=note[:200], assigned_by=actor.user,
            status=CoverageAssignment.Status.OFFERED if offer else CoverageAssignment.Status.ACTIVE,
        )
        if kind == CoverageAssignment.Kind.SWAP:
            _fill_swap(assignment, need=need, substitute=substitute, swap_date=swap_date,
                       swap_period_number=swap_period_number)
        try:
            with transaction.atomic():
                assignment.save()
        except IntegrityError as exc:
            # The constraint caught what the lock should have: someone else was faster.
            raise _conflict("covering", substitute) from exc
        need.status = NEED.target("offer" if offer else "assign")
        need.declined_at = None
        need.save(update_fields=["status", "declined_at"])
        audit_log(
            actor=actor.user, action="substitutes.substitute_offered" if offer else f"substitutes.{kind}_assigned",
            target=assignment, school=need.school,
            data={"need": need.pk, "substitute": substitute.pk, **_need_data(need), "paid_by": assignment.paid_by,
                  "swap_date": assignment.swap_date, "swap_period": assignment.swap_period_number},
        )
        if offer:
            notify([substitute], "substitutes.offered",
                   {"substitute": substitute, "assignments": [assignment], "note": assignment.note},
                   url=reverse("substitutes:mine") + "#offers")
            return assignment
        context = {"assignment": assignment, "need": need, "substitute": substitute, "teacher": need.teacher}
        notify([substitute], "substitutes.assigned", context, url=reverse("substitutes:mine"))
        notify([need.teacher], "substitutes.covered", context, url=reverse("substitutes:mine"))
    return assignment


MAX_NEEDS_AT_ONCE = 200  # a whole semester's leave of one teacher is far less


@dataclass
class Refusal:
    """A period not assigned in a many-period request, and why (the codes of coverage_assign)."""

    need: CoverageNeed
    code: str
    message: str


@dataclass
class AssignManyResult:
    substitute: StaffMember
    assigned: list[CoverageAssignment] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    offered: bool = False  # the assignments are offers waiting for the substitute's answer


NEED_REFUSALS = {
    "need_cancelled": _("此節已不需代課（假單已變更或撤回）"),
    "already_covered": _("此節已安排代課，請先取消原安排"),
    "same_teacher": _("不能安排請假教師本人代課"),
    "already_offered": _("此節已提供給一位教師，正等待回覆"),
}


def coverage_assign_many(
    *,
    actor: StaffMember,
    need_ids: Sequence[int],
    substitute_id: int,
    note: str = "",
) -> AssignManyResult:
    """Give several needs to one substitute (代課) in one transaction.

    Each period is checked as coverage_assign checks it (need still open, not the absent teacher,
    free: not on leave, not teaching, not already covering — nor covering another period of this
    same request at that time). Periods that clash are refused with their code and message while
    the others are assigned. The whole request is refused, changing nothing, when the actor is not
    academic affairs of the needs' school, when any need is unknown or of another school, or when
    the substitute cannot cover at all. The substitute is told once, listing every period; each
    absent teacher once, listing theirs. Queries do not grow with the number of needs.
    """
    ids = sorted({int(i) for i in need_ids})
    if not ids:
        raise CoverageError(_("請至少選擇一節"), code="no_needs")
    if len(ids) > MAX_NEEDS_AT_ONCE:
        raise CoverageError(
            _("一次最多安排 %(n)d 節") % {"n": MAX_NEEDS_AT_ONCE}, code="too_many"
        )
    if not can_arrange(actor):
        raise CoverageError(_("找不到此代課需求，或您不是本校教學組"), code="forbidden")
    with transaction.atomic():
        # Needs first (in id order), then the substitute: the order coverage_assign locks in.
        needs = list(
            CoverageNeed.objects.select_for_update(of=("self",))
            .select_related("absence", "teacher", "school", "school__coverage_settings")
            .filter(pk__in=ids).order_by("pk")
        )
        if len(needs) != len(ids) or any(not can_arrange(actor, n.school_id) for n in needs):
            raise CoverageError(_("找不到部分代課需求，或您不是本校教學組"), code="forbidden")
        school = needs[0].school
        substitute = staff_lock(substitute_id).get(substitute_id)
        if substitute is None or substitute.school_id != school.pk or not substitute.is_active:
            raise CoverageError(_("找不到此教師"), code="unknown_substitute")
        if not substitute.is_teacher:
            raise CoverageError(_("%(name)s 不是教師") % {"name": substitute.name}, code="not_teacher")

        needs.sort(key=lambda n: (n.starts_at, n.pk))
        result = AssignManyResult(substitute=substitute)
        candidates: list[CoverageNeed] = []
        for need in needs:
            code = (
                NEED_REFUSAL_CODES[need.status] if not NEED.allows(need.status, "assign")
                else "same_teacher" if need.teacher_id == substitute.pk
                else None
            )
            if code:
                result.refused.append(Refusal(need, code, str(NEED_REFUSALS[code])))
            else:
                candidates.append(need)
        reasons = busy_reasons_during(
            school=school, staff_id=substitute.pk, windows=[(n.pk, n.starts_at, n.ends_at) for n in candidates],
            exclude_need_ids=[n.pk for n in candidates],
        )
        # The database holds one class at a time per (date, period number) whatever the times.
        held = set(
            CoverageAssignment.objects.filter(
                substitute=substitute, status__in=HOLDING,
                date__in={n.date for n in candidates},
            ).values_list("date", "period_number")
        ) if candidates else set()
        taken: list[CoverageNeed] = []
        for need in candidates:
            code = reasons.get(need.pk)
            if code is None and (
                (need.date, need.period_number) in held
                or any(t.starts_at < need.ends_at and t.ends_at > need.starts_at for t in taken)
            ):
                code = COVERING  # two periods of this request at the same time, or one already held
            if code:
                result.refused.append(Refusal(need, code, str(CONFLICT_MESSAGES[code] % {"name": substitute.name})))
                continue
            taken.append(need)
            held.add((need.date, need.period_number))
        result.refused.sort(key=lambda r: (r.need.starts_at, r.need.pk))
        if not taken:
            return result
        offer = result.offered = _offers_on(school)
        rows = [
            CoverageAssignment(
                school_id=need.school_id, need=need, kind=CoverageAssignment.Kind.SUBSTITUTE, substitute=substitute,
                date=need.date, period_number=need.period_number, division=need.division, starts_at=need.starts_at,
                ends_at=need.ends_at, paid_by=need.absence.paid_by, note=note[:200], assigned_by=actor.user,
                status=CoverageAssignment.Status.OFFERED if offer else CoverageAssignment.Status.ACTIVE,
            )
            for need in taken
        ]
        try:
            with transaction.atomic():
                result.assigned = CoverageAssignment.objects.bulk_create(rows)
        except IntegrityError as exc:
            # The constraints caught what the locks should have: someone else was faster. Nothing is kept.
            raise _conflict(COVERING, substitute) from exc
        status = NEED.target("offer" if offer else "assign")
        CoverageNeed.objects.filter(pk__in=[n.pk for n in taken]).update(status=status, declined_at=None)
        for need in taken:
            need.status, need.declined_at = status, None
        audit_log_many(
            actor=actor.user, action="substitutes.substitute_offered" if offer else "substitutes.substitute_assigned",
            school=school,
            entries=[
                (a, {"need": a.need.pk, "substitute": substitute.pk, **_need_data(a.need), "paid_by": a.paid_by,
                     "many": True})
                for a in result.assigned
            ],
        )
        url = reverse("substitutes:mine")
        if offer:
            notify([substitute], "substitutes.offered",
                   {"substitute": substitute, "assignments": result.assigned, "note": note[:200]}, url=url + "#offers")
            return result
        notify([substitute], "substitutes.assigned_many",
               {"substitute": substitute, "assignments": result.assigned, "note": note[:200]}, url=url)
        _tell_absent_teachers(result.assigned, substitute)
    return result


def _tell_absent_teachers(assignments: Sequence[CoverageAssignment], substitute: StaffMember) -> None:
    """Each absent teacher once, listing their periods now covered."""
    by_teacher: dict[int, list[CoverageAssignment]] = {}
    for a in assignments:
        by_teacher.setdefault(a.need.teacher_id, []).append(a)
    for teacher_assignments in by_teacher.values():
        teacher = teacher_assignments[0].need.teacher
        notify([teacher], "substitutes.covered_many",
               {"teacher": teacher, "substitute": substitute, "assignments": teacher_assignments},
               url=reverse("substitutes:mine"))


def _fill_swap(
    assignment: CoverageAssignment,
    *,
    need: CoverageNeed,
    substitute: StaffMember,
    swap_date: dt.date | None,
    swap_period_number: int | None,
) -> None:
    if swap_date is None or swap_period_number is None:
        raise CoverageError(_("調課須指定還課的日期與節次"), code="swap_incomplete")
    slot = next(
        (
            p for p in taught_periods(teacher_ids=[substitute.pk], start=swap_date, end=swap_date)
            if p.period_number == swap_period_number
        ),
        None,
    )
    if slot is None:
        raise CoverageError(
            _("%(name)s 在還課時段沒有課可以交換") % {"name": substitute.name}, code="swap_no_class"
        )
    absent = need.teacher
    reasons = busy_reasons(school=need.school, staff_ids=[absent.pk], starts_at=slot.starts_at, ends_at=slot.ends_at)
    if absent.pk in reasons:
        raise CoverageError(
            _("還課時段 %(name)s 無法上課（%(why)s）")
            % {"name": absent.name, "why": CONFLICT_MESSAGES[reasons[absent.pk]] % {"name": absent.name}},
            code="swap_conflict",
        )
    assignment.paid_by = Payer.NONE
    assignment.swap_date = slot.date
    assignment.swap_period_number = slot.period_number
    assignment.swap_starts_at = slot.starts_at
    assignment.swap_ends_at = slot.ends_at
    assignment.swap_class_name = slot.class_name
    assignment.swap_subject = slot.subject


def coverage_unassign(*, actor: StaffMember, assignment_id: int, reason: str = "") -> CoverageAssignment:
    """Take an assignment back: the need is open again; substitute and absent teacher are told."""
    with transaction.atomic():
        assignment = (
            CoverageAssignment.objects.select_for_update(of=("self",))
            .select_related("need", "need__teacher", "substitute")
            .filter(pk=assignment_id)
            .first()
        )
        if assignment is None or not can_arrange(actor, assignment.school_id):
            raise CoverageError(_("找不到此代課安排，或您不是本校教學組"), code="forbidden")
        status = ASSIGNMENT.require(
            assignment.status, "cancel", lambda: CoverageError(_("此安排已取消或已被婉拒"), code="already_cancelled")
        )
        need = CoverageNeed.objects.select_for_update().get(pk=assignment.need_id)
        was_offer = assignment.status == CoverageAssignment.Status.OFFERED
        assignment.status = status
        assignment.cancelled_at = timezone.now()
        assignment.cancel_reason = reason[:200] or str(_("教學組取消安排"))
        assignment.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        if NEED.allows(need.status, "unassign"):
            need.status = NEED.target("unassign")
            need.save(update_fields=["status"])
        audit_log(
            actor=actor.user, action="substitutes.assignment_cancelled", target=assignment, school=actor.school,
            data={"reason": assignment.cancel_reason, "need": need.pk},
        )
        context = {"assignment": assignment, "need": need, "reason": assignment.cancel_reason}
        # An offer never answered was not announced to the absent teacher: only its substitute hears.
        told = [assignment.substitute] if was_offer else [assignment.substitute, need.teacher]
        notify(told, "substitutes.assignment_cancelled", context, url=reverse("substitutes:mine"))
    return assignment


# --- Confirming a proposal (自動排代) ---------------------------------------------------------------


@dataclass
class ProposalCell:
    """One row of the grid 教學組 confirms: the need, what the proposal saw of it, and who covers it
    (None: left open)."""

    need_id: int
    fingerprint: str
    substitute_id: int | None


@dataclass
class ConfirmResult:
    assigned: list[CoverageAssignment] = field(default_factory=list)
    left_open: int = 0
    offered: bool = False  # the school offers cover first (提供): the assignments wait for their answers


def coverage_proposal_confirm(*, actor: StaffMember, cells: Sequence[ProposalCell]) -> ConfirmResult:
    """Assign exactly the grid 教學組 confirms, in one transaction, or nothing.

    Refused as a whole (nothing assigned) when: the actor is not 教學組 of the needs' school or a need is
    unknown (`forbidden`); a need changed since the proposal was made — assigned, taken back, cancelled,
    its leave withdrawn or moved (`changed`, naming the periods); the grid breaks a rule of the school
    (`rules`, naming each period and person: not free, over the daily or weekly limit, too long a run,
    twice at one time). Otherwise each substitute's periods go through coverage_assign_many, which checks
    each period again; any refusal there undoes the whole confirmation.
    """
    if not cells:
        raise CoverageError(_("提案沒有任何一節"), code="no_needs")
    if len(cells) > MAX_PROPOSAL_NEEDS:
        raise CoverageError(_("一次最多安排 %(n)d 節") % {"n": MAX_PROPOSAL_NEEDS}, code="too_many")
    if not can_arrange(actor):
        raise CoverageError(_("找不到此代課需求，或您不是本校教學組"), code="forbidden")
    by_need = {c.need_id: c for c in cells}
    if len(by_need) != len(cells):
        raise CoverageError(_("同一節出現兩次"), code="duplicate")
    with transaction.atomic():
        # Lock the needs (in id order, as coverage_assign_many does) before comparing them with what the
        # proposal saw: a change committed after this point waits for the confirmation.
        needs = list(
            CoverageNeed.objects.select_for_update(of=("self",)).select_related("teacher", "school")
            .filter(pk__in=sorted(by_need)).order_by("pk")
        )
        if len(needs) != len(by_need) or any(not can_arrange(actor, n.school_id) for n in needs):
            raise CoverageError(_("找不到部分代課需求，或您不是本校教學組"), code="forbidden")
        last = dict(
            CoverageAssignment.objects.filter(need_id__in=by_need).values("need_id").annotate(last=Max("id"))
            .values_list("need_id", "last")
        )
        changed = [n for n in needs if need_fingerprint(n, last.get(n.pk)) != by_need[n.pk].fingerprint]
        if changed:
            changed.sort(key=lambda n: (n.starts_at, n.pk))
            raise CoverageError(
                _("提案之後以下各節已有變動（已安排、已取消或假單已變更），請重新產生提案：%(periods)s")
                % {"periods": enumerate_text(f"{local_label(n)}（{n.get_status_display()}）" for n in changed)},
                code="changed",
            )
        chosen = {n.pk: chosen_id for n in needs if (chosen_id := by_need[n.pk].substitute_id) is not None}
        problems = grid_check(school=needs[0].school, needs=needs, chosen=chosen)
        if problems:
            raise CoverageError(
                _("提案不符合本校代課規則：%(problems)s")
                % {"problems": separate_text(f"{local_label(p.need)} {p.message}" for p in problems)},
                code="rules",
            )
        result = ConfirmResult(left_open=len(needs) - len(chosen))
        by_substitute: dict[int, list[int]] = {}
        for need_id, substitute_id in chosen.items():
            by_substitute.setdefault(substitute_id, []).append(need_id)
        for substitute_id, need_ids in sorted(by_substitute.items()):
            done = coverage_assign_many(
                actor=actor, need_ids=need_ids, substitute_id=substitute_id, note=str(_("自動排代"))
            )
            if done.refused:
                refusal = done.refused[0]
                raise CoverageError(f"{local_label(refusal.need)} {refusal.message}", code=refusal.code)
            result.assigned.extend(done.assigned)
            result.offered = result.offered or done.offered
        audit_log(
            actor=actor.user, action="substitutes.proposal_confirmed", school=needs[0].school,
            data={"assigned": len(result.assigned), "left_open": result.left_open,
                  "needs": sorted(by_need)},
        )
    return result


def _in_language(language: str, text: "StrOrPromise") -> str:
    with translation.override(language):
        return str(text)


# --- Offers (提供): the substitute answers -------------------------------------------------


@dataclass
class OfferAnswer:
    substitute: StaffMember
    accepted: bool
    assignments: list[CoverageAssignment]
    reason: str = ""


def coverage_offers_answer(
    *,
    actor: StaffMember,
    assignment_ids: Sequence[int],
    accept: bool,
    reason: str = "",
) -> OfferAnswer:
    """The substitute accepts or declines offers made to them (one or several at once, all or none).

    Only the person offered answers; only offers not answered yet (the status table). Accepted: the
    assignments are active and their needs covered; each absent teacher is told once. Declined (a reason
    is required): the needs are open again and come first on the dashboard. Academic affairs of the
    school are told once either way.
    """
    ids = sorted({int(i) for i in assignment_ids})
    if not ids:
        raise CoverageError(_("請至少選擇一節"), code="no_offers")
    if len(ids) > MAX_NEEDS_AT_ONCE:
        raise CoverageError(_("一次最多回覆 %(n)d 節") % {"n": MAX_NEEDS_AT_ONCE}, code="too_many")
    reason = reason.strip()[:200]
    if not accept and not reason:
        raise CoverageError(_("請說明婉拒的原因"), code="reason_required")
    action = "accept" if accept else "decline"
    now = timezone.now()
    with transaction.atomic():
        # The assignments, then their needs, each in id order (coverage_unassign's order).
        assignments = list(
            CoverageAssignment.objects.select_for_update(of=("self",))
            .select_related("school").filter(pk__in=ids).order_by("pk")
        )
        if len(assignments) != len(ids) or any(a.substitute_id != actor.pk for a in assignments):
            raise CoverageError(_("找不到此代課邀請，或不是給您的"), code="forbidden")
        needs = {
            n.pk: n for n in CoverageNeed.objects.select_for_update(of=("self",)).select_related("teacher")
            .filter(pk__in=[a.need_id for a in assignments]).order_by("pk")
        }
        for a in assignments:
            a.status = ASSIGNMENT.require(
                a.status, action, lambda: CoverageError(_("此代課邀請已回覆或已取消"), code="not_offered")
            )
            a.answered_at = now
            a.decline_reason = "" if accept else reason
            need = needs[a.need_id]
            need.status = NEED.require(
                need.status, action, lambda: CoverageError(_("此代課邀請已回覆或已取消"), code="not_offered")
            )
            need.declined_at = None if accept else now
            a.need = need
        CoverageAssignment.objects.bulk_update(assignments, ["status", "answered_at", "decline_reason"])
        CoverageNeed.objects.bulk_update(list(needs.values()), ["status", "declined_at"])
        school = assignments[0].school
        audit_log_many(
            actor=actor.user, action=f"substitutes.offer_{action}ed", school=school,
            entries=[(a, {"need": a.need_id, **_need_data(a.need), "reason": a.decline_reason}) for a in assignments],
        )
        assignments.sort(key=lambda a: (a.starts_at, a.pk))
        for a in assignments:
            a.substitute = actor
        answer = OfferAnswer(substitute=actor, accepted=accept, assignments=assignments, reason=reason)
        notify(_academic_staff(school.pk), "substitutes.offer_answered",
               {"answer": answer, "substitute": actor, "assignments": assignments, "accepted": accept,
                "reason": reason},
               url=reverse("substitutes:dashboard"))
        if accept:
            _tell_absent_teachers(assignments, actor)
    return answer


def coverage_policy_set(*, actor: StaffMember, offers_enabled: bool) -> CoverageSettings:
    """教學組 switch offers (提供) on or off for their school. Offers already made stay until answered."""
    if not can_arrange(actor):
        raise CoverageError(_("只有教學組可以變更代課設定"), code="forbidden")
    with transaction.atomic():
        policy = CoverageSettings.objects.select_for_update().filter(school_id=actor.school_id).first()
        if policy is None:
            policy = CoverageSettings(school_id=actor.school_id)  # the defaults: no row needed to keep them
        if policy.offers_enabled != offers_enabled:
            policy.offers_enabled = offers_enabled
            policy.save()
            audit_log(actor=actor.user, action="substitutes.policy_changed", target=policy, school=actor.school,
                      data={"offers_enabled": offers_enabled})
    return policy
