"""Pages for official 停班停課 announcements: upload an alert (file or URL), see the proposals waiting
for a decision, preview what confirming one will change, confirm or dismiss it.
Rules are in schedules.cap_services (who decides what) and schedules.permissions (who declares)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schedules import cap_services, services
from schedules.cap import CapError
from schedules.cap_forms import CapAlertImportForm
from schedules.models import DisasterAlert
from schedules.permissions import can_use_typhoon_page


@login_required
def cap_alerts(request):
    if not can_use_typhoon_page(request.user):
        raise PermissionDenied
    form = CapAlertImportForm(request.POST or None, request.FILES or None)
    outcomes = None
    if request.method == "POST" and form.is_valid():
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
                    request, _("已收到 %(count)d 則待確認的停班停課提議") % {"count": len(report.proposed)}
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
    preview = None
    if todo.kind in {"declare", "change"}:
        preview = services.typhoon_day_preview(actor=request.user, **todo.fields)
    return render(request, "schedules/cap_alert_confirm.html", {
        "alert": alert, "scope": scope, "plan": todo, "preview": preview, "pending": pending,
        "schools": list(cap_services.schools_in(alert.districts)) if scope.school is None else [scope.school],
        "without_district": cap_services.schools_without_district() if alert.districts else 0,
    })


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
