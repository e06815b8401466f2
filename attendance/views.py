"""Pages: the clock, my month, a unit's day and month, the school view, exports and corrections.

Thin: each view checks who may see what (staff/permissions.py), calls a service or a selector,
and renders. A person may see only themselves; a unit head their units; personnel and the
principal their school. Someone else's record answers 404; a page the role cannot use, 403.
"""

import calendar
import datetime as dt
import functools

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from attendance import selectors
from attendance.filters import SchoolResultFilter
from attendance.forms import CorrectionForm, DecisionForm, StartDateForm
from attendance.models import MISSING_PUNCH_STATUSES, DailyStatus, PunchKind
from attendance.network import client_ip
from attendance.services import (
    START_DATE_ROLES,
    AttendanceError,
    attendance_start_set,
    daily_results_ensure,
    punch_correction_approve,
    punch_correction_reject,
    punch_correction_request,
    punch_record,
)
from attendance.sheet import TOTAL_COLUMNS, month_sheet, sheet_workbook
from attendance.worklist import KINDS as WORKLIST_KINDS
from attendance.worklist import worklist, worklist_start
from common.exports import csv_bytes, download, export_filename, xlsx_bytes, xlsx_table
from common.inputs import BadInput, id_or_none, parse_date, parse_month
from staff.models import StaffCategory, StaffMember
from staff.permissions import can_manage_staff, can_see_staff, is_school_wide
from staff.selectors import person_by_id, staff_required_for
from staff.twdate import WEEKDAY_LABELS, format_roc_month, roc_year

# A school view over a longer range reads the stored results as they are (no recompute on the fly).
ENSURE_MAX_DAYS = 62


