"""Turning official 停班停課 announcements (CAP alerts) into proposed declarations, and confirming them.

An alert is read (``schedules.cap``), kept once by its identifier, and — when it is an actual
announcement for our city — becomes a *proposal*. Nothing changes in the calendar until someone
who may declare confirms it: a school's personnel office for its own school, or the city
administrator for the proposal's whole scope. Confirming goes through the typhoon-day services
(declare, change or withdraw), so every consequence (leave recounted, coverage dropped, people
told) follows exactly as for a declaration typed in by hand. docs/cap.md has the rules.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypedDict

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.services import audit_log
from notifications.services import notify
from schedules import cap
from schedules.cap import CapAlert, CapError, Ignored, Lifting, Suspension
from schedules.models import AlertDecision, DisasterAlert, TyphoonDay
from schedules.models.alerts import RAW_XML_KEPT
from schedules.permissions import can_declare_typhoon
from schedules.states import ALERT_OPEN, DISASTER_ALERT
from staff.models import District, Role, School, User
from staff.selectors import (
    district_names_by_code,
    role_holders_of_schools,
    schools_in_districts,
)
from staff.selectors import schools as all_schools
from staff.selectors import (
    schools_without_district as schools_lacking_district,
)
from staff.services import districts_ensure

if TYPE_CHECKING:
    from schedules.services import DeclarationChanges

State = DisasterAlert.State


# --- importing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertOutcome:
    identifier: str
    outcome: Literal["proposed", "updated", "withdrawn", "withdraw_proposed", "ignored", "duplicate", "error"]
    message: str
    alert: DisasterAlert | None = None


@dataclass
class ImportReport:
    outcomes: list[AlertOutcome] = field(default_factory=list)

    @property
    def proposed(self) -> list[AlertOutcome]:
        return [o for o in self.outcomes if o.outcome in {"proposed", "updated", "withdraw_proposed"}]


def _actor(actor: User | None) -> User | None:
    return actor if actor is not None and actor.pk else None


def schools_in(districts: list[str] | tuple[str, ...]) -> QuerySet[School]:
    """The schools a declaration for the districts named covers (none named: every school in the city)."""
    schools = schools_in_districts(districts) if districts else all_schools()
    return schools.order_by("code")


def _school_in(school: School, alert: DisasterAlert) -> bool:
    if not alert.districts:
        return True
    return school.district is not None and school.district.name in alert.districts


def _district_codes() -> dict[str, str]:
    """The codes set on districts in the admin, which the alerts' geocodes may name."""
    return district_names_by_code()


def _districts(names: list[str]) -> list[District]:
    """The districts named, created from the city's table when no school has needed one yet (a
    declaration must say every district the announcement names)."""
    table = {name: code for code, name in cap.geocode_table().items()}
    return districts_ensure(names=names, codes=table)


def _describe(alert: DisasterAlert) -> str:
    if alert.action == DisasterAlert.Action.WITHDRAW:
        return gettext("撤銷 %(day)s 的停班停課") % {"day": alert.day}
    return gettext("%(day)s %(what)s（%(where)s）") % {
        "day": alert.day, "what": alert.window_text(), "where": alert.scope_text(),
    }


def _store(alert: CapAlert, *, raw: bytes, source: str, actor: User | None, **fields: object) -> DisasterAlert:
    try:
        with transaction.atomic():
            return DisasterAlert.objects.create(
                identifier=alert.identifier,
                sender=alert.sender,
                sent=alert.sent,
                status=alert.status,
                msg_type=alert.msg_type,
                references=" ".join(f"{r.sender},{r.identifier},{r.sent}" for r in alert.references)[:2000],
                event=alert.event[:100],
                headline=alert.headline[:200],
                description=alert.description[:2000],
                areas=[{"desc": a.description[:200], "geocodes": [v for _n, v in a.geocodes][:50]}
                       for a in alert.areas[:100]],
                source=source[:300],
                raw_xml=raw[:RAW_XML_KEPT].decode("utf-8", errors="replace"),
                imported_by=_actor(actor),
                **fields,
            )
    except IntegrityError as exc:  # the same alert read twice at once (the poller and an upload)
        raise _Duplicate from exc


class _Duplicate(Exception):
    pass


