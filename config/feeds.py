"""A person's calendar as an iCal feed (docs/pwa.md): my leave, my cover duties and my school's days off.

The composition root is the one place that may read leave, substitutes and the calendar together. The
address is secret (``/calendar/<token>.ics``, the token kept hashed: staff.CalendarFeed) and revocable
from 「我的帳號」; a revoked or unknown token answers 404 like any missing page.
"""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from leave.selectors import leave_spans
from offices.calendars import DAYS_OFF  # the days off 我的行事曆 shows too
from schedules.calendar import duty_days
from staff.models import StaffMember
from staff.selectors import calendar_feed_of, person_by_feed_token, staff_required_for
from staff.services import calendar_feed_issue, calendar_feed_revoke
from substitutes.selectors import assignments_for

PAST_DAYS = 60
FUTURE_DAYS = 366
DOMAIN = "campus-attendance"


def _days_off(staff: StaffMember, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date, str]]:
    """Weekdays without duty for the school's reasons, consecutive days with one label joined: (first, last, label)."""
    days = duty_days([staff], start, end)
    runs: list[tuple[dt.date, dt.date, str]] = []
    for day in sorted(d for (_pk, d) in days):
        duty = days[(staff.pk, day)]
        if duty.has_duty or duty.reason not in DAYS_OFF:
            continue
        label = duty.label or _("放假")
        if runs and runs[-1][2] == label and runs[-1][1] + dt.timedelta(days=1) >= day - dt.timedelta(days=2):
            # joined over a weekend too: 寒假 is one event, not one a week
            runs[-1] = (runs[-1][0], day, label)
        else:
            runs.append((day, day, label))
    return runs


def feed_calendar(staff: StaffMember, *, today: dt.date | None = None) -> Calendar:
    """The person's calendar from PAST_DAYS ago to FUTURE_DAYS ahead (four reads: leave, cover, the calendar)."""
    today = today or timezone.localdate()
    start, end = today - dt.timedelta(days=PAST_DAYS), today + dt.timedelta(days=FUTURE_DAYS)
    cal = Calendar()
    cal.add("prodid", f"-//{DOMAIN}//{staff.school.code}//")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", _("%(name)s 的差勤行事曆") % {"name": staff.name})
    cal.add("x-wr-timezone", "Asia/Taipei")
    stamp = timezone.now()
    for span in leave_spans(staff_ids=[staff.pk], start=start, end=end, statuses=("approved", "pending")):
        event = Event()
        event.add("uid", f"leave-{span.leave_request_id}@{DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", timezone.localtime(span.start))
        event.add("dtend", timezone.localtime(span.end))
        summary = _("請假：%(type)s") % {"type": span.leave_type_name}
        if span.status == "pending":
            summary += _("（簽核中）")
        event.add("summary", summary)
        event.add("status", "TENTATIVE" if span.status == "pending" else "CONFIRMED")
        cal.add_component(event)
    for duty in assignments_for(staff=staff, since=start).filter(date__lte=end):
        event = Event()
        event.add("uid", f"cover-{duty.pk}@{DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", timezone.localtime(duty.starts_at))
        event.add("dtend", timezone.localtime(duty.ends_at))
        event.add("summary", _("代課：%(class)s %(subject)s") % {
            "class": duty.need.class_name, "subject": duty.need.subject})
        event.add("description", _("原任課 %(name)s") % {"name": duty.need.teacher.name})
        if duty.need.room:
            event.add("location", duty.need.room)
        cal.add_component(event)
    for first, last, label in _days_off(staff, start, end):
        event = Event()
        event.add("uid", f"off-{staff.school_id}-{first.isoformat()}@{DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", first)
        event.add("dtend", last + dt.timedelta(days=1))  # all-day events end the day after
        event.add("summary", label)
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal


@require_GET
def feed(request, token: str):
    """GET /calendar/<token>.ics: no session (calendar apps fetch it); 404 for a revoked or unknown token."""
    staff = person_by_feed_token(token)
    if staff is None:
        raise Http404
    with translation.override(staff.user.language or "zh-hant"):
        body = feed_calendar(staff).to_ical()
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response


@login_required
def manage(request):
    """「行事曆訂閱」 in 我的帳號: make the address (shown once), make a new one, or revoke it."""
    me = staff_required_for(request)
    url = error = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revoke":
            calendar_feed_revoke(staff=me)
        elif action == "issue":
            token = calendar_feed_issue(staff=me)
            url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
        else:
            error = _("請按「產生訂閱網址」或「停用網址」")
    return render(request, "calendar_feed.html", {"url": url, "since": calendar_feed_of(me), "error": error},
                  status=400 if error else 200)