def staff_required(view):
    """Signed in and on a school's staff list: the view gets ``request.staff``."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        request.staff = staff_required_for(request)
        return view(request, *args, **kwargs)

    return wrapper


def _month_arg(value: str | None, default: dt.date) -> tuple[int, int]:
    """A stale or hand-edited ?month= shows the default month (common.inputs bounds it)."""
    try:
        return parse_month(value)
    except BadInput:
        return default.year, default.month


def _date_arg(value: str | None, default: dt.date) -> dt.date:
    try:
        return parse_date(value)
    except BadInput:
        return default


def _roc_month(year: int, month: int) -> str:
    return format_roc_month(year, month)


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


# --- The clock -----------------------------------------------------------------------------


@staff_required
def clock_page(request):
    me = request.staff
    now = timezone.now()
    today = selectors.today_for(me, now=now)
    return render(
        request,
        "attendance/clock.html",
        {
            "today": today,
            "server_now": now,
            "server_epoch_ms": int(now.timestamp() * 1000),
            "kinds": PunchKind,
        },
    )


@transaction.non_atomic_requests  # a punch is one statement on PostgreSQL (services._punch_transaction)
@require_POST
@staff_required
def punch(request):
    """Record a punch, then back to the clock page, which says what happened (recorded, moved, or kept).

    A 下班 before the day's required end is not recorded at once: the first POST (without
    ``confirm_early``) answers with a page that says how many minutes early it will count and records
    nothing; the POST from that page (``confirm_early=1``) records it. The server decides, at the
    moment of each POST, so the page works without JavaScript and from a stale tab.
    """
    kind = request.POST.get("kind", "")
    if kind == PunchKind.OUT and not request.POST.get("confirm_early"):
        now = timezone.now()
        early = selectors.early_leave_minutes(request.staff, now=now)
        if early:
            return render(
                request,
                "attendance/punch_confirm.html",
                {
                    "early_minutes": early,
                    "server_now": now,
                    "duty": selectors.duty_window(request.staff, timezone.localdate(now)),
                },
            )
    try:
        outcome = punch_record(
            staff=request.staff,
            kind=kind,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    except AttendanceError as exc:
        messages.error(request, exc.message)
        return redirect("attendance:clock")
    label = PunchKind(kind).label
    when = timezone.localtime(outcome.punch.at).strftime("%H:%M:%S")
    if outcome.created:
        messages.success(request, _("已打%(kind)s卡：%(time)s") % {"kind": label, "time": when})
    elif outcome.updated:
        messages.success(request, _("下班卡已更新為 %(time)s（以最後一次為準）") % {"time": when})
    else:
        messages.info(request, _("今天已打過%(kind)s卡（%(time)s），以第一次為準") % {"kind": label, "time": when})
    return redirect("attendance:clock")


@staff_required
def recompute_jobs(request):
    """The progress of the recomputes one may follow (their own; the school-wide roles: their school's and
    the city's), refreshed every few seconds while one runs."""
    jobs = list(selectors.recompute_jobs_visible(request.staff)[:20])
    running = any(job.finished_at is None for job in jobs)
    return render(request, "attendance/recompute_jobs.html", {"jobs": jobs, "running": running})


@login_required
def recompute_jobs_mine(request):
    """The recomputes the signed-in account started in the last hour (a typhoon day just declared): a page
    refreshed while one runs, or — with ``?fragment=1`` — the progress bars alone, which the declaring page
    polls (static/js/progress.js). Any account: a city-wide declarer may have no staff record."""
    jobs = list(selectors.recompute_jobs_started_by(request.user, since=timezone.now() - dt.timedelta(hours=1))[:5])
    running = any(job.finished_at is None for job in jobs)
    fragment = bool(request.GET.get("fragment"))
    template = "attendance/_recompute_progress.html" if fragment else "attendance/recompute_mine.html"
    return render(request, template, {"jobs": jobs, "running": running})


# --- Months --------------------------------------------------------------------------------


def _month_context(subject: StaffMember, year: int, month: int) -> dict:
    start, end = selectors.month_bounds(year, month)
    daily_results_ensure(school=subject.school, start=start, end=end, staff_ids=[subject.pk])
    results = selectors.month_results(subject, year, month)
    leave = selectors.month_leave(subject, start, end)
    today = timezone.localdate()
    weeks = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append(
            [
                {"date": d, "result": results.get(d), "today": d == today, "leave": leave.by_day.get(d, [])}
                if d.month == month
                else None
                for d in week
            ]
        )
    counts: dict[str, int] = {}
    for result in results.values():
        counts[result.status] = counts.get(result.status, 0) + 1
    return {
        "subject": subject,
        "year": year,
        "month": month,
        "title": _roc_month(year, month),
        "weeks": weeks,
        "weekdays": [str(label) for label in WEEKDAY_LABELS],
        "days": [results[d] for d in sorted(results)],
        "leave_spans": leave.spans,
        "leave_by_day": leave.by_day,
        "summary": [(status, label, counts[status]) for status, label in DailyStatus.choices if status in counts],
        "missing_statuses": list(MISSING_PUNCH_STATUSES),
        "prev": _shift_month(year, month, -1),
        "next": _shift_month(year, month, 1),
    }


@staff_required
def my_month(request, year: int | None = None, month: int | None = None):
    today = timezone.localdate()
    year, month = year or today.year, month or today.month
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise Http404
    context = _month_context(request.staff, year, month)
    context["own"] = True
    return render(request, "attendance/month.html", context)


@staff_required
def staff_month(request, staff_id: int, year: int, month: int):
    me = request.staff
    subject = person_by_id(staff_id)
    if subject is None or not can_see_staff(me, subject):
        raise Http404
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise Http404
    context = _month_context(subject, year, month)
    context["own"] = subject.pk == me.pk
    return render(request, "attendance/month.html", context)


# --- A unit head's view --------------------------------------------------------------------


@staff_required
def unit_view(request):
    me = request.staff
    units = list(selectors.units_for_head_view(me))
    if not units:
        raise PermissionDenied(_("只有單位主管、人事室與校長可以查看單位出勤"))
    unit = units[0]
    if request.GET.get("unit"):
        unit = next((u for u in units if str(u.pk) == request.GET["unit"]), None)
        if unit is None:
            raise Http404
    elif me.unit_id in {u.pk for u in units}:
        unit = next(u for u in units if u.pk == me.unit_id)

    today = timezone.localdate()
    members = list(selectors.unit_members(unit))
    context = {"units": units, "unit": unit, "members": members}
    if request.GET.get("view") == "month":
        year, month = _month_arg(request.GET.get("month"), today)
        start, end = selectors.month_bounds(year, month)
        daily_results_ensure(school=me.school, start=start, end=end, staff_ids=[m.pk for m in members])
        results = selectors.unit_results(unit, start, end)
        days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
        context.update(
            view="month",
            title=_roc_month(year, month),
            month_value=f"{year:04d}-{month:02d}",
            year=year,
            month=month,
            days=days,
            weekdays=[str(WEEKDAY_LABELS[d.weekday()]) for d in days],
            rows=[(m, [results.get((m.pk, d)) for d in days]) for m in members],
            prev="{:04d}-{:02d}".format(*_shift_month(year, month, -1)),
            next="{:04d}-{:02d}".format(*_shift_month(year, month, 1)),
        )
    else:
        day = _date_arg(request.GET.get("date"), today)
        daily_results_ensure(school=me.school, start=day, end=day, staff_ids=[m.pk for m in members])
        results = selectors.unit_results(unit, day, day)
        context.update(
            view="day",
            day=day,
            rows=[(m, results.get((m.pk, day))) for m in members],
            prev=(day - dt.timedelta(days=1)).isoformat(),
            next=(day + dt.timedelta(days=1)).isoformat(),
        )
    return render(request, "attendance/unit.html", context)


# --- The personnel office's school view and the monthly report ------------------------------


def _require_school_wide(me: StaffMember) -> None:
    if not is_school_wide(me):
        raise PermissionDenied(_("只有人事室與校長可以查看全校出勤"))


@staff_required
def school_view(request):
    me = request.staff
    _require_school_wide(me)
    today = timezone.localdate()
    data = request.GET.copy()
    if not data.get("date_after") and not data.get("date_before"):
        data["date_after"] = today.replace(day=1).isoformat()
        data["date_before"] = today.isoformat()
    filterset = SchoolResultFilter(data, queryset=selectors.results_visible(me), request=request)
    start = _date_arg(data.get("date_after"), today.replace(day=1))
    end = _date_arg(data.get("date_before"), today)
    if start <= end and (end - start).days < ENSURE_MAX_DAYS:
        daily_results_ensure(school=me.school, start=start, end=end)
    if filterset.is_valid():
        results = selectors.results_newest_first(filterset.qs, include_off_days=filterset.include_off_days)
    else:
        results = selectors.results_visible(me).none()
    page = Paginator(results, 50).get_page(request.GET.get("page"))
    counts = dict(results.order_by().values_list("status").annotate(n=Count("pk")))
    query = data.copy()
    query.pop("page", None)
    return render(
        request,
        "attendance/school.html",
        {
            "filter": filterset,
            "page": page,
            "summary": [(status, label, counts[status]) for status, label in DailyStatus.choices if status in counts],
            "query": query.urlencode(),
            "month_value": f"{start.year:04d}-{start.month:02d}",
            "categories": StaffCategory.choices,
        },
    )


@staff_required
def export_report(request, fmt: str):
    me = request.staff
    _require_school_wide(me)
    year, month = _month_arg(request.GET.get("month"), timezone.localdate())
    start, end = selectors.month_bounds(year, month)
    unit_id = request.GET.get("unit")
    unit_id = id_or_none(unit_id)
    category = request.GET.get("category") or None
    daily_results_ensure(school=me.school, start=start, end=end)
    rows = selectors.monthly_report(me, start, end, unit_id=unit_id, category=category)
    headers = [str(label) for _key, label in selectors.REPORT_COLUMNS]
    keys = [key for key, _label in selectors.REPORT_COLUMNS]
    filename = export_filename(_("出勤月報"), year, month, fmt)
    title = _("%(school)s %(month)s 出勤月報") % {"school": me.school.name, "month": _roc_month(year, month)}

    table = [[row[key] for key in keys] for row in rows]
    if fmt == "csv":
        return download(csv_bytes(headers, table), filename=filename)
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.title = f"{roc_year(start)}-{month:02d}"
        xlsx_table(sheet, headers, table, title=title)
        sheet.freeze_panes = "C3"
        return download(xlsx_bytes(book), filename=filename)
    raise Http404


# --- Forgotten punches (補登) ---------------------------------------------------------------


@staff_required
def corrections(request):
    me = request.staff
    mine = selectors.corrections_visible(me).filter(staff=me)[:50]
    to_decide = list(selectors.corrections_to_decide(me)[:100])
    today = timezone.localdate()
    return render(
        request,
        "attendance/corrections.html",
        {
            "mine": mine,
            "to_decide": to_decide,
            "decision_form": DecisionForm(),
            "used": selectors.corrections_used_this_month(me, today),
            "cap": settings.ATTENDANCE_MAX_CORRECTIONS_PER_MONTH,
        },
    )


@staff_required
def correction_new(request):
    me = request.staff
    if request.method == "POST":
        form = CorrectionForm(request.POST)
        if form.is_valid():
            try:
                punch_correction_request(staff=me, **form.cleaned_data)
            except AttendanceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("補登申請已送出，等待主管審核"))
                return redirect("attendance:corrections")
    else:
        initial = {"date": _date_arg(request.GET.get("date"), timezone.localdate())}
        if request.GET.get("kind") in PunchKind.values:
            initial["kind"] = request.GET["kind"]
        form = CorrectionForm(initial=initial)
    return render(request, "attendance/correction_form.html", {"form": form})


