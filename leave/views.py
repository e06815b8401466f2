"""Leave pages. Each view reads through leave.selectors, changes through leave.services, and shows a
LeaveError's message where the person can fix it. Whose records one may see: staff/permissions.py."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from audit.selectors import audit_history
from common.exports import export_stem
from common.inputs import BadInput, id_or_none, parse_date
from leave import exports
from leave.errors import LeaveError
from leave.filters import LeaveRequestFilter
from leave.forms import CancelForm, DecisionForm, LeaveRequestForm, OvertimeForm, PreviewForm, ReassignForm, SettleForm
from leave.models import (
    ApprovalStep,
    LeaveAttachment,
    LeaveRequest,
    OvertimeRequest,
    PendingAttachment,
)
from leave.selectors import (
    approval_inbox,
    can_view_overtime,
    can_view_request,
    covered_by,
    leave_balances,
    leave_filing_unavailable,
    my_leave_requests,
    overtime_inbox,
    pending_attachments_of,
    request_actions,
    school_rules,
    stuck_steps,
    visible_leave_requests,
)
from leave.services import (
    approval_step_reassign,
    leave_request_cancel,
    leave_request_preview,
    leave_request_problems,
    leave_request_submit,
    leave_request_withdraw,
    leave_step_approve,
    leave_step_reject,
    overtime_decide,
    overtime_settle,
    overtime_submit,
    overtime_withdraw,
    pending_as_files,
    pending_attachments_discard,
    pending_attachments_store,
)
from staff.models import Role, StaffMember
from staff.permissions import headed_unit_ids, is_school_wide, visible_staff
from staff.selectors import person_search_q, school_units, staff_required_for


def _current_step_prefetch() -> Prefetch:
    return Prefetch(
        "steps",
        queryset=ApprovalStep.objects.filter(status=ApprovalStep.Status.CURRENT).select_related("assignee"),
        to_attr="current_steps",
    )


def _ids(values: list[str]) -> list[int]:
    """The ids among posted values; anything else (a forged or mangled value) is ignored."""
    return [pk for pk in (id_or_none(v) for v in values[:20]) if pk is not None]


# --- My leave --------------------------------------------------------------------------------------


@login_required
def my_leave(request):
    me = staff_required_for(request)
    today = timezone.localdate()
    balances = leave_balances(staff_members=[me], on=today)[me.pk]
    requests = Paginator(my_leave_requests(me).prefetch_related(_current_step_prefetch()), 20).get_page(
        request.GET.get("page")
    )
    # The balances list every type the person may take today: only without any is there more to say.
    unavailable = None if balances else leave_filing_unavailable(staff=me, on=today)
    return render(request, "leave/mine.html", {
        "balances": balances, "page": requests, "today": today, "unavailable": unavailable,
    })


@login_required
def new_request(request):
    me = staff_required_for(request)
    today = timezone.localdate()
    rules = school_rules(me.school_id)
    unavailable = leave_filing_unavailable(staff=me, on=today, rules=rules)
    if unavailable is not None:
        # No type to choose from (代課教師): say why and where their absence is handled, not an empty form.
        return render(request, "leave/unavailable.html", {"unavailable": unavailable},
                      status=403 if request.method == "POST" else 200)
    preview = error_code = None
    kept: list[PendingAttachment] = []
    if request.method == "POST":
        form = LeaveRequestForm(request.POST, request.FILES, staff=me, rules=rules, on=today)
        kept = pending_attachments_of(owner=me, ids=_ids(request.POST.getlist("kept_attachment")))
        valid = form.is_valid()
        uploads = list(form.cleaned_data.get("attachments") or [])
        previewing = request.POST.get("action") == "preview"

        def list_problems(refused: LeaveError | None = None) -> str | None:
            # Every refusal at once, each next to its field (the service's checks, not stopping at the first);
            # ``refused``: what the submission said, kept when the list does not have it (a balance).
            problems = leave_request_problems(
                applicant=me, **form.problem_inputs(), attachments=uploads, kept_attachments=len(kept), rules=rules,
            )
            if refused is not None and refused.code not in {p.code for p in problems}:
                problems.append(refused)
            form.add_problems(problems)
            return problems[0].code if problems else None

        if not previewing and not valid:
            error_code = list_problems()
        if valid:
            kwargs = form.service_kwargs()
            try:
                if previewing:
                    preview = leave_request_preview(
                        applicant=me, leave_type=kwargs["leave_type"], start=kwargs["start"], end=kwargs["end"],
                        event_key=kwargs["event_key"], event_date=kwargs["event_date"],
                    )
                else:
                    files = pending_as_files(kept)
                    try:
                        created = leave_request_submit(
                            applicant=me, rules=rules, **{**kwargs, "attachments": uploads + files}
                        )
                    finally:
                        for handle in files:
                            handle.close()
                    pending_attachments_discard(kept=kept)
                    messages.success(request, _("假單已送出，等待 %(who)s 確認代理。") % {"who": created.deputy.name})
                    return redirect("leave:detail", pk=created.pk)
            except LeaveError as exc:
                if previewing:
                    form.add_problems([exc])
                    error_code = exc.code
                else:
                    # Only a refused submission pays for the full list (a good one is checked once, under the lock).
                    error_code = list_problems(exc)
        # The page comes back: the files just sent are kept and shown by name, not asked for again.
        kept += pending_attachments_store(owner=me, uploads=uploads)
    else:
        initial = {"start_date": today, "end_date": today}
        if request.GET.get("type"):
            initial["leave_type"] = request.GET["type"]
        form = LeaveRequestForm(initial=initial, staff=me, rules=rules, on=today)
    balances = leave_balances(staff_members=[me], on=today)[me.pk]
    return render(request, "leave/new.html", {
        "form": form, "preview": preview, "error_code": error_code, "balances": balances, "kept": kept,
        "per_event_types": form.event_type_ids(),
    }, status=400 if request.method == "POST" and form.errors else 200)


@login_required
@require_GET
def preview(request):
    """The computed length and the balances after it, as a fragment the new-request page shows."""
    me = staff_required_for(request)
    form = PreviewForm(request.GET, staff=me)
    context: dict = {"preview": None, "message": ""}
    if not form.is_valid():
        context["message"] = _("請選擇假別並填寫起訖日期")
    else:
        data = form.cleaned_data
        try:
            context["preview"] = leave_request_preview(
                applicant=me, leave_type=data["leave_type"], start=data["start"], end=data["end"],
                event_key=data.get("event_key") or "", event_date=data.get("event_date"),
            )
        except LeaveError as exc:
            context["message"], context["code"] = exc.message, exc.code
    return render(request, "leave/_preview.html", context)


# --- One request -----------------------------------------------------------------------------------


def _visible_request(request, pk) -> tuple[StaffMember, LeaveRequest]:
    me = staff_required_for(request)
    leave = get_object_or_404(
        LeaveRequest.objects.select_related("applicant__unit", "applicant__user", "leave_type", "rule", "deputy",
                                            "amends"),
        pk=pk,
        school_id=me.school_id,
    )
    steps = list(leave.steps.select_related("assignee", "acted_by", "on_behalf_of"))
    for step in steps:
        step.request = leave
    leave.step_list = steps
    if not can_view_request(me, leave):
        raise Http404
    return me, leave


@login_required
def request_detail(request, pk):
    me, leave = _visible_request(request, pk)
    actions = request_actions(me, leave)
    current = actions.current
    context = {
        "leave": leave,
        "steps": leave.step_list,
        "current": current,
        "actions": actions,
        "is_applicant": me.pk == leave.applicant_id,
        "decision_form": DecisionForm(),
        "cancel_form": CancelForm(request=leave) if actions.cancel else None,
        "reassign_form": ReassignForm(request=leave, initial={"step": current}) if current else None,
        "days": list(leave.days.all()),
        "charges": list(leave.charges.select_related("leave_type")),
        "attachments": list(leave.attachments.all()),
        "amendments": list(leave.amendments.order_by("-submitted_at")),
        "history": audit_history(leave),
    }
    return render(request, "leave/detail.html", context)


def _act(request, pk, action, done: str):
    """Run one service on a request the person may see; show its refusal or ``done``, back to the detail."""
    me, leave = _visible_request(request, pk)
    try:
        action(me, leave)
        messages.success(request, done)
    except LeaveError as exc:
        messages.error(request, exc.message)
    return redirect("leave:detail", pk=leave.pk)


def _comment(request) -> str:
    form = DecisionForm(request.POST)
    return form.cleaned_data["comment"] if form.is_valid() else ""


@login_required
@require_POST
def approve(request, pk):
    comment = _comment(request)
    return _act(request, pk, lambda me, leave: leave_step_approve(request=leave, actor=me, comment=comment),
                _("已同意。"))


@login_required
@require_POST
def reject(request, pk):
    comment = _comment(request)
    return _act(request, pk, lambda me, leave: leave_step_reject(request=leave, actor=me, comment=comment),
                _("已駁回。"))


@login_required
@require_POST
def withdraw(request, pk):
    return _act(request, pk, lambda me, leave: leave_request_withdraw(request=leave, actor=me), _("假單已撤回。"))


@login_required
@require_POST
def cancel(request, pk):
    me, leave = _visible_request(request, pk)
    form = CancelForm(request.POST, request=leave)
    if not form.is_valid():
        for error in form.errors.get("__all__", []) or [_("請檢查銷假資料")]:
            messages.error(request, error)
        return redirect("leave:detail", pk=leave.pk)
    data = form.cleaned_data
    try:
        cancellation = leave_request_cancel(
            request=leave, actor=me, new_start=None if data["whole"] else data["start"],
            new_end=None if data["whole"] else data["end"], reason=data["reason"],
        )
    except LeaveError as exc:
        messages.error(request, exc.message)
        return redirect("leave:detail", pk=leave.pk)
    messages.success(request, _("銷假申請已送出。"))
    return redirect("leave:detail", pk=cancellation.pk)


@login_required
@require_POST
def reassign(request, pk):
    me, leave = _visible_request(request, pk)
    form = ReassignForm(request.POST, request=leave)
    if not form.is_valid():
        messages.error(request, _("請選擇要改派的人員"))
        return redirect("leave:detail", pk=leave.pk)
    try:
        approval_step_reassign(step=form.cleaned_data["step"], to=form.cleaned_data["to"], actor=me,
                               comment=form.cleaned_data["comment"])
        messages.success(request, _("已改派給 %(name)s。") % {"name": form.cleaned_data["to"].name})
    except LeaveError as exc:
        messages.error(request, exc.message)
    return redirect("leave:detail", pk=leave.pk)


@login_required
def attachment(request, pk):
    me = staff_required_for(request)
    item = get_object_or_404(LeaveAttachment.objects.select_related("request"), pk=pk,
                             request__school_id=me.school_id)
    _visible_request(request, item.request_id)
    return FileResponse(item.file.open("rb"), filename=item.name)


# --- Approver's inbox ------------------------------------------------------------------------------


@login_required
def inbox(request):
    me = staff_required_for(request)
    covering = covered_by(me)
    return render(request, "leave/inbox.html", {
        "steps": approval_inbox(me, covering=covering), "overtime": overtime_inbox(me, covering=covering),
    })


# --- Personnel view --------------------------------------------------------------------------------


def _overseer(request) -> StaffMember:
    me = staff_required_for(request)
    if not (is_school_wide(me) or headed_unit_ids(me)):
        raise PermissionDenied(_("只有單位主管與人事室可以查看"))
    return me


@login_required
def overview(request):
    me = _overseer(request)
    queryset = visible_leave_requests(me)
    filtered = LeaveRequestFilter(request.GET or None, queryset=queryset, request=request)
    rows = filtered.qs if filtered.is_bound and filtered.is_valid() else queryset
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        data = exports.request_rows(rows)
        today = timezone.localdate()
        name = export_stem(_("假單"), today.year, today.month, day=today.day)
        if export == "csv":
            return exports.csv_response(name, exports.request_header(), data)
        return exports.xlsx_response(name, str(_("假單")), exports.request_header(), data)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "leave/overview.html", {
        "filter": filtered, "page": page, "query": query.urlencode(),
        "stuck": stuck_steps(me.school_id) if me.has_role(Role.PERSONNEL) else [],
    })


@login_required
def balances_overview(request):
    me = _overseer(request)
    on = timezone.localdate()
    if request.GET.get("on"):
        try:
            on = parse_date(request.GET["on"])
        except BadInput as exc:
            messages.error(request, exc.message)
    people = visible_staff(me).filter(is_active=True).select_related("unit").order_by(
        "unit__name", "employee_no"
    )
    unit_id = id_or_none(request.GET.get("unit"))
    if unit_id:
        people = people.filter(unit_id=unit_id)
    person = request.GET.get("staff", "").strip()[:100]
    if person:  # a name (or part of it), an employee number, an account or the id, as every person filter
        people = people.filter(person_search_q(person))
    people = list(people)
    balances = leave_balances(staff_members=people, on=on)
    header, rows = exports.balance_rows(people, balances)
    export = request.GET.get("export")
    name = export_stem(_("假別餘額"), on.year, on.month, day=on.day)
    if export == "csv":
        return exports.csv_response(name, header, rows)
    if export == "xlsx":
        return exports.xlsx_response(name, str(_("假別餘額")), header, rows)
    type_names = exports.quota_type_names(balances)
    table = [
        {"person": person, "cells": [
            next((r for r in balances[person.pk] if r.leave_type.display_name == n and r.granted is not None), None)
            for n in type_names
        ], "unpaid": sum(r.unpaid for r in balances[person.pk])}
        for person in people
    ]
    return render(request, "leave/balances.html", {
        "on": on, "type_names": type_names, "table": table,
        "units": school_units(school_id=me.school_id), "unit_id": unit_id or "", "person": person,
    })


# --- Overtime --------------------------------------------------------------------------------------


@login_required
def overtime_page(request):
    me = staff_required_for(request)
    form = OvertimeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        day = data["work_date"]
        try:
            overtime_submit(
                staff=me,
                planned_start=timezone.make_aware(dt.datetime.combine(day, data["start_time"])),
                planned_end=timezone.make_aware(dt.datetime.combine(day, data["end_time"])),
                reason=data["reason"], compensation=data["compensation"],
            )
            messages.success(request, _("加班申請已送出。"))
            return redirect("leave:overtime")
        except LeaveError as exc:
            form.add_error(None, exc.message)
    mine = OvertimeRequest.objects.filter(staff=me).select_related("approver").order_by("-work_date", "-id")[:50]
    to_settle = []
    if me.has_role(Role.PERSONNEL):
        to_settle = list(
            # Not settled yet, or settled at 0 hours for want of a punch: the personnel office may enter the times.
            OvertimeRequest.objects.filter(school_id=me.school_id, status=OvertimeRequest.Status.APPROVED)
            .filter(Q(settled_at__isnull=True) | Q(settlement=OvertimeRequest.Settlement.MISSING_PUNCH))
            .select_related("staff__unit").order_by("work_date", "id")
        )
    return render(request, "leave/overtime.html", {
        "form": form, "mine": mine, "to_settle": to_settle, "settle_form": SettleForm(),
    })


def _overtime(request, pk) -> tuple[StaffMember, OvertimeRequest]:
    me = staff_required_for(request)
    overtime = get_object_or_404(OvertimeRequest.objects.select_related("staff"), pk=pk, school_id=me.school_id)
    if not can_view_overtime(me, overtime):
        raise Http404
    return me, overtime


@login_required
@require_POST
def overtime_decision(request, pk):
    me, overtime = _overtime(request, pk)
    form = DecisionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        overtime_decide(overtime=overtime, actor=me, approve=request.POST.get("decision") == "approve",
                        comment=comment)
        messages.success(request, _("已核定 %(name)s 的加班。") % {"name": overtime.staff.name})
    except LeaveError as exc:
        messages.error(request, exc.message)
    return redirect("leave:inbox")


@login_required
@require_POST
def overtime_cancel(request, pk):
    me, overtime = _overtime(request, pk)
    try:
        overtime_withdraw(overtime=overtime, actor=me)
        messages.success(request, _("加班申請已撤回。"))
    except LeaveError as exc:
        messages.error(request, exc.message)
    return redirect("leave:overtime")


@login_required
@require_POST
def overtime_settlement(request, pk):
    me, overtime = _overtime(request, pk)
    form = SettleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("請填寫刷卡時間"))
        return redirect("leave:overtime")
    day = overtime.work_date
    try:
        settled = overtime_settle(
            overtime=overtime, actor=me,
            worked_start=timezone.make_aware(dt.datetime.combine(day, form.cleaned_data["worked_start"])),
            worked_end=timezone.make_aware(dt.datetime.combine(day, form.cleaned_data["worked_end"])),
        )
        messages.success(request, ngettext("已核計 %(hours)s 小時。", "已核計 %(hours)s 小時。", settled.credited_hours)
                         % {"hours": settled.credited_hours})
    except LeaveError as exc:
        messages.error(request, exc.message)
    return redirect("leave:overtime")
