"""Pages of the coverage module. Thin: they check who may look, call a selector or a service,
and show the result or the service's message."""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from common.exports import download, export_filename
from staff.models import StaffMember
from staff.selectors import staff_required_for
from staff.templatetags.twdate import roc_short
from substitutes.exports import fairness_xlsx, pay_report_csv, pay_report_xlsx
from substitutes.forms import (
    AbsenceForm,
    AssignForm,
    AssignManyForm,
    MonthForm,
    NeedSelectionForm,
    OfferAnswerForm,
    PolicyForm,
    ProposalConfirmForm,
    ProposeForm,
)
from substitutes.models import Absence, CoverageAssignment, CoverageNeed
from substitutes.pay_sheet import pay_sheet_pdf
from substitutes.proposal import MAX_PROPOSAL_DAYS, ProposalInputError, absence_open_range, coverage_proposal
from substitutes.selectors import (
    FAIRNESS_SORTS,
    assignments_for,
    can_arrange,
    can_see_pay,
    cover_board,
    coverage_candidates,
    coverage_dashboard,
    coverage_fairness,
    coverage_settings,
    covered_for,
    offers_enabled,
    pay_report,
    pending_offers,
    substitute_choices,
)
from substitutes.services import (
    CoverageError,
    absence_cancel,
    absence_record,
    coverage_assign,
    coverage_assign_many,
    coverage_offers_answer,
    coverage_policy_set,
    coverage_proposal_confirm,
    coverage_unassign,
)
from substitutes.states import HOLDING, NEED


def _arranger(request) -> StaffMember:
    me = staff_required_for(request)
    if not can_arrange(me):
        raise PermissionDenied
    return me


def _need(me: StaffMember, pk: int) -> CoverageNeed:
    need = (
        CoverageNeed.objects.select_related("teacher", "absence", "school")
        .filter(pk=pk, school_id=me.school_id).first()
    )
    if need is None:
        raise Http404
    return need


@login_required
def dashboard(request):
    me = _arranger(request)
    only_open = request.GET.get("open") == "1"
    today = timezone.localdate()
    narrowing = NeedSelectionForm(request.GET or None)
    selection = narrowing.selection()
    board = coverage_dashboard(school=me.school, today=today, only_open=only_open, selection=selection)
    return render(
        request, "substitutes/dashboard.html",
        {"board": board, "today": today, "only_open": only_open, "selection": selection, "narrowing": narrowing,
         "narrow_pairs": narrowing.pairs(), "query": narrowing.query(),
         "substitutes": substitute_choices(school=me.school)},
    )


@login_required
def policy(request):
    """代課設定: 教學組 switch offers (提供) on or off for the school."""
    me = _arranger(request)
    if request.method == "POST":
        form = PolicyForm(request.POST)
        form.is_valid()  # a lone checkbox: absent means off
        on = bool(form.cleaned_data.get("offers_enabled"))
        coverage_policy_set(actor=me, offers_enabled=on)
        messages.success(request, _("代課改為先徵詢本人（提供）") if on else _("代課改為直接安排"))
        return redirect("substitutes:dashboard")
    form = PolicyForm(initial={"offers_enabled": offers_enabled(school_id=me.school_id)})
    return render(request, "substitutes/policy.html", {"form": form})


@require_POST
@login_required
def assign_many(request):
    """Several ticked needs to one substitute; the clashing ones are listed, the others assigned."""
    me = _arranger(request)
    query = NeedSelectionForm(request.POST).query()
    back = _dashboard_url() + (f"?{query}" if query else "")
    form = AssignManyForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect(back)
    data = form.cleaned_data
    try:
        result = coverage_assign_many(
            actor=me, need_ids=data["need"], substitute_id=data["substitute"], note=data["note"]
        )
    except CoverageError as exc:
        if exc.code == "forbidden":
            raise Http404 from exc
        messages.error(request, exc.message)
        return redirect(back)
    if result.assigned and result.offered:
        messages.success(
            request,
            ngettext("已提供 %(name)s 代課 %(n)d 節，等待回覆", "已提供 %(name)s 代課 %(n)d 節，等待回覆",
                     len(result.assigned)) % {"name": result.substitute.name, "n": len(result.assigned)},
        )
    elif result.assigned:
        messages.success(
            request,
            ngettext("已安排 %(name)s 代課 %(n)d 節", "已安排 %(name)s 代課 %(n)d 節", len(result.assigned))
            % {"name": result.substitute.name, "n": len(result.assigned)},
        )
    for refusal in result.refused:
        need = refusal.need
        messages.warning(
            request,
            _("未安排 %(date)s %(period)s %(cls)s：%(why)s")
            % {"date": roc_short(need.date), "period": need.period_label, "cls": need.class_name,
               "why": refusal.message},
        )
    return redirect(back)


@login_required
def need_detail(request, pk: int):
    me = _arranger(request)
    need = _need(me, pk)
    assignment = need.assignments.filter(status__in=HOLDING).select_related("substitute").first()
    declined = (
        need.assignments.filter(status=CoverageAssignment.Status.DECLINED).select_related("substitute")
        .order_by("-answered_at")
    )
    candidates = coverage_candidates(need=need) if NEED.allows(need.status, "assign") else None
    return render(
        request, "substitutes/need_detail.html",
        {"need": need, "assignment": assignment, "candidates": candidates, "form": AssignForm(),
         "declined": declined},
    )