def _proposal_fields(suspension: Suspension) -> dict[str, object]:
    return {
        "state": DISASTER_ALERT.target("propose"),
        "day": suspension.day,
        "start_time": suspension.start_time,
        "end_time": suspension.end_time,
        "stops_work": suspension.stops_work,
        "stops_classes": suspension.stops_classes,
        "districts": list(suspension.districts),
    }


def _referenced(alert: CapAlert) -> DisasterAlert | None:
    identifiers = [r.identifier for r in alert.references]
    found = {a.identifier: a for a in DisasterAlert.objects.filter(identifier__in=identifiers)}
    for identifier in reversed(identifiers):  # CAP lists them oldest first; the last one we know wins
        if identifier in found and found[identifier].state != State.IGNORED:
            return found[identifier]
    return None


def _thread_declarations(thread: str) -> QuerySet[TyphoonDay]:
    return TyphoonDay.objects.filter(source_ref=thread)


def _declared(alert: DisasterAlert) -> list[TyphoonDay]:
    """The declarations made from the alert's thread, oldest first; read once per alert object
    (``pending_alerts`` reads those of every proposal in one query)."""
    cached = getattr(alert, "_declared", None)
    if cached is None:
        cached = list(_thread_declarations(alert.thread).select_related("school__district").order_by("pk"))
        alert._declared = cached
    return cached


def _notify_proposal(proposal: DisasterAlert) -> None:
    """Tell the people who may confirm it: personnel of the schools concerned and the city's system admins."""
    if proposal.action == DisasterAlert.Action.WITHDRAW:
        declared = _thread_declarations(proposal.thread)
        school_ids = list(declared.exclude(school=None).values_list("school_id", flat=True))
        if declared.exclude(scope=TyphoonDay.Scope.SCHOOL).exists():
            school_ids = list(schools_in(proposal.districts).values_list("pk", flat=True))
    else:
        school_ids = list(schools_in(proposal.districts).values_list("pk", flat=True))
    recipients = role_holders_of_schools(
        school_ids=school_ids, role=Role.PERSONNEL, everywhere_role=Role.SYSTEM_ADMIN
    )
    notify(
        recipients, "schedules.cap_alert_proposed",
        {"alert": proposal, "withdraw": proposal.action == DisasterAlert.Action.WITHDRAW},
        url=reverse("schedules:cap_alerts"),
    )


