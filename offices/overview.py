"""The school's and the unit's overview, and the same figures per school for the city.

Reads only, through each app's grouped selectors (one query each whatever the number of people or
schools): who is away (``leave.selectors.leave_spans``), class periods still without cover
(``substitutes.selectors.coverage_counts``), attendance exceptions (``attendance.selectors.exception_counts``),
leave by type (``leave.selectors.leave_hours_by_type``) and substitute pay by payer
(``substitutes.selectors.pay_by_payer``).
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import DailyStatus
from attendance.selectors import EXCEPTION_STATUSES, exception_counts
from common.i18n import local_name
from leave.selectors import leave_hours_by_type, leave_spans
from staff.models import StaffMember
from staff.permissions import headed_unit_ids, is_school_wide, visible_staff
from staff.twdate import format_roc_short
from substitutes.models import Payer
from substitutes.selectors import coverage_counts, pay_by_payer

COVER_DAYS = 14  # how far ahead "cover not yet arranged" looks


def month_span(day: dt.date) -> tuple[dt.date, dt.date]:
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


@dataclass
class Away:
    request_id: int
    name: str
    type_name: str
    pending: bool


@dataclass
class UnitWeek:
    unit: str
    days: list[list[Away]]  # one list per day of the week


@dataclass
class Bar:
    """One row of a small chart: a label, its figure, the figure's share of the largest (0–100), a link."""

    label: str
    value: int
    share: int = 0
    url: str = ""


def _bars(rows: list[Bar]) -> list[Bar]:
    top = max((r.value for r in rows), default=0)
    for r in rows:
        r.share = round(100 * r.value / top) if top else 0
    return rows


@dataclass
class Overview:
    school_wide: bool
    today: dt.date
    week: list[dt.date]
    away_today: list[Away]
    units: list[UnitWeek]
    cover: list[Bar]  # per day ahead, the periods still without cover
    cover_open: int
    exceptions: list[Bar]
    leave_by_type: list[Bar]
    month: tuple[dt.date, dt.date]
    people: int = 0
    notes: list[str] = field(default_factory=list)


def overview_scope(viewer: StaffMember) -> QuerySet[StaffMember]:
    """The people an overview covers: the school for personnel and the principal, a head's units (and
    sections) for a unit head; nobody else has one."""
    if not (is_school_wide(viewer) or headed_unit_ids(viewer)):
        raise PermissionDenied(_("只有校長、人事室與單位主管可以查看總覽"))
    return visible_staff(viewer).filter(is_active=True)


def exception_label(status: str) -> str:
    return str(DailyStatus(status).label)


def school_overview(viewer: StaffMember, *, today: dt.date | None = None) -> Overview:
    """The viewer's overview: the school for personnel and the principal, their units for a unit head."""
    school_wide = is_school_wide(viewer)
    return overview_of(school_id=viewer.school_id, people=overview_scope(viewer), whole_school=school_wide,
                       today=today)


