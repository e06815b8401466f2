"""What every leave service shares: row locks in one order, notices, events, audit data, the unit head."""

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.urls import reverse

from common.i18n import later, local_name
from leave.display import span_text
from leave.events import LeaveEvent, publish_leave_changed
from leave.models import (
    ApprovalStep,
    LeaveRequest,
    OvertimeRequest,
)
from leave.selectors import (
    role_holders,
)
from notifications.services import notice_drafts, notices_save, notification_resolve, notify
from staff.models import Role, StaffMember
from staff.selectors import staff_lock
from staff.twdate import format_days_hours

Span = tuple[dt.datetime, dt.datetime]


def lock_staff(*ids: int, related: Sequence[str] = ()) -> dict[int, StaffMember]:
    """Lock people's rows in id order (one order everywhere, so two changes never deadlock).

    Only the people's rows (OF self) and FOR NO KEY UPDATE, like attendance's punch lock: strong enough to
    serialise one person's changes, while rows that merely point at the person (a punch, a daily result
    written by the 18:00 run) are not held up by their foreign-key check. ``related``: rows joined for
    reading, not locked (``staff_lock``; none named: their account and school).
    """
    return staff_lock(*ids, related=related)


def lock_for_change(request: LeaveRequest) -> tuple[StaffMember, LeaveRequest]:
    """Lock the applicant first, then the request: the same order as a submission takes."""
    applicant = lock_staff(request.applicant_id)[request.applicant_id]
    locked = (
        LeaveRequest.objects.select_for_update(no_key=True, of=("self",))
        .select_related("leave_type", "rule", "deputy__user", "deputy__unit", "applicant__user", "applicant__school",
                        "applicant__unit__head__user", "applicant__unit__head__unit", "amends")
        .get(pk=request.pk)
    )
    return applicant, locked


def request_data(request: LeaveRequest) -> dict[str, Any]:
    return {
        "type": request.leave_type.code,
        "start": request.start,
        "end": request.end,
        "hours": request.hours,
        "unpaid_hours": request.unpaid_hours,
        "deputy": request.deputy_id,
        "chain": request.chain_name,
    }


def unit_head_for(applicant: StaffMember) -> StaffMember | None:
    """The head of the applicant's unit, else of the unit above, else the principal; never the applicant."""
    unit = applicant.unit
    while unit is not None:
        head = unit.head
        if head is not None and head.pk != applicant.pk and head.is_active:
            return head
        unit = unit.parent
    principals = [p for p in role_holders(applicant.school_id, Role.PRINCIPAL) if p.pk != applicant.pk]
    return principals[0] if principals else None


def action_key(request: LeaveRequest) -> str:
    """What the notices asking to act on a request are about (notifications' ``about``)."""
    return f"leave.request:{request.pk}"


def overtime_key(overtime: OvertimeRequest) -> str:
    return f"leave.overtime:{overtime.pk}"


def resolve_action_notices(about: str) -> None:
    """Whoever acted, the notices that asked for the action are done (notifications.notification_resolve)."""
    notification_resolve(about=about)


# The notices a leave change has asked for so far, written together at its end (``notices_together``).
_pending_notices: ContextVar[list[tuple[Any, str]] | None] = ContextVar("leave_pending_notices", default=None)


@contextmanager
def notices_together() -> Iterator[None]:
    """Collect the notices of one change and write them in two statements when it has decided
    (``notifications.services.notices_save``), still inside its transaction: a refusal or rollback tells
    nobody, a commit tells everyone, and a request telling three people costs two INSERTs, not six.
    Each notice is rendered when it is asked for (it reads the request as it is then). Emails leave
    after the commit, as always. Used inside the service's ``transaction.atomic()``."""
    if _pending_notices.get() is not None:  # already collecting (a service calling another)
        yield
        return
    token = _pending_notices.set([])
    try:
        yield
        batch = _pending_notices.get() or []
    finally:
        _pending_notices.reset(token)
    notices_save(batch)


def _notify(recipients: Iterable[Any], kind: str, context: dict[str, Any], *, url: str, about: str = "") -> None:
    pending = _pending_notices.get()
    if pending is None:
        notify(recipients, kind, context, url=url, about=about)
    else:
        pending.extend(notice_drafts(recipients, kind, context, url=url, about=about))


def notify_request(
    request: LeaveRequest, recipients: Iterable[StaffMember | None], kind: str, *, about: str = "", **extra: Any
) -> None:
    recipients = [r for r in recipients if r is not None]
    if not recipients:
        return
    context = {
        "request": request,
        "applicant": request.applicant.name,
        # Words are made when each recipient's notice is rendered, in their language (common.i18n.later).
        "type_name": later(local_name, request.leave_type),
        "is_cancellation": request.is_cancellation,
        "span": later(span_text, request.start, request.end),
        "length": later(format_days_hours, request.hours),
        "status": later(request.get_status_display),
        **extra,
    }
    _notify(recipients, kind, context, url=reverse("leave:detail", args=[request.pk]), about=about)


def notify_overtime(
    overtime: OvertimeRequest, recipients: Iterable[StaffMember], kind: str, *, about: str = ""
) -> None:
    notify(
        recipients,
        kind,
        {"overtime": overtime, "staff_name": overtime.staff.name,
         "span": later(span_text, overtime.planned_start, overtime.planned_end),
         "status": later(overtime.get_status_display)},
        url=reverse("leave:overtime"),
        about=about,
    )


def publish(
    request: LeaveRequest, action: str, *, actor: StaffMember, spans: Iterable[Span] = (), previous: Iterable[Span] = ()
) -> None:
    publish_leave_changed(
        LeaveEvent(
            leave_request_id=request.pk,
            staff_id=request.applicant_id,
            school_id=request.school_id,
            action=action,
            leave_type_code=request.leave_type.code,
            leave_type_name=request.leave_type.name,
            leave_type_name_en=request.leave_type.name_en,
            spans=tuple(spans),
            previous_spans=tuple(previous),
            actor_user_id=actor.user_id if actor else None,
            substitute_paid_by=request.substitute_paid_by,
            extra={
                "status": request.status,
                "hours": request.hours,
                "unpaid_hours": request.unpaid_hours,
                "deputy_id": request.deputy_id,
                "class_arrangement": request.class_arrangement,
            },
        )
    )


def with_request(step: ApprovalStep, request: LeaveRequest) -> ApprovalStep:
    step.request = request
    return step
