"""{% load leave_tags %}: spans and balances as people read them, and the home-page card."""

from django import template
from django.utils import timezone

from leave.display import action_label as _action_label
from leave.display import remaining_text as _remaining_text
from leave.display import span_text
from leave.states import OVERTIME

register = template.Library()


@register.filter
def overtime_allows(overtime, action: str) -> bool:
    """{% if o|overtime_allows:"withdraw" %}: whether the overtime's status table offers the action."""
    return OVERTIME.allows(overtime.status, action)


@register.filter
def span(leave) -> str:
    """A request (or anything with start and end) as 「114/10/08 08:00–12:00」."""
    return span_text(leave.start, leave.end) if leave else ""


@register.filter
def remaining(hours) -> str:
    return _remaining_text(hours)


@register.inclusion_tag("leave/_home_card_body.html", takes_context=True)
def leave_home_card(context):
    """My next leave, my main balances and how many requests wait for me (one query for the next leave,
    four for balances, two for the inbox)."""
    from leave.selectors import approval_inbox, leave_balances, next_leave

    me = context.get("me")
    if me is None:
        return {"me": None}
    rows = leave_balances(staff_members=[me], on=timezone.localdate())[me.pk]
    shown = [r for r in rows if r.granted is not None and r.leave_type.code in ("personal", "sick", "vacation",
                                                                              "comp_time")]
    return {"me": me, "rows": shown, "waiting": len(approval_inbox(me)), "next_leave": next_leave(me)}


@register.filter
def period_label(row) -> str:
    """「114 學年度」 for a school-year quota, 「114 年」 for a calendar-year one."""
    from leave.models import Period
    from staff.twdate import format_school_year, roc_year

    if row is None:
        return ""
    return format_school_year(roc_year(row.period_start), calendar_year=row.rule.period != Period.SCHOOL_YEAR)


@register.filter
def action_label(action: str) -> str:
    """「核准」 for leave.approved: the history panel in words."""
    return _action_label(action)
