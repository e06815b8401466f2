"""Pages for official 停班停課 announcements: upload an alert (file or URL), see the proposals waiting
for a decision, preview what confirming one will change, confirm or dismiss it.
Rules are in schedules.cap_services (who decides what) and schedules.permissions (who declares)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from schedules import cap_services, services
from schedules.cap import CapError
from schedules.cap_forms import CapAlertImportForm
from schedules.models import DisasterAlert
from schedules.permissions import can_use_typhoon_page
from staff.selectors import people_of_schools


@login_required
def cap_alerts(request):
    if not can_use_typhoon_page(request.user):
        raise PermissionDenied
    posted = request.method == "POST"
    form = CapAlertImportForm(request.POST if posted else None, request.FILES if posted else None)
    outcomes = None
    if posted and form.is_valid():
        upload, url = form.cleaned_data["file"], form.cleaned_data["url"]
        try:
            if upload:
                report = cap_services.cap_alert_import(actor=request.user, content=upload.read(), source=upload.name)
            else:
                report = cap_services.cap_alert_import_url(actor=request.user, url=url)
        except CapError as exc:
            form.add_error(None, exc.message)
        else:
            outcomes = report.outcomes
            if report.proposed:
                messages.success(
                    request,
                    ngettext("已收到 %(count)d 則待確認的停班停課提議", "已收到 %(count)d 則待確認的停班停課提議",
                             len(report.proposed)) % {"count": len(report.proposed)},
                )
    pending = [
        (alert, scope, cap_services.plan(alert, scope))
        for alert, scope in cap_services.pending_alerts(request.user)
    ]
    return render(request, "schedules/cap_alerts.html", {
        "form": form, "outcomes": outcomes, "pending": pending, "recent": cap_services.recent_alerts(),
    })


def _alert_and_scope(request, pk: int):
    alert = get_object_or_404(DisasterAlert, pk=pk)
    if not can_use_typhoon_page(request.user):
        raise PermissionDenied
    scope = cap_services.decision_scope(request.user, alert)
    if scope is None:
        # Personnel of a school the announcement does not name: theirs to read, not to decide.
        raise PermissionDenied
    return alert, scope


@login_required
def cap_alert_confirm(request, pk: int):
    alert, scope = _alert_and_scope(request, pk)
    todo = cap_services.plan(alert, scope)
    pending = cap_services.is_pending_for(alert, scope)
    if request.method == "POST":
        if not pending:
            messages.error(request, _("這則提議已經處理過或已被更新，請重新整理頁面"))
            return redirect("schedules:cap_alerts")
        try:
            typhoon = cap_services.disaster_alert_confirm(actor=request.user, alert=alert, scope=scope)
        except (CapError, services.ScheduleError) as exc:
            messages.error(request, exc.message)
        else:
            if typhoon is not None:
                messages.success(request, _("已確認：%(typhoon)s") % {"typhoon": typhoon})
            else:
                messages.success(request, _("已確認：%(what)s") % {"what": alert.window_text()})
            return redirect("schedules:typhoons")
    preview, refusal = None, None
    if pending:
        try:
            preview = cap_services.disaster_alert_preview(actor=request.user, alert=alert, scope=scope)
        except services.ScheduleError as exc:
            refusal = exc.message
    schools = list(cap_services.schools_in(alert.districts)) if scope.school is None else [scope.school]
    return render(request, "schedules/cap_alert_confirm.html", {
        "alert": alert, "scope": scope, "plan": todo, "pending": pending, "refusal": refusal,
        "preview": _preview_rows(preview) if preview is not None else None,
        "schools": schools, "people": people_of_schools(school_ids=[s.pk for s in schools]).count(),
        "without_district": cap_services.schools_without_district() if alert.districts and not scope.school else 0,
    })


PREVIEW_KINDS = {
    "leave_recounted": gettext_lazy("重新計算的假單"),
    "period_dropped": gettext_lazy("不再需要代課的節次"),
    "period_restored": gettext_lazy("恢復需要代課的節次"),
    "assignment_cancelled": gettext_lazy("取消的代課安排"),
}


def _preview_rows(found: dict[str, list[dict]]) -> list[tuple[str, int]]:
    """(what, how many) for each kind of consequence, the known kinds first."""
    rows = [(str(label), len(found.get(kind, ()))) for kind, label in PREVIEW_KINDS.items()]
    rows += [(kind, len(items)) for kind, items in found.items() if kind not in PREVIEW_KINDS]
    return rows


@require_POST
@login_required
def cap_alert_dismiss(request, pk: int):
    alert, scope = _alert_and_scope(request, pk)
    try:
        cap_services.disaster_alert_dismiss(actor=request.user, alert=alert, scope=scope)
    except CapError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已標記為不採用：%(identifier)s") % {"identifier": alert.identifier})
    return redirect("schedules:cap_alerts")