@transaction.atomic
def _import_alert(*, actor: User | None, alert: CapAlert, raw: bytes, source: str) -> AlertOutcome:
    if DisasterAlert.objects.filter(identifier=alert.identifier).exists():
        return AlertOutcome(alert.identifier, "duplicate", gettext("這則警報已經匯入過，沒有變更"))
    meaning = cap.interpret(alert, extra_codes=_district_codes())
    if isinstance(meaning, Ignored) or (isinstance(meaning, Lifting) and alert.msg_type == "Alert"):
        if isinstance(meaning, Lifting):
            meaning = cap.ignored("no_stop")
        stored = _store(alert, raw=raw, source=source, actor=actor, thread=alert.identifier,
                        state=DISASTER_ALERT.target("ignore"), ignore_reason=meaning.code)
        audit_log(actor=actor, action="schedules.cap_alert_ignored", target=stored,
                  data={"identifier": alert.identifier, "status": alert.status, "msg_type": alert.msg_type,
                        "reason": meaning.code})
        message = gettext("不採用：%(reason)s") % {"reason": meaning.reason}
        return AlertOutcome(alert.identifier, "ignored", message, stored)

    previous = _referenced(alert) if alert.msg_type in {"Update", "Cancel"} else None
    if previous is None:
        if alert.msg_type == "Cancel" or isinstance(meaning, Lifting):
            stored = _store(alert, raw=raw, source=source, actor=actor, thread=alert.identifier,
                            state=DISASTER_ALERT.target("ignore"), ignore_reason="unknown_reference")
            audit_log(actor=actor, action="schedules.cap_alert_ignored", target=stored,
                      data={"identifier": alert.identifier, "reason": "unknown_reference"})
            return AlertOutcome(alert.identifier, "ignored",
                                gettext("不採用：它取消的警報不在本系統中，沒有可撤銷的提議"), stored)
        # An Update of an alert we never received is a proposal of its own.
        stored = _store(alert, raw=raw, source=source, actor=actor, thread=alert.identifier,
                        **_proposal_fields(meaning))
        _after_proposal(actor, stored, "proposed")
        return AlertOutcome(alert.identifier, "proposed", gettext("新的提議：%(what)s") % {"what": _describe(stored)},
                            stored)

    # An Update or Cancel of an alert we hold: the thread's live proposals give way to it.
    thread = previous.thread
    # The thread's open proposals: withdrawn or superseded below (both leave from the open states).
    live = list(DisasterAlert.objects.select_for_update().filter(thread=thread, state__in=ALERT_OPEN))
    declared = _thread_declarations(thread).exists()
    # What the alert now says: a suspension, or None when it withdraws the thread's (a Cancel, or a lifting).
    suspension = None if alert.msg_type == "Cancel" or isinstance(meaning, Lifting) else meaning
    if suspension is None and not declared:
        for old in live:
            old.state = DISASTER_ALERT.target("withdraw")
            old.save(update_fields=["state"])
        stored = _store(alert, raw=raw, source=source, actor=actor, thread=thread, previous=previous,
                        state=DISASTER_ALERT.target("record_withdrawal"), action=DisasterAlert.Action.WITHDRAW,
                        day=previous.day, districts=previous.districts)
        audit_log(actor=actor, action="schedules.cap_alert_withdrawn", target=stored,
                  data={"identifier": alert.identifier, "withdrawn": [old.identifier for old in live]})
        return AlertOutcome(alert.identifier, "withdrawn",
                            gettext("已取消尚未確認的提議（%(count)d 則）") % {"count": len(live)}, stored)
    for old in live:
        old.state = DISASTER_ALERT.target("supersede")
        old.save(update_fields=["state"])
    if suspension is None:
        last = _thread_declarations(thread).order_by("-pk").first()
        stored = _store(
            alert, raw=raw, source=source, actor=actor, thread=thread, previous=previous,
            state=DISASTER_ALERT.target("propose"), action=DisasterAlert.Action.WITHDRAW,
            day=last.date if last else previous.day,
            districts=previous.districts, stops_work=previous.stops_work, stops_classes=previous.stops_classes,
        )
        _after_proposal(actor, stored, "withdraw_proposed", superseded=live)
        return AlertOutcome(alert.identifier, "withdraw_proposed",
                            gettext("已宣布的停班停課被取消：請確認撤銷"), stored)
    stored = _store(alert, raw=raw, source=source, actor=actor, thread=thread, previous=previous,
                    **_proposal_fields(suspension))
    _after_proposal(actor, stored, "updated", superseded=live)
    message = gettext("提議已更新：%(what)s") % {"what": _describe(stored)}
    return AlertOutcome(alert.identifier, "updated", message, stored)


def _after_proposal(
    actor: User | None, stored: DisasterAlert, outcome: str, superseded: Iterable[DisasterAlert] = ()
) -> None:
    audit_log(
        actor=actor, action="schedules.cap_alert_proposed", target=stored,
        data={"identifier": stored.identifier, "outcome": outcome, "day": stored.day,
              "districts": stored.districts, "start_time": stored.start_time, "end_time": stored.end_time,
              "stops_work": stored.stops_work, "stops_classes": stored.stops_classes,
              "superseded": [old.identifier for old in superseded]},
    )
    _notify_proposal(stored)


def _import_one(*, actor: User | None, alert: CapAlert, raw: bytes, source: str) -> AlertOutcome:
    try:
        return _import_alert(actor=actor, alert=alert, raw=raw, source=source)
    except _Duplicate:
        return AlertOutcome(alert.identifier, "duplicate", gettext("這則警報已經匯入過，沒有變更"))


def cap_alert_import(*, actor: User | None, content: bytes, source: str = "") -> ImportReport:
    """Import a file holding one CAP alert. CapError (nothing stored) when it cannot be read."""
    document = cap.parse_document(content)
    if document.links:
        raise CapError(_("這是警報的 Atom 訊息來源，請改用網址匯入"), code="cap_feed_file")
    report = ImportReport()
    for alert in document.alerts:
        report.outcomes.append(_import_one(actor=actor, alert=alert, raw=content, source=source))
    return report


