"""Approving: chains step by step, cover for an approver on leave, rejection, reassignment."""

import datetime as dt
from collections.abc import Mapping
from typing import cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_log
from leave import rules as R
from leave.errors import LeaveError
from leave.models import (
    ApprovalRole,
    ApprovalStep,
    LeaveDay,
    LeaveRequest,
)
from leave.selectors import (
    STEP_ROLES,
    may_reassign_steps,
    role_holders,
    step_acting_capacity,
    step_actors,
)
from leave.services.charges import reallocate, substitute_payer
from leave.services.common import (
    action_key,
    lock_for_change,
    notices_together,
    notify_request,
    publish,
    request_data,
    resolve_action_notices,
    unit_head_for,
)
from leave.states import APPROVAL_STEP, LEAVE_REQUEST
from staff.models import Role, StaffMember


def _resolve(step: ApprovalStep, request: LeaveRequest) -> tuple[StaffMember | None, str]:
    """(assignee, reason to skip). No assignee and no skip: a role step anyone holding the role takes,
    or — for a unit head that cannot be found — a stuck step the personnel office reassigns."""
    applicant = request.applicant
    if step.role == ApprovalRole.DEPUTY:
        return request.deputy, ""
    if step.role == ApprovalRole.UNIT_HEAD:
        if applicant.has_role(Role.PRINCIPAL):
            return None, _("申請人為校長，免單位主管核章")
        return unit_head_for(applicant), ""
    role = STEP_ROLES[step.role]
    others = [h for h in role_holders(request.school_id, role) if h.pk != applicant.pk]
    if not others and applicant.has_role(role):
        return None, _("申請人本人，不得自行核章，免簽")
    return None, ""


def _step_refused() -> LeaveError:
    return LeaveError(_("此假單沒有待簽核的關卡"), code="not_pending")


def advance(
    request: LeaveRequest,
    *,
    now: dt.datetime,
    steps: list[ApprovalStep] | None = None,
    save: bool = True,
    covers: Mapping[int, int | None] | None = None,
) -> ApprovalStep | None:
    """Make the next waiting step current and tell its actors; None when no step is left.

    ``steps``: the request's steps as the caller already holds them (an approval read them with the current
    one), saving the read of the waiting ones. ``save=False``: they are not stored yet and the caller inserts
    them as they are now (a submission: its first step is inserted current, not inserted and then updated).
    ``covers``: who stands in right now for the people it names, as the caller read it (``step_actors``)."""
    startable = set(APPROVAL_STEP.sources("activate"))
    if steps is None:
        steps = list(request.steps.filter(status__in=startable).order_by("order"))
    for step in sorted((s for s in steps if s.status in startable), key=lambda s: s.order):
        step.request = request
        assignee, skip = _resolve(step, request)
        if skip:
            step.status = APPROVAL_STEP.require(step.status, "skip", _step_refused)
            step.comment, step.acted_at = skip, now
            if save:
                step.save(update_fields=["status", "comment", "acted_at"])
            continue
        step.status = APPROVAL_STEP.require(step.status, "activate", _step_refused)
        step.assignee, step.activated_at = assignee, now
        if save:
            step.save(update_fields=["status", "assignee", "activated_at"])
        notify_request(
            request, step_actors(step, covers=covers), "leave.action_needed", step=step, about=action_key(request)
        )
        return step
    return None


def _current_step(
    request: LeaveRequest, actor: StaffMember, *, steps: list[ApprovalStep] | None = None
) -> tuple[ApprovalStep, StaffMember | None]:
    """The step ``actor`` may decide now, and whom they act for; ``steps``: the request's, as the caller read
    them (any status: the current one is found among them)."""
    if not LEAVE_REQUEST.allows(request.status, "approve"):  # approving and rejecting share their states
        raise LeaveError(_("此假單已結案"), code="not_pending")
    if actor.pk == request.applicant_id:
        raise LeaveError(_("不能簽核自己的假單"), code="own_request")
    approvable = set(APPROVAL_STEP.sources("approve"))
    if steps is None:
        steps = list(request.steps.select_related("assignee__user").filter(status__in=approvable))
    step = next((s for s in steps if s.status in approvable), None)
    if step is None:
        raise LeaveError(_("此假單沒有待簽核的關卡"), code="not_pending")
    step.request = request
    allowed, on_behalf_of = step_acting_capacity(step, actor)
    if not allowed:
        raise LeaveError(_("您不是這一關的簽核人"), code="not_your_step")
    return step, on_behalf_of


