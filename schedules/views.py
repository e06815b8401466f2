"""Pages of the school calendar: the month view (everyone at the school), and for the personnel
office the office-calendar import, the school's own days, semesters, typhoon days and an overview
of work schedules. Rules are in schedules.permissions and schedules.services."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from common.i18n import enumerate_text
from common.inputs import BadInput, parse_date, parse_id, parse_month
from schedules import selectors, services
from schedules.forms import (
    DisasterStopClaimForm,
    DisasterStopDecisionForm,
    OfficeCalendarImportForm,
    SchoolDayForm,
    SemesterForm,
    TyphoonDayForm,
)
from schedules.models import DisasterStopClaim, SchoolDay, Semester, TyphoonDay
from schedules.models.semesters import ROC_OFFSET
from schedules.permissions import (
    can_declare_typhoon,
    can_import_office_calendar,
    can_manage_school_calendar,
    can_use_typhoon_page,
    can_view_school_calendar,
)
from staff.http import SignedInRequest
from staff.models import Role, School
from staff.selectors import school_by_code, schools, staff_for_request, staff_required_for


def _school_for(request: HttpRequest) -> School:
    """The signed-in person's school; a superuser or system admin may look at another with ?school=<code>."""
    code = request.GET.get("school", "").strip()
    staff = staff_for_request(request)
    if code and (request.user.is_superuser or (staff is not None and staff.has_role(Role.SYSTEM_ADMIN))):
        school = school_by_code(code)
        if school is None:
            raise Http404
        return school
    if staff is None:
        if request.user.is_superuser:
            school = schools().order_by("code").first()
            if school is not None:
                return school
        raise PermissionDenied
    return staff.school


def _with_school(url: str, request: HttpRequest, school: School) -> str:
    staff = staff_for_request(request)
    if staff is not None and staff.school_id == school.pk:
        return url
    return f"{url}?school={school.code}"


def _managed_school(request: HttpRequest) -> School:
    school = _school_for(request)
    if not can_manage_school_calendar(request.user, school):
        raise PermissionDenied
    return school


# --- the month view ---------------------------------------------------------------------------


@login_required
def month(request):
    school = _school_for(request)
    if not can_view_school_calendar(request.user, school):
        raise PermissionDenied
    today = timezone.localdate()
    try:
        year, mon = parse_month(request.GET.get("month") or f"{today:%Y-%m}")
    except BadInput:
        year, mon = today.year, today.month
    cal = selectors.month_calendar(school=school, year=year, month=mon, viewer=staff_for_request(request))
    return render(request, "schedules/month.html", {
        "cal": cal,
        "can_manage": can_manage_school_calendar(request.user, school),
        "school_query": _with_school("", request, school).replace("?", "&"),
    })


# --- the office calendar import ------------------------------------------------------------------


@login_required
def office_calendar(request: SignedInRequest) -> HttpResponse:
    if not can_import_office_calendar(request.user):
        raise PermissionDenied
    form = OfficeCalendarImportForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            imported = services.office_calendar_import(
                actor=request.user, content=upload.read(), source_name=upload.name
            )
        except services.OfficeCalendarImportError as exc:
            messages.error(request, exc.message)
            errors = exc.errors
        else:
            years = enumerate_text(c.year for c in imported)
            messages.success(request, _("已匯入 %(years)s 年行政機關辦公日曆") % {"years": years})
            return redirect("schedules:office_calendar")
    return render(request, "schedules/office_calendar.html", {
        "form": form, "errors": errors, "years": selectors.office_calendar_years(),
    })


# --- the school's own days ----------------------------------------------------------------------


def _school_year_arg(value, default: int) -> int:
    """A 學年度 (民國) whose days lie inside the span every input keeps to (common.inputs)."""
    try:
        first = parse_date(f"{int(parse_id(value)) + ROC_OFFSET:04d}-08-01")
        parse_date(f"{first.year + 1:04d}-07-31")
    except (BadInput, ValueError):
        return default
    return first.year - ROC_OFFSET


@login_required
def school_days(request):
    school = _managed_school(request)
    year = _school_year_arg(request.GET.get("year"), selectors.current_school_year())
    form = SchoolDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.school_day_create(
                actor=request.user, school=school, day=data["date"], kind=data["kind"], label=data["label"]
            )
        except services.ScheduleError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已新增 %(label)s") % {"label": data["label"]})
            return redirect(_with_school(reverse("schedules:school_days"), request, school))
    return render(request, "schedules/school_days.html", {
        "school": school, "form": form, "year": year,
        "days": selectors.school_day_list(school=school, school_year=year),
        "semesters": selectors.semester_list(school=school),
    })


