"""The personnel office's worklist (待處理): what still needs someone, each case with the page that settles it.

Four kinds (docs/attendance.md, "The worklist"):

- a missing punch (未刷上班卡/未刷下班卡) with no 補登 asked for that card;
- an absence (缺勤) with no leave in approval and no 補登 for that day;
- leave whose rule asks for proof at its length and that has no attachment (leave.selectors);
- approved overtime of a past day not yet settled, or settled at 0 hours for want of a punch (leave.selectors).

The days looked at run from the first of last month to yesterday: what the month's close still has to
settle. Five queries whatever the number of people and cases.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from attendance.models import DailyResult, DailyStatus, PunchCorrection, PunchKind
from leave import selectors as leave_selectors
from staff.models import StaffMember

KINDS = [
    ("missing", gettext_lazy("未刷卡且未補登")),
    ("absent", gettext_lazy("缺勤且未請假")),
    ("proof", gettext_lazy("請假未附證明")),
    ("overtime", gettext_lazy("加班待核計")),
]

OPEN_CORRECTION = [PunchCorrection.Status.PENDING, PunchCorrection.Status.APPROVED]


@dataclass(frozen=True)
class Case:
    kind: str
    person: StaffMember
    day: dt.date
    what: str
    action_url: str
    action_label: str


def worklist_start(today: dt.date) -> dt.date:
    """The first of last month."""
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _results(viewer: StaffMember, start: dt.date, end: dt.date):
    return DailyResult.objects.filter(
        school_id=viewer.school_id, staff__is_active=True, date__range=(start, end)
    ).select_related("staff", "staff__unit").order_by("date", "staff__unit__name", "staff__employee_no")


def worklist(viewer: StaffMember, *, today: dt.date) -> dict[str, list[Case]]:
    """The cases of the viewer's school by kind (KINDS order), oldest first."""
    start, end = worklist_start(today), today - dt.timedelta(days=1)
    day_url = reverse("attendance:sheet_day", args=[0]).replace("/0/", "/{}/")

    corrected_card = PunchCorrection.objects.filter(
        staff_id=OuterRef("staff_id"), date=OuterRef("date"), status__in=OPEN_CORRECTION
    )
    missing = (
        _results(viewer, start, end)
        .filter(status__in=[DailyStatus.MISSING_IN, DailyStatus.MISSING_OUT])
        .annotate(
            asked_in=Exists(corrected_card.filter(kind=PunchKind.IN)),
            asked_out=Exists(corrected_card.filter(kind=PunchKind.OUT)),
        )
        .exclude(Q(status=DailyStatus.MISSING_IN, asked_in=True) | Q(status=DailyStatus.MISSING_OUT, asked_out=True))
    )
    absent = list(
        _results(viewer, start, end)
        .filter(status=DailyStatus.ABSENT)
        .exclude(Exists(corrected_card))
    )
    pending = {
        (span.staff_id, day)
        for span in leave_selectors.leave_spans(
            staff_ids={r.staff_id for r in absent}, start=start, end=end, statuses=("pending",)
        )
        for day in _span_days(span.start, span.end)
    } if absent else set()

    cases: dict[str, list[Case]] = {kind: [] for kind, _label in KINDS}
    for result in missing:
        cases["missing"].append(Case(
            "missing", result.staff, result.date, result.get_status_display(),
            day_url.format(result.staff_id) + f"?date={result.date.isoformat()}", _("查看當天"),
        ))
    for result in absent:
        if (result.staff_id, result.date) in pending:
            continue
        cases["absent"].append(Case(
            "absent", result.staff, result.date, result.get_status_display(),
            day_url.format(result.staff_id) + f"?date={result.date.isoformat()}", _("查看當天"),
        ))
    for request in leave_selectors.requests_missing_proof(school_id=viewer.school_id):
        cases["proof"].append(Case(
            "proof", request.applicant, request.start.date(),
            ngettext("%(type)s %(hours)s 小時", "%(type)s %(hours)s 小時", request.hours)
            % {"type": request.leave_type.display_name, "hours": request.hours},
            reverse("leave:detail", args=[request.pk]), _("查看假單"),
        ))
    for overtime in leave_selectors.overtime_to_settle(school_id=viewer.school_id, before=today):
        cases["overtime"].append(Case(
            "overtime", overtime.staff, overtime.work_date, overtime.get_compensation_display(),
            reverse("leave:overtime"), _("核計加班時數"),
        ))
    return cases


def _span_days(start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    first, last = timezone.localtime(start).date(), timezone.localtime(end - dt.timedelta(microseconds=1)).date()
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