def _decide(request, correction_id: int, service, done_message: str):
    me = request.staff
    correction = get_object_or_404(selectors.corrections_visible(me), pk=correction_id)
    if not can_manage_staff(me, correction.staff):
        raise PermissionDenied(_("不能審核自己的補登"))
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        service(correction_id=correction.pk, approver=me, note=note)
    except AttendanceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done_message)
    return redirect(reverse("attendance:corrections"))


@require_POST
@staff_required
def correction_approve(request, correction_id: int):
    return _decide(request, correction_id, punch_correction_approve, _("已核准補登"))


@require_POST
@staff_required
def correction_reject(request, correction_id: int):
    return _decide(request, correction_id, punch_correction_reject, _("已駁回補登"))


# --- The month sheet (月出勤總表) ---------------------------------------------------------------


def _sheet_args(request, me: StaffMember) -> dict:
    """The sheet's month, unit and category from the query string; what cannot be read is ignored."""
    year, month = _month_arg(request.GET.get("month"), timezone.localdate())
    unit_id = id_or_none(request.GET.get("unit"))
    category = request.GET.get("category") or None
    if category not in StaffCategory.values:
        category = None
    return {"year": year, "month": month, "unit_id": unit_id, "category": category}


def _sheet_context(request) -> dict:
    me = request.staff
    _require_school_wide(me)
    args = _sheet_args(request, me)
    year, month = args["year"], args["month"]
    start, end = selectors.month_bounds(year, month)
    daily_results_ensure(school=me.school, start=start, end=end)
    sheet = month_sheet(me, year, month, unit_id=args["unit_id"], category=args["category"])
    units = list(selectors.units_for_head_view(me))
    unit = next((u for u in units if u.pk == args["unit_id"]), None)
    query = {"unit": args["unit_id"] or "", "category": args["category"] or ""}
    return {
        "sheet": sheet,
        "total_columns": TOTAL_COLUMNS,
        "title": _roc_month(year, month),
        "month_value": f"{year:04d}-{month:02d}",
        "units": units,
        "unit": unit,
        "category": args["category"] or "",
        "category_label": dict(StaffCategory.choices).get(args["category"] or "", ""),
        "categories": StaffCategory.choices,
        "filters": urlencode(query),
        "prev": "{:04d}-{:02d}".format(*_shift_month(year, month, -1)),
        "next": "{:04d}-{:02d}".format(*_shift_month(year, month, 1)),
        "school": me.school,
        "can_set_start": bool(me.roles_set & START_DATE_ROLES),
    }