def _managed_school_day(request, pk: int) -> SchoolDay:
    entry = get_object_or_404(SchoolDay.objects.select_related("school"), pk=pk)
    if not can_manage_school_calendar(request.user, entry.school):
        raise Http404  # another school's entry: not even its existence is shown
    return entry


@login_required
def school_day_edit(request, pk: int):
    entry = _managed_school_day(request, pk)
    initial = {"date": entry.date, "kind": entry.kind, "label": entry.label}
    form = SchoolDayForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.school_day_update(
                actor=request.user, school_day=entry, day=data["date"], kind=data["kind"], label=data["label"]
            )
        except services.ScheduleError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已更新 %(label)s") % {"label": data["label"]})
            return redirect(_with_school(reverse("schedules:school_days"), request, entry.school))
    return render(request, "schedules/school_day_edit.html", {"form": form, "entry": entry})


@require_POST
@login_required
def school_day_delete(request, pk: int):
    entry = _managed_school_day(request, pk)
    services.school_day_delete(actor=request.user, school_day=entry)
    messages.success(request, _("已刪除 %(label)s") % {"label": entry.label})
    return redirect(_with_school(reverse("schedules:school_days"), request, entry.school))


# --- semesters -------------------------------------------------------------------------------------


@login_required
def semester_edit(request, pk: int | None = None):
    if pk is None:
        school = _managed_school(request)
        semester = Semester(school=school)
    else:
        semester = get_object_or_404(Semester.objects.select_related("school"), pk=pk)
        school = semester.school
        if not can_manage_school_calendar(request.user, school):
            raise Http404
    form = SemesterForm(request.POST or None, instance=semester)
    if request.method == "POST" and form.is_valid():
        try:
            services.semester_save(actor=request.user, semester=form.instance)
        except services.ScheduleError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已儲存 %(semester)s") % {"semester": form.instance})
            return redirect(_with_school(reverse("schedules:school_days"), request, school))
    return render(request, "schedules/semester_edit.html", {"form": form, "semester": semester, "school": school})


@require_POST
@login_required
def semester_delete(request, pk: int):
    semester = get_object_or_404(Semester.objects.select_related("school"), pk=pk)
    if not can_manage_school_calendar(request.user, semester.school):
        raise Http404
    services.semester_delete(actor=request.user, semester=semester)
    messages.success(request, _("已刪除 %(semester)s") % {"semester": semester})
    return redirect(_with_school(reverse("schedules:school_days"), request, semester.school))


# --- typhoon days ---------------------------------------------------------------------------------


def _typhoon_scope(request) -> tuple[list[School], bool]:
    """The schools the user may declare for, and whether they may declare for all schools."""
    if can_declare_typhoon(request.user, None):
        return list(schools().order_by("code")), True
    staff = staff_for_request(request)
    return ([staff.school] if staff is not None else []), False


@login_required
def typhoons(request):
    """Declare a disaster stop in two steps: the form shows what it would change (people, leave,
    periods, substitutes), and only the confirmation (``confirm``) declares it."""
    if not can_use_typhoon_page(request.user):
        raise PermissionDenied
    schools, allow_all = _typhoon_scope(request)
    form = TyphoonDayForm(request.POST or None, schools=schools, allow_all=allow_all)
    preview = None
    if request.method == "POST" and form.is_valid():
        declaration = form.declaration()
        if not can_declare_typhoon(request.user, declaration["school"]):
            raise PermissionDenied
        try:
            if request.POST.get("confirm"):
                typhoon = services.typhoon_day_declare(actor=request.user, **declaration)
            else:
                preview = _preview(services.typhoon_day_preview(actor=request.user, **declaration), declaration)
        except services.ScheduleError as exc:
            form.add_error(None, exc.message)
        else:
            if preview is None:
                messages.success(request, _("已登錄：%(typhoon)s") % {"typhoon": typhoon})
                # Back to this page with the recompute's progress (the results follow in tasks).
                return redirect(reverse("schedules:typhoons") + "?declared=1")
    since = timezone.localdate() - dt.timedelta(days=366)
    own = None if allow_all else (schools[0] if schools else None)
    rows = [
        (t, can_declare_typhoon(request.user, t.school))
        for t in selectors.typhoon_day_list(school=own, since=since)
    ]
    return render(
        request, "schedules/typhoons.html", {
            "form": form, "rows": rows, "allow_all": allow_all, "preview": preview,
            "declared": request.method == "GET" and request.GET.get("declared") == "1",
        },
    )