def leave_step_approve(*, request: LeaveRequest, actor: StaffMember, comment: str = "") -> LeaveRequest:
    """The current step's actor agrees; the next step starts, or the request is approved.

    The request comes back as the service holds it, enough to show it at once without a read: its steps as
    they are now (``held_steps``), with the people on them and their units."""
    with transaction.atomic(), notices_together():
        _applicant, request = lock_for_change(request)
        # All the steps in one read (a handful): the current one, the next to start among the waiting ones,
        # and the decided ones for whoever shows the request next.
        steps = list(
            request.steps.select_related("assignee__user", "assignee__unit", "acted_by__unit", "on_behalf_of__unit")
            .order_by("order")
        )
        for each in steps:
            each.request = request
        request.held_steps = steps
        step, on_behalf_of = _current_step(request, actor, steps=steps)
        now = timezone.now()
        step.status = APPROVAL_STEP.require(step.status, "approve", _step_refused)
        step.acted_by, step.on_behalf_of = actor, on_behalf_of
        step.comment, step.acted_at = comment.strip(), now
        step.save(update_fields=["status", "acted_by", "on_behalf_of", "comment", "acted_at"])
        audit_log(actor=actor.user, action="leave.step_approved", target=request, school=request.applicant.school,
                  data={"step": step.order, "role": step.role, "comment": step.comment,
                        "on_behalf_of": on_behalf_of.pk if on_behalf_of else None})
        resolve_action_notices(action_key(request))  # this step's notices; the next step's are new
        following = advance(request, now=now, steps=steps)
        if following is None:
            finish_approved(request, actor=actor, now=now)
        else:
            notify_request(request, [request.applicant], "leave.progress", step=step, next_step=following)
    return request


def finish_approved(request: LeaveRequest, *, actor: StaffMember, now: dt.datetime) -> None:
    request.status, request.decided_at = LEAVE_REQUEST.target("approve"), now
    request.save(update_fields=["status", "decided_at"])
    audit_log(actor=actor.user, action="leave.approved", target=request, school=request.applicant.school,
              data=request_data(request))
    if request.is_cancellation:
        _apply_cancellation(request, actor=actor)
    else:
        publish(request, "approved", actor=actor, spans=(request.span,))
    notify_request(request, [request.applicant], "leave.decided")


def _apply_cancellation(cancellation: LeaveRequest, *, actor: StaffMember) -> None:
    original = LeaveRequest.objects.select_for_update(no_key=True, of=("self",)).select_related(
        "leave_type", "rule", "deputy__user", "applicant__user"
    ).get(pk=cast(int, cancellation.amends_id))  # a cancellation always amends one (a check constraint)
    previous = original.span
    first_day = R.span_dates(*previous)[0]
    spans: tuple[tuple[dt.datetime, dt.datetime], ...]
    if cancellation.cancels_all:
        original.status = LEAVE_REQUEST.require(
            original.status, "cancel", lambda: LeaveError(_("只有已核准的假單可以銷假"), code="not_approved")
        )
        original.decided_at = timezone.now()
        original.save(update_fields=["status", "decided_at"])
        action, spans = "cancelled", ()
    else:
        original.start, original.end, original.hours = cancellation.start, cancellation.end, cancellation.hours
        original.save(update_fields=["start", "end", "hours"])
        original.days.all().delete()
        LeaveDay.objects.bulk_create(
            LeaveDay(request=original, day=d.day, hours=d.hours) for d in cancellation.days.all()
        )
        action, spans = "changed", (original.span,)
    reallocate(original.applicant, since=first_day)
    original.refresh_from_db(fields=["unpaid_hours"])
    original.substitute_paid_by = substitute_payer(original.applicant, original.rule, original.hours,
                                                    original.unpaid_hours)
    original.save(update_fields=["substitute_paid_by"])
    audit_log(actor=actor.user, action="leave.cancelled" if cancellation.cancels_all else "leave.shortened",
              target=original, school=original.applicant.school,
              data={"cancellation": cancellation.pk, "previous": list(previous), "hours": original.hours})
    notify_request(original, [original.deputy], "leave.changed", cancellation=cancellation)
    publish(original, action, actor=actor, spans=spans, previous=(previous,))