@staff_required
def sheet_page(request):
    """The month sheet: people × days, a glyph a day, the month's totals; each cell opens the day."""
    return render(request, "attendance/sheet.html", _sheet_context(request))


@staff_required
def sheet_print(request):
    """The same sheet on paper for the monthly sign-off (landscape A4, signature boxes)."""
    return render(request, "attendance/sheet_print.html", _sheet_context(request))


@staff_required
def sheet_export(request):
    context = _sheet_context(request)
    sheet = context["sheet"]
    school = context["school"]
    title = _("%(school)s %(month)s 月出勤總表") % {"school": school.name, "month": context["title"]}
    book = sheet_workbook(sheet, title=title)
    return download(xlsx_bytes(book), filename=export_filename(_("月出勤總表"), sheet.year, sheet.month, "xlsx"))


@staff_required
def sheet_day(request, staff_id: int):
    """One person's day behind a cell of the sheet: the result, the punches, the leave and the 補登."""
    me = request.staff
    subject = person_by_id(staff_id)
    if subject is None or subject.school_id != me.school_id or not can_see_staff(me, subject):
        raise Http404
    day = _date_arg(request.GET.get("date"), timezone.localdate())
    detail = selectors.day_detail(subject, day)
    context = {"subject": subject, "day": day, "month_value": f"{day.year:04d}-{day.month:02d}",
               "school_wide": is_school_wide(me), **detail}
    return render(request, "attendance/sheet_day.html", context)


# --- The school's start date (啟用日) -----------------------------------------------------------


@staff_required
def start_date(request):
    """The school's personnel office or system admin sets the day the system started counting."""
    me = request.staff
    if not me.roles_set & START_DATE_ROLES:
        raise PermissionDenied(_("只有人事室與系統管理者可以設定啟用日"))
    school = me.school
    if request.method == "POST":
        form = StartDateForm(request.POST)
        if form.is_valid():
            try:
                attendance_start_set(actor=me, start=form.cleaned_data["attendance_start"])
            except AttendanceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已更新系統啟用日"))
                return redirect("attendance:start_date")
    else:
        form = StartDateForm(initial={"attendance_start": school.attendance_start})
    return render(request, "attendance/start_date.html", {"form": form, "school": school})


# --- The personnel office's worklist (待處理) --------------------------------------------------


@staff_required
def worklist_page(request):
    """What still needs the personnel office, each case with the page that settles it."""
    me = request.staff
    _require_school_wide(me)
    today = timezone.localdate()
    cases = worklist(me, today=today)
    sections = [(kind, label, cases[kind]) for kind, label in WORKLIST_KINDS]
    return render(request, "attendance/worklist.html", {
        "sections": sections, "start": worklist_start(today), "end": today - dt.timedelta(days=1),
    })