def _preview(consequences: dict, declaration: dict) -> dict:
    """What the confirmation page lists: counts first, then the details behind them."""
    return {
        "people": selectors.people_reached(
            school=declaration["school"], districts=declaration["districts"], scope=declaration["scope"]
        ),
        "leave": consequences.get("leave_recounted", []),
        "dropped": consequences.get("period_dropped", []),
        "restored": consequences.get("period_restored", []),
        "substitutes": consequences.get("assignment_cancelled", []),
    }


@require_POST
@login_required
def typhoon_withdraw(request, pk: int):
    typhoon = get_object_or_404(TyphoonDay.objects.select_related("school"), pk=pk)
    staff = staff_for_request(request)
    visible = (
        typhoon.school_id is None
        or can_declare_typhoon(request.user, None)
        or (staff is not None and staff.school_id == typhoon.school_id)
    )
    if not visible:
        raise Http404
    if not can_declare_typhoon(request.user, typhoon.school):
        raise PermissionDenied
    services.typhoon_day_withdraw(actor=request.user, typhoon=typhoon)
    messages.success(request, _("已撤銷：%(typhoon)s") % {"typhoon": typhoon})
    return redirect("schedules:typhoons")


# --- a person's own disaster stop (停班停課登記) ---------------------------------------------------


@login_required
def disaster_stops(request):
    """File a 停班停課登記 and follow it; the school head also sees and decides the pending ones."""
    me = staff_required_for(request)
    form = DisasterStopClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.disaster_stop_claim_submit(staff=me, **form.claim())
        except services.ScheduleError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已送出停班停課登記，待校長核定"))
            return redirect("schedules:disaster_stops")
    mine = DisasterStopClaim.objects.filter(staff=me).select_related("decided_by")[:50]
    pending = []
    if me.has_role(Role.PRINCIPAL):
        pending = list(
            DisasterStopClaim.objects.filter(staff__school_id=me.school_id, status=DisasterStopClaim.Status.PENDING)
            .exclude(staff=me).select_related("staff").order_by("date")[:200]
        )
    return render(request, "schedules/disaster_stops.html", {
        "form": form, "mine": mine, "pending": pending, "decision_form": DisasterStopDecisionForm(),
    })


def _claim_for(request, pk: int) -> tuple:
    me = staff_required_for(request)
    claim = get_object_or_404(DisasterStopClaim.objects.select_related("staff"), pk=pk)
    if claim.staff_id != me.pk and not (claim.staff.school_id == me.school_id and me.has_role(Role.PRINCIPAL)):
        raise Http404
    return me, claim


@require_POST
@login_required
def disaster_stop_decide(request, pk: int):
    me, claim = _claim_for(request, pk)
    if not services.can_decide_disaster_stop(me, claim):
        raise PermissionDenied
    form = DisasterStopDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("請選擇核准或不核准"))
        return redirect("schedules:disaster_stops")
    try:
        services.disaster_stop_claim_decide(actor=me, claim=claim, **form.cleaned_data)
    except services.ScheduleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已核定 %(name)s 的停班停課登記") % {"name": claim.staff.name})
    return redirect("schedules:disaster_stops")


@require_POST
@login_required
def disaster_stop_withdraw(request, pk: int):
    me, claim = _claim_for(request, pk)
    try:
        services.disaster_stop_claim_withdraw(actor=me, claim=claim)
    except services.ScheduleError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已撤回停班停課登記"))
    return redirect("schedules:disaster_stops")


# --- work schedules --------------------------------------------------------------------------------


@login_required
def work_schedules(request):
    school = _managed_school(request)
    return render(request, "schedules/work_schedules.html", {
        "school": school, "overview": selectors.schedule_overview(school=school),
    })


@require_POST
@login_required
def work_schedules_seed(request):
    school = _managed_school(request)
    created = services.work_schedules_seed_defaults(school=school, actor=request.user)
    if created:
        messages.success(request, ngettext("已建立 %(count)d 個類別的預設班別", "已建立 %(count)d 個類別的預設班別",
                                           len(created)) % {"count": len(created)})
    else:
        messages.info(request, _("每個類別都已有班別，沒有變更"))
    return redirect(_with_school(reverse("schedules:work_schedules"), request, school))