def cap_alert_import_url(*, actor: User | None, url: str) -> ImportReport:
    """Import the alert at ``url``, or every alert an Atom feed there links to (each on its own:
    one unreadable entry does not keep the others out)."""
    content = cap.fetch(url)
    document = cap.parse_document(content)
    report = ImportReport()
    for alert in document.alerts:
        report.outcomes.append(_import_one(actor=actor, alert=alert, raw=content, source=url))
    # A feed lists the same alerts poll after poll; each alert is a file of its own that never changes
    # (CAP issues a new alert for every change), so a link already read is not fetched again.
    known = set(DisasterAlert.objects.filter(source__in=[link[:300] for link in document.links])
                .values_list("source", flat=True))
    fetched = 0
    for link in document.links:
        if link[:300] in known:
            report.outcomes.append(AlertOutcome(link[:200], "duplicate", gettext("這則警報已經匯入過，沒有變更")))
            continue
        if fetched >= cap.MAX_FETCHES_PER_READ:
            break
        fetched += 1
        try:
            data = cap.fetch(link)
            alerts = cap.parse_document(data).alerts
        except CapError as exc:
            report.outcomes.append(AlertOutcome(link[:200], "error", str(exc.message)))
            continue
        for alert in alerts:
            report.outcomes.append(_import_one(actor=actor, alert=alert, raw=data, source=link))
    return report


# --- who decides, and what confirming does ------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Who is deciding: the city administrator for the whole proposal (school None) or personnel for a school."""

    school: School | None


def decision_scope(user: User | AnonymousUser | None, alert: DisasterAlert) -> Scope | None:
    """The scope ``user`` may confirm or dismiss ``alert`` for, or None (schedules.permissions decides who declares)."""
    if can_declare_typhoon(user, None):
        return Scope(school=None)
    staff = user.staff_or_none if isinstance(user, User) and user.is_authenticated else None
    if staff is None or not can_declare_typhoon(user, staff.school):
        return None
    school = staff.school
    declared = any(t.school_id == school.pk for t in _declared(alert))
    return Scope(school=school) if (_school_in(school, alert) or declared) else None


@dataclass(frozen=True)
class Plan:
    """What confirming ``alert`` for ``scope`` will do."""

    kind: Literal["declare", "change", "withdraw", "nothing"]
    fields: "ProposedDeclaration | None"
    typhoons: tuple[TyphoonDay, ...] = ()  # the declarations changed or withdrawn
    # The city administrator's confirmation also brings the thread's school declarations (made by
    # personnel before) in line: each is changed like the city's, or withdrawn when its school left the scope.
    followers: tuple[tuple[TyphoonDay, "ProposedDeclaration | None"], ...] = ()


class ProposedDeclaration(TypedDict):
    """The typhoon-day service's arguments, the districts still by name (``_resolved`` turns them into rows)."""

    day: dt.date
    scope: str
    school: School | None
    districts: list[str]
    stops_work: bool
    stops_classes: bool
    start_time: dt.time | None
    end_time: dt.time | None
    label: str
    source_ref: str


def _declaration_fields(alert: DisasterAlert, school: School | None) -> ProposedDeclaration:
    """What confirming ``alert`` declares for ``school`` (None: the alert's whole scope)."""
    if alert.day is None:  # only an ignored alert has no day, and it is never open to a decision
        raise _not_pending()
    Scope = TyphoonDay.Scope
    return {
        "day": alert.day,
        "scope": Scope.SCHOOL if school else (Scope.DISTRICTS if alert.districts else Scope.CITY),
        "school": school,
        "districts": list(alert.districts) if school is None else [],
        "stops_work": alert.stops_work,
        "stops_classes": alert.stops_classes,
        "start_time": alert.start_time,
        "end_time": alert.end_time,
        "label": (alert.event or gettext("停班停課"))[:50],
        "source_ref": alert.thread,
    }


def _already(typhoon: TyphoonDay, fields: ProposedDeclaration) -> bool:
    """The declaration says what ``fields`` say already (a school's, so no districts to compare)."""
    return (typhoon.date, typhoon.stops_work, typhoon.stops_classes, typhoon.start_time, typhoon.end_time) == (
        fields["day"], fields["stops_work"], fields["stops_classes"], fields["start_time"], fields["end_time"]
    )