@require_POST
@login_required
def need_assign(request, pk: int):
    me = _arranger(request)
    need = _need(me, pk)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("資料不完整，請重新選擇"))
        return redirect("substitutes:need", pk=need.pk)
    data = form.cleaned_data
    try:
        assignment = coverage_assign(
            actor=me, need_id=need.pk, substitute_id=data["substitute"], kind=data["kind"],
            swap_date=data.get("swap_date"), swap_period_number=data.get("swap_period_number"), note=data["note"],
        )
    except CoverageError as exc:
        messages.error(request, exc.message)
        return redirect("substitutes:need", pk=need.pk)
    if assignment.status == CoverageAssignment.Status.OFFERED:
        messages.success(
            request,
            _("已提供 %(name)s 代課 %(cls)s %(period)s，等待回覆")
            % {"name": assignment.substitute.name, "cls": need.class_name, "period": need.period_label},
        )
    else:
        messages.success(
            request,
            _("已安排 %(name)s %(kind)s %(cls)s %(period)s")
            % {"name": assignment.substitute.name, "kind": assignment.get_kind_display(), "cls": need.class_name,
               "period": need.period_label},
        )
    return redirect(f"{_dashboard_url()}#need-{need.pk}")


def _dashboard_url() -> str:
    from django.urls import reverse

    return reverse("substitutes:dashboard")


@require_POST
@login_required
def assignment_cancel(request, pk: int):
    me = _arranger(request)
    try:
        assignment = coverage_unassign(actor=me, assignment_id=pk, reason=request.POST.get("reason", ""))
    except CoverageError as exc:
        if exc.code == "forbidden":
            raise Http404 from exc
        messages.error(request, exc.message)
        return redirect("substitutes:dashboard")
    messages.success(request, _("已取消安排"))
    return redirect("substitutes:need", pk=assignment.need_id)


@login_required
def absence_new(request):
    me = _arranger(request)
    form = AbsenceForm(request.POST or None, school=me.school)
    if request.method == "POST" and form.is_valid():
        start, end = form.span()
        try:
            change = absence_record(
                actor=me, teacher=form.cleaned_data["teacher"], start=start, end=end,
                reason=form.cleaned_data["reason"], paid_by=form.cleaned_data["paid_by"],
            )
        except CoverageError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, ngettext("已登錄缺課，共 %(n)d 節需代課", "已登錄缺課，共 %(n)d 節需代課",
                                               len(change.current)) % {"n": len(change.current)})
            return redirect("substitutes:dashboard")
    recent = (
        Absence.objects.filter(school=me.school, source=Absence.Source.RECORDED)
        .select_related("teacher").prefetch_related("spans").order_by("-created_at")[:20]
    )
    return render(request, "substitutes/absence_form.html", {"form": form, "recent": recent})


@require_POST
@login_required
def absence_withdraw(request, pk: int):
    me = _arranger(request)
    absence = Absence.objects.filter(pk=pk, school=me.school).first()
    if absence is None:
        raise Http404
    try:
        absence_cancel(actor=me, absence=absence)
    except CoverageError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已取消缺課，相關代課需求一併取消"))
    return redirect("substitutes:absence_new")


@login_required
def mine(request):
    """My own cover duties, and my classes that others cover."""
    me = staff_required_for(request)
    today = timezone.localdate()
    return render(
        request, "substitutes/mine.html",
        {"duties": assignments_for(staff=me, since=today), "my_needs": covered_for(staff=me, since=today),
         "offers": pending_offers(staff=me)},
    )


@require_POST
@login_required
def offers_answer(request):
    """The substitute accepts or declines offers (from 「我的代課」 or the home page)."""
    me = staff_required_for(request)
    form = OfferAnswerForm(request.POST)
    back = "home" if request.POST.get("back") == "home" else "substitutes:mine"
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect(back)
    data = form.cleaned_data
    try:
        answer = coverage_offers_answer(
            actor=me, assignment_ids=data["assignment"], accept=data["answer"] == "accept", reason=data["reason"]
        )
    except CoverageError as exc:
        if exc.code == "forbidden":
            raise Http404 from exc
        messages.error(request, exc.message)
        return redirect(back)
    n = len(answer.assignments)
    if answer.accepted:
        messages.success(request, ngettext("已接受代課 %(n)d 節", "已接受代課 %(n)d 節", n) % {"n": n})
    else:
        declined = ngettext("已婉拒代課 %(n)d 節，教學組會另行安排", "已婉拒代課 %(n)d 節，教學組會另行安排", n)
        messages.success(request, declined % {"n": n})
    return redirect(back)


def _report(request):
    me = staff_required_for(request)
    if not can_see_pay(me):
        raise PermissionDenied
    form = MonthForm(request.GET or None)
    year, month = form.year_month(timezone.localdate())
    return me, form, year, month