def overview_of(
    *, school_id: int, people: QuerySet[StaffMember], whole_school: bool, today: dt.date | None = None,
    links: bool = True,
) -> Overview:
    """Queries: the people in scope (with units); their leave this week; the cover still open in the
    next two weeks; the month's exceptions; the month's leave by type (one each)."""
    today = today or timezone.localdate()
    members = list(people.select_related("unit").order_by("unit__name", "employee_no"))
    ids = [p.pk for p in members]
    by_id = {p.pk: p for p in members}
    monday = today - dt.timedelta(days=today.weekday())
    week = [monday + dt.timedelta(days=n) for n in range(7)]
    spans = leave_spans(staff_ids=ids, start=week[0], end=week[-1], statuses=("approved", "pending"))
    units: dict[str, list[list[Away]]] = {}
    away_today: list[Away] = []
    for span in spans:
        person = by_id[span.staff_id]
        first = timezone.localtime(span.start).date()
        last = timezone.localtime(span.end - dt.timedelta(microseconds=1)).date()
        away = Away(request_id=span.leave_request_id, name=person.name, type_name=local_name(span, "leave_type_name"),
                    pending=span.status != "approved")
        row = units.setdefault(person.unit.name if person.unit else _("未分處室"), [[] for _d in week])
        for i, day in enumerate(week):
            if first <= day <= last:
                row[i].append(away)
                if day == today:
                    away_today.append(away)
    narrow = None if whole_school else ids
    cover = coverage_counts(school_ids=[school_id], start=today, end=today + dt.timedelta(days=COVER_DAYS - 1),
                            teacher_ids=narrow).get(school_id, {})
    cover_bars = _bars([Bar(label=format_roc_short(day), value=cover[day]["open"]) for day in sorted(cover)
                        if cover[day]["open"]])
    month = month_span(today)
    exceptions = exception_counts(school_ids=[school_id], start=month[0], end=min(month[1], today),  # no future
                                  staff_ids=narrow).get(school_id, {})
    leave = leave_hours_by_type(school_ids=[school_id], start=month[0], end=month[1],
                                staff_ids=narrow).get(school_id, [])
    until = min(month[1], today)
    results_page = reverse("attendance:school" if whole_school else "attendance:unit")

    def exception_url(status: str) -> str:
        if not links:
            return ""
        if not whole_school:
            return results_page
        return f"{results_page}?result={status}&date_after={month[0]:%Y-%m-%d}&date_before={until:%Y-%m-%d}"

    def leave_url(type_id: int) -> str:
        return (f"{reverse('leave:overview')}?leave_type={type_id}&status=approved&start={month[0]:%Y-%m-%d}"
                f"&end={month[1]:%Y-%m-%d}") if links else ""

    return Overview(
        school_wide=whole_school, today=today, week=week, away_today=away_today,
        units=[UnitWeek(unit=name, days=days) for name, days in sorted(units.items())],
        cover=cover_bars, cover_open=sum(b.value for b in cover_bars),
        exceptions=_bars([Bar(label=exception_label(s), value=exceptions.get(s, 0), url=exception_url(s))
                          for s in EXCEPTION_STATUSES]),
        leave_by_type=_bars([Bar(label=name, value=hours, url=leave_url(type_id)) for type_id, name, hours in leave]),
        month=month, people=len(members),
    )


# --- The city ---------------------------------------------------------------------------------


@dataclass
class SchoolFigures:
    school_id: int
    name: str
    code: str
    people: int
    exceptions: dict[str, int]
    leave_by_type: list[tuple[int, str, int]]
    cover_open: int
    cover_covered: int
    pay: dict[str, tuple[int, int]]

    @property
    def exceptions_total(self) -> int:
        return sum(self.exceptions.values())

    @property
    def leave_hours(self) -> int:
        return sum(hours for _id, _name, hours in self.leave_by_type)

    def pay_amount(self, payer: str) -> int:
        return self.pay.get(payer, (0, 0))[1]

    @property
    def pay_school(self) -> int:
        return self.pay_amount(Payer.SCHOOL)

    @property
    def pay_teacher(self) -> int:
        return self.pay_amount(Payer.TEACHER)


def city_figures(schools: list, *, people: dict[int, int], month: tuple[dt.date, dt.date]) -> list[SchoolFigures]:
    """The figures of every school for a month, in a fixed number of queries (one per figure, each
    grouped by school) whatever the number of schools."""
    ids = [s.pk for s in schools]
    first, last = month
    exceptions = exception_counts(school_ids=ids, start=first, end=last)
    leave = leave_hours_by_type(school_ids=ids, start=first, end=last)
    cover = coverage_counts(school_ids=ids, start=first, end=last)
    pay = pay_by_payer(school_ids=ids, first=first, last=last)
    return [
        SchoolFigures(
            school_id=s.pk, name=s.name, code=s.code, people=people.get(s.pk, 0),
            exceptions=exceptions.get(s.pk, {}), leave_by_type=leave.get(s.pk, []),
            cover_open=sum(d["open"] for d in cover.get(s.pk, {}).values()),
            cover_covered=sum(d["covered"] for d in cover.get(s.pk, {}).values()),
            pay=pay.get(s.pk, {}),
        )
        for s in schools
    ]