def _resolved(fields: ProposedDeclaration) -> "DeclarationChanges":
    return {**fields, "districts": _districts(fields["districts"])}


def plan(alert: DisasterAlert, scope: Scope) -> Plan:
    """What confirming would do; reads only (the list page shows it for every proposal)."""
    declarations = _declared(alert)
    schools = [(t, t.school) for t in declarations if t.scope == TyphoonDay.Scope.SCHOOL and t.school is not None]
    if scope.school is None:
        existing = next((t for t in declarations if t.scope != TyphoonDay.Scope.SCHOOL), None)
        if alert.action == DisasterAlert.Action.WITHDRAW:
            found = tuple(declarations)
            return Plan("withdraw", None, found) if found else Plan("nothing", None)
        fields = _declaration_fields(alert, None)
        followers = tuple(
            (t, _declaration_fields(alert, school) if _school_in(school, alert) else None) for t, school in schools
        )
        followers = tuple((t, f) for t, f in followers if f is None or not _already(t, f))
        if existing:
            return Plan("change", fields, (existing,), followers)
        return Plan("declare", fields, (), followers)
    existing = next((t for t, school in schools if school.pk == scope.school.pk), None)
    if alert.action == DisasterAlert.Action.WITHDRAW or not _school_in(scope.school, alert):
        return Plan("withdraw", None, (existing,)) if existing else Plan("nothing", None)
    fields = _declaration_fields(alert, scope.school)
    return Plan("change", fields, (existing,)) if existing else Plan("declare", fields)


def is_pending_for(alert: DisasterAlert, scope: Scope) -> bool:
    if alert.state not in ALERT_OPEN:
        return False
    decided = {d.school_id for d in alert.decisions.all()}
    if None in decided:
        return False
    if scope.school is None:
        return True
    if scope.school.pk in decided:
        return False
    # A city or districts declaration of the thread is the city administrator's to change.
    return not any(t.scope != TyphoonDay.Scope.SCHOOL for t in _declared(alert))


def _lock_pending(alert: DisasterAlert, scope: Scope) -> DisasterAlert:
    alert = DisasterAlert.objects.select_for_update().get(pk=alert.pk)
    if not is_pending_for(alert, scope):
        raise _not_pending()
    return alert


def _not_pending() -> CapError:
    return CapError(_("這則提議已經處理過或已被更新，請重新整理頁面"), code="cap_not_pending")


@transaction.atomic
def disaster_alert_confirm(*, actor: User | None, alert: DisasterAlert, scope: Scope) -> TyphoonDay | None:
    """Make the calendar say what the alert says, for ``scope``: declare, change or withdraw."""
    from schedules import services  # the typhoon-day services; imported here to keep module loading one-way

    alert = _lock_pending(alert, scope)
    confirmed = DISASTER_ALERT.require(alert.state, "confirm", _not_pending)
    todo = plan(alert, scope)
    result = None
    if todo.kind == "declare" and todo.fields is not None:
        result = services.typhoon_day_declare(actor=actor, **_resolved(todo.fields))
    elif todo.kind == "change" and todo.fields is not None:
        result = services.typhoon_day_change(actor=actor, typhoon=todo.typhoons[0], **_resolved(todo.fields))
    elif todo.kind == "withdraw":
        for typhoon in todo.typhoons:
            services.typhoon_day_withdraw(actor=actor, typhoon=typhoon)
    for typhoon, fields in todo.followers:
        if fields is None:
            services.typhoon_day_withdraw(actor=actor, typhoon=typhoon)
        else:
            services.typhoon_day_change(actor=actor, typhoon=typhoon, **_resolved(fields))
    AlertDecision.objects.create(alert=alert, school=scope.school, decision=AlertDecision.Decision.CONFIRMED,
                                 decided_by=_actor(actor))
    alert.state = confirmed
    alert.typhoon = result
    alert.save(update_fields=["state", "typhoon"])
    audit_log(
        actor=actor, action="schedules.cap_alert_confirmed", target=alert, school=scope.school,
        data={"identifier": alert.identifier, "did": todo.kind, "scope": scope.school.code if scope.school else "city",
              "typhoon": result.pk if result else None},
    )
    return result