@login_required
def pay(request):
    me, form, year, month = _report(request)
    report = pay_report(school=me.school, year=year, month=month)
    return render(request, "substitutes/pay.html", {"report": report, "form": form, "month": f"{year}-{month:02d}"})


@login_required
def pay_export(request, fmt: str):
    me, _form, year, month = _report(request)
    name = export_filename(_("代課鐘點費"), year, month, fmt)
    if fmt == "csv":
        report = pay_report(school=me.school, year=year, month=month, with_lines=False)
        return download(pay_report_csv(report), filename=name)
    report = pay_report(school=me.school, year=year, month=month)
    if fmt == "pdf":
        name = f"substitute-pay-sheet-{year}-{month:02d}.pdf"
        return download(pay_sheet_pdf(report, school_name=me.school.name), filename=name)
    return download(pay_report_xlsx(report, school_name=me.school.name), filename=name)


@login_required
def board(request):
    """今日調代課: the school's substitutions and swaps today and on the next day with classes, for
    every member of staff; ?display=1 is the staff-room TV (large type, refreshes itself)."""
    me = staff_required_for(request)
    today = timezone.localdate()
    display = request.GET.get("display") == "1"
    return render(
        request, "substitutes/board_display.html" if display else "substitutes/board.html",
        {"days": cover_board(school=me.school, today=today), "today": today, "display": display,
         "refresh_seconds": BOARD_REFRESH_SECONDS},
    )


BOARD_REFRESH_SECONDS = 120


def _fairness(request):
    me = staff_required_for(request)
    if not can_see_pay(me):
        raise PermissionDenied
    sort = request.GET.get("sort", "month")
    sort = sort if sort in FAIRNESS_SORTS else "month"
    return me, sort, coverage_fairness(school=me.school, today=timezone.localdate(), sort=sort)


@login_required
def fairness(request):
    """Cover periods per teacher this month and this semester (教學組, personnel, the principal)."""
    _me, sort, table = _fairness(request)
    return render(request, "substitutes/fairness.html", {"table": table, "sort": sort})


@login_required
def fairness_export(request):
    me, _sort, table = _fairness(request)
    name = export_filename(_("代課節數"), table.month_first.year, table.month_first.month, "xlsx")
    return download(fairness_xlsx(table, school_name=me.school.name), filename=name)


@login_required
def propose(request):
    """A proposal (自動排代) for a range of days, or for one absence's open periods: a grid to change
    and confirm. Nothing is assigned here."""
    me = _arranger(request)
    data = request.GET.copy()
    absence_id = NeedSelectionForm({"absence": data.get("absence", "")}).selection().absence_id
    if absence_id and not (data.get("start") or data.get("end")):
        # A whole leave: its open periods' days (cut at the longest range a proposal takes).
        span = absence_open_range(school=me.school, absence_id=absence_id)
        if span:
            first, last = span
            data["start"] = first.isoformat()
            data["end"] = min(last, first + dt.timedelta(days=MAX_PROPOSAL_DAYS - 1)).isoformat()
    form = ProposeForm(data if data.get("start") or data.get("end") else None)
    proposal = None
    if form.is_bound and form.is_valid():
        try:
            proposal = coverage_proposal(
                school=me.school, start=form.cleaned_data["start"], end=form.cleaned_data["end"],
                absence_id=form.cleaned_data["absence"],
            )
        except ProposalInputError as exc:
            form.add_error(None, exc.message)
    if not form.is_bound:
        today = timezone.localdate()
        form = ProposeForm(initial={"start": today, "end": today + dt.timedelta(days=4)})
    return render(
        request, "substitutes/propose.html",
        {"form": form, "proposal": proposal, "rules": coverage_settings(school_id=me.school_id),
         "absence_id": absence_id},
    )


@require_POST
@login_required
def propose_confirm(request):
    """Assign exactly the grid shown, or nothing (a need changed meanwhile, a rule broken)."""
    me = _arranger(request)
    back = ProposeForm(request.POST)
    back_url = reverse("substitutes:propose")
    if back.is_valid():
        back_url += "?" + urlencode(
            {"start": back.cleaned_data["start"].isoformat(), "end": back.cleaned_data["end"].isoformat(),
             **({"absence": back.cleaned_data["absence"]} if back.cleaned_data["absence"] else {})}
        )
    form = ProposalConfirmForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["need"][0])
        cells = form.cells()
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(back_url)
    try:
        result = coverage_proposal_confirm(actor=me, cells=cells)
    except CoverageError as exc:
        if exc.code == "forbidden":
            raise Http404 from exc
        messages.error(request, exc.message)
        return redirect(back_url)
    n = len(result.assigned)
    if result.offered:
        done = ngettext("已依提案提供 %(n)d 節代課，等待回覆", "已依提案提供 %(n)d 節代課，等待回覆", n) % {"n": n}
    else:
        done = ngettext("已依提案安排 %(n)d 節代課", "已依提案安排 %(n)d 節代課", n) % {"n": n}
    messages.success(
        request, done + (_("，%(open)d 節未安排") % {"open": result.left_open} if result.left_open else ""),
    )
    return redirect("substitutes:dashboard")
