"""The offices' pages: the approvers' inbox (and, below, the overviews). Thin: they read through
offices.inbox and the apps' selectors and change through offices.services."""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from attendance.selectors import day_detail, month_bounds, units_for_head_view
from attendance.services import daily_results_ensure
from attendance.sheet import TOTAL_COLUMNS, school_month_sheet
from common.errors import DomainError
from common.i18n import enumerate_text
from common.inputs import BadInput, id_or_none, parse_date, parse_month
from offices.calendars import away_count, personal_month, unit_month
from offices.forms import DecideForm
from offices.inbox import inbox_items
from offices.overview import city_figures, month_span, overview_of, school_overview
from offices.permissions import is_city_viewer
from offices.services import city_day_read_record, city_read_record, city_sheet_read_record, inbox_decide
from staff import selectors as staff_selectors
from staff.models import StaffCategory, StaffMember
from staff.selectors import staff_required_for
from staff.twdate import format_roc_month


@login_required
def inbox(request):
    me = staff_required_for(request)
    items = inbox_items(me)
    return render(request, "offices/inbox.html", {"items": items, "form": DecideForm()})


@login_required
@require_POST
def decide(request):
    """Decide the chosen items; report what was done and, one by one, what was refused and why. Back to the
    inbox, whose first item (the oldest still waiting) opens."""
    me = staff_required_for(request)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("請先勾選要簽核的項目"))
        return redirect("offices:inbox")
    data = form.cleaned_data
    waiting = {item.key: item for item in inbox_items(me)}  # to name the refused ones, if they wait for me
    approve = data["decision"] == "approve"
    try:
        outcomes = inbox_decide(actor=me, keys=data["item"], approve=approve, comment=data["comment"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("offices:inbox")
    done = [o for o in outcomes if o.ok]
    if done:
        names = enumerate_text(o.applicant for o in done)
        if approve:
            messages.success(request, _("已同意 %(n)s 件：%(names)s") % {"n": len(done), "names": names})
        else:
            messages.success(request, _("已駁回 %(n)s 件：%(names)s") % {"n": len(done), "names": names})
    for outcome in outcomes:
        if not outcome.ok:
            item = waiting.get(outcome.key)
            what = f"{item.applicant.name} {item.label} {item.title}" if item else _("不在您待簽核清單中的項目")
            messages.error(request, _("未處理：%(what)s。%(reason)s") % {"what": what, "reason": outcome.message})
    return redirect(reverse("offices:inbox"))


# --- The overview (principal, personnel, unit heads) -------------------------------------------


@login_required
def overview(request):
    me = staff_required_for(request)
    return render(request, "offices/overview.html", {"o": school_overview(me), "school": me.school})


# --- The city's view (教育局, read-only) ------------------------------------------------------


def _city_viewer(request) -> StaffMember:
    me = staff_required_for(request)
    if not is_city_viewer(me):
        raise PermissionDenied(_("只有教育局帳號可以查看全市資料"))
    return me


def _month(request) -> tuple[dt.date, dt.date]:
    try:
        year, month = parse_month(request.GET.get("month") or "")
        return month_span(dt.date(year, month, 1))
    except BadInput:
        return month_span(timezone.localdate())


@login_required
def city(request):
    """Every school's figures for a month, one row each; every read is audited."""
    me = _city_viewer(request)
    month = _month(request)
    schools = list(staff_selectors.schools().order_by("code"))
    people = dict(
        staff_selectors.people_of_schools(school_ids=None).values("school_id").annotate(n=Count("pk"))
        .values_list("school_id", "n").order_by()
    )
    rows = city_figures(schools, people=people, month=month)
    city_read_record(actor=me, month=f"{month[0]:%Y-%m}")
    return render(request, "offices/city.html", {"rows": rows, "month": month, "month_value": f"{month[0]:%Y-%m}"})


@login_required
def city_school(request, school_id: int):
    """One school's overview and figures, read-only, for the city; audited."""
    me = _city_viewer(request)
    school = staff_selectors.school_by_id(school_id)
    if school is None:
        raise Http404
    month = _month(request)
    figures = city_figures([school], people={}, month=month)[0]
    o = overview_of(school_id=school.pk, people=staff_selectors.school_people(school_id=school.pk),
                    whole_school=True, links=False)
    city_read_record(actor=me, month=f"{month[0]:%Y-%m}", school=school)
    return render(request, "offices/overview.html", {
        "o": o, "school": school, "figures": figures, "city": True, "month": month,
        "month_value": f"{month[0]:%Y-%m}",
    })


# --- A school's month sheet, read-only, for the city ------------------------------------------------


def _city_school(request, school_id: int):
    me = _city_viewer(request)
    school = staff_selectors.school_by_id(school_id)
    if school is None:
        raise Http404
    return me, school


@login_required
@require_GET
def city_sheet(request, school_id: int):
    """Any school's month sheet (月出勤總表) as its personnel office reads it, for the city: read-only (no
    print, download, start date or 補登 from here; anything but GET is refused) and audited."""
    me, school = _city_school(request, school_id)
    first = _month(request)[0]
    year, month = first.year, first.month
    units = list(staff_selectors.school_units(school_id=school.pk))
    unit = next((u for u in units if u.pk == id_or_none(request.GET.get("unit"))), None)
    category = request.GET.get("category") or ""
    if category not in StaffCategory.values:
        category = ""
    start, end = month_bounds(year, month)
    daily_results_ensure(school=school, start=start, end=end)
    sheet = school_month_sheet(school, year, month, unit_id=unit.pk if unit else None, category=category or None)
    city_sheet_read_record(actor=me, school=school, month=f"{year:04d}-{month:02d}",
                           unit_id=unit.pk if unit else None, category=category)
    day_url = reverse("offices:city_sheet_day", args=[school.pk]) + "?staff={person}"
    prev_month = dt.date(year, month, 1) - dt.timedelta(days=1)
    next_month = end + dt.timedelta(days=1)
    return render(request, "offices/city_sheet.html", {
        "sheet": sheet, "school": school, "total_columns": TOTAL_COLUMNS, "title": format_roc_month(year, month),
        "month_value": f"{year:04d}-{month:02d}", "units": units, "unit": unit, "category": category,
        "categories": StaffCategory.choices, "day_url": day_url,
        "filters": urlencode({"unit": unit.pk if unit else "", "category": category}),
        "prev": f"{prev_month:%Y-%m}", "next": f"{next_month:%Y-%m}",
    })


@login_required
@require_GET
def city_sheet_day(request, school_id: int):
    """The day behind a cell of that sheet: the result, punches, leave and 補登 of one of the school's people,
    read-only, audited. A person of another school is not found here."""
    me, school = _city_school(request, school_id)
    person = staff_selectors.person_in_school(staff_id=id_or_none(request.GET.get("staff")) or 0,
                                              school_id=school.pk)
    if person is None:
        raise Http404
    try:
        day = parse_date(request.GET.get("date"))
    except BadInput:
        day = timezone.localdate()
    detail = day_detail(person, day)
    city_day_read_record(actor=me, person=person, day=day.isoformat())
    return render(request, "offices/city_sheet_day.html", {
        "subject": person, "school": school, "day": day, "month_value": f"{day:%Y-%m}", **detail,
    })


# --- 我的行事曆 and the unit's calendar ------------------------------------------------------------


def _calendar_month(request) -> tuple[int, int]:
    """?month=YYYY-MM, else this month (a stale or hand-edited value shows this month)."""
    try:
        return parse_month(request.GET.get("month") or "")
    except BadInput:
        today = timezone.localdate()
        return today.year, today.month


@login_required
def my_calendar(request):
    """My month: my leave, my cover duties and my days off, each linking to where it is handled."""
    me = staff_required_for(request)
    year, month = _calendar_month(request)
    return render(request, "offices/my_calendar.html", {"cal": personal_month(me, year, month)})


@login_required
def unit_calendar(request, unit_id: int | None = None):
    """Who of a unit is away on which day: a head's own units (and their sections), any unit of the school for
    the principal and personnel. Another unit is a 404, nobody's calendar a 403."""
    me = staff_required_for(request)
    units = list(units_for_head_view(me))
    if not units:
        raise PermissionDenied(_("只有單位主管、人事室與校長可以查看單位行事曆"))
    wanted = me.unit_id if unit_id is None else unit_id
    unit = next((u for u in units if u.pk == wanted), None)
    if unit is None:
        if unit_id is not None:
            raise Http404
        unit = units[0]
    year, month = _calendar_month(request)
    cal = unit_month(unit, year, month)
    return render(request, "offices/unit_calendar.html",
                  {"cal": cal, "unit": unit, "units": units, "away": away_count(cal)})