def disaster_alert_preview(
    *, actor: User | None, alert: DisasterAlert, scope: Scope
) -> dict[str, list[dict[str, object]]]:
    """What confirming would change (leave recounted, periods dropped or restored, substitutes
    cancelled), from the typhoon-day preview; nothing is kept. ScheduleError when it would be refused."""
    from schedules import services

    todo = plan(alert, scope)
    found: dict[str, list[dict[str, object]]] = {}
    with transaction.atomic():
        if todo.kind == "declare" and todo.fields is not None:
            parts = [services.typhoon_day_preview(actor=actor, **_resolved(todo.fields))]
        elif todo.kind == "change" and todo.fields is not None:
            parts = [services.typhoon_day_preview(actor=actor, typhoon=todo.typhoons[0], **_resolved(todo.fields))]
        elif todo.kind == "withdraw":
            parts = [services.typhoon_day_preview(actor=actor, typhoon=t, withdraw=True) for t in todo.typhoons]
        else:
            parts = []
        for typhoon, fields in todo.followers:
            if fields is None:
                parts.append(services.typhoon_day_preview(actor=actor, typhoon=typhoon, withdraw=True))
            else:
                parts.append(services.typhoon_day_preview(actor=actor, typhoon=typhoon, **_resolved(fields)))
        transaction.set_rollback(True)  # the districts created for the preview go too
    for part in parts:
        for kind, items in part.items():
            found.setdefault(kind, []).extend(items)
    return found


@transaction.atomic
def disaster_alert_dismiss(*, actor: User | None, alert: DisasterAlert, scope: Scope) -> None:
    """Not acted on, for ``scope``: the city administrator's dismissal closes the proposal for everyone."""
    alert = _lock_pending(alert, scope)
    AlertDecision.objects.create(alert=alert, school=scope.school, decision=AlertDecision.Decision.DISMISSED,
                                 decided_by=_actor(actor))
    # Personnel dismiss for their school only; the city administrator's dismissal closes a proposal
    # nobody confirmed (a confirmed one stays confirmed: its declarations stand).
    if scope.school is None and DISASTER_ALERT.allows(alert.state, "dismiss"):
        alert.state = DISASTER_ALERT.target("dismiss")
        alert.save(update_fields=["state"])
    audit_log(actor=actor, action="schedules.cap_alert_dismissed", target=alert, school=scope.school,
              data={"identifier": alert.identifier, "scope": scope.school.code if scope.school else "city"})


def pending_alerts(user: User | AnonymousUser | None) -> list[tuple[DisasterAlert, Scope]]:
    """The proposals waiting for ``user``'s decision, newest first."""
    if not can_declare_typhoon(user, None):
        staff = user.staff_or_none if isinstance(user, User) else None
        if staff is None:
            return []
    candidates = list(
        DisasterAlert.objects.filter(state__in=ALERT_OPEN).prefetch_related("decisions").order_by("-sent")[:50]
    )
    by_thread: dict[str, list[TyphoonDay]] = {alert.thread: [] for alert in candidates}
    declarations = TyphoonDay.objects.filter(source_ref__in=list(by_thread)).select_related("school__district")
    for typhoon in declarations.order_by("pk"):
        by_thread[typhoon.source_ref].append(typhoon)
    for alert in candidates:
        alert._declared = by_thread[alert.thread]
    pending = []
    for alert in candidates:
        scope = decision_scope(user, alert)
        if scope is not None and is_pending_for(alert, scope):
            pending.append((alert, scope))
    return pending


def schools_without_district() -> int:
    """Schools that no district-scoped declaration can reach until their district is set."""
    return schools_lacking_district().count()


def recent_alerts(*, limit: int = 20) -> QuerySet[DisasterAlert]:
    """Alerts received lately, whatever became of them (the page's record of what arrived), less those
    for other counties (a national feed lists every township's; they stay on record in the database)."""
    since = timezone.now() - dt.timedelta(days=60)
    alerts = DisasterAlert.objects.filter(sent__gte=since).exclude(state=State.IGNORED, ignore_reason="other_area")
    return alerts.order_by("-sent", "-pk")[:limit]