def leave_step_reject(*, request: LeaveRequest, actor: StaffMember, comment: str) -> LeaveRequest:
    """The current step's actor says no: the request ends and its reserved hours are freed."""
    if not comment.strip():
        raise LeaveError(_("駁回時請填寫意見"), code="comment_required")
    with transaction.atomic(), notices_together():
        applicant, request = lock_for_change(request)
        step, on_behalf_of = _current_step(request, actor)
        if not request.rule.may_refuse and step.role != ApprovalRole.DEPUTY and not request.is_cancellation:
            raise LeaveError(_("「%(type)s」依規定學校不得拒絕") % {"type": request.leave_type.display_name},
                             code="may_not_refuse")
        now = timezone.now()
        step.status = APPROVAL_STEP.require(step.status, "reject", _step_refused)
        step.acted_by, step.on_behalf_of = actor, on_behalf_of
        step.comment, step.acted_at = comment.strip(), now
        step.save(update_fields=["status", "acted_by", "on_behalf_of", "comment", "acted_at"])
        # The steps after this one will never be reached (this one is rejected, no longer current).
        request.steps.filter(status__in=APPROVAL_STEP.sources("cancel")).update(status=APPROVAL_STEP.target("cancel"))
        resolve_action_notices(action_key(request))
        request.status, request.decided_at = LEAVE_REQUEST.target("reject"), now
        request.save(update_fields=["status", "decided_at"])
        if not request.is_cancellation:
            reallocate(applicant, since=R.span_dates(request.start, request.end)[0])
        audit_log(actor=actor.user, action="leave.rejected", target=request, school=applicant.school,
                  data={"step": step.order, "role": step.role, "comment": step.comment,
                        "on_behalf_of": on_behalf_of.pk if on_behalf_of else None})
        notify_request(request, [request.applicant], "leave.decided", step=step)
        if not request.is_cancellation:
            publish(request, "rejected", actor=actor, spans=(), previous=(request.span,))
    return request


def approval_step_reassign(
    *, step: ApprovalStep, to: StaffMember, actor: StaffMember, comment: str = ""
) -> ApprovalStep:
    """The personnel office hands a stuck step to someone else of the school (never the applicant)."""
    with transaction.atomic(), notices_together():
        # OF self: the step only; without it the joined request, applicant and user rows were locked too,
        # in the opposite order to an approval (applicant, then request).
        step = (
            ApprovalStep.objects.select_for_update(of=("self",)).select_related("request__applicant__user")
            .get(pk=step.pk)
        )
        request = step.request
        if not may_reassign_steps(actor, request):
            raise LeaveError(_("只有人事室可以改派簽核人"), code="forbidden")
        APPROVAL_STEP.require(
            step.status, "reassign", lambda: LeaveError(_("只能改派待簽核的關卡"), code="not_current")
        )
        if to.pk == request.applicant_id:
            raise LeaveError(_("不能改派給申請人本人"), code="own_request")
        if to.school_id != request.school_id or not to.is_active:
            raise LeaveError(_("只能改派給本校在職人員"), code="bad_assignee")
        previous = step.assignee_id
        step.assignee = to
        step.activated_at = timezone.now()
        step.save(update_fields=["assignee", "activated_at"])
        audit_log(actor=actor.user, action="leave.step_reassigned", target=request, school=request.applicant.school,
                  data={"step": step.order, "from": previous, "to": to.pk, "comment": comment.strip()})
        resolve_action_notices(action_key(request))  # the previous assignee need not act any more
        notify_request(request, [to], "leave.action_needed", step=step, about=action_key(request))
    return step
