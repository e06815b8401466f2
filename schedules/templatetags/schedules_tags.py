from django import template

from schedules.permissions import can_import_office_calendar
from schedules.states import DISASTER_STOP_CLAIM
from staff.twdate import WEEKDAY_LABELS

register = template.Library()


@register.filter
def manages_calendar(user) -> bool:
    """Personnel and system admins (of any school) and superusers: the calendar management links."""
    return can_import_office_calendar(user)


@register.filter
def weekday_zh(day) -> str:
    """2026-11-23 → 「一」."""
    return str(WEEKDAY_LABELS[day.weekday()]) if day else ""


@register.filter
def claim_allows(claim, action: str) -> bool:
    """{% if c|claim_allows:"withdraw" %}: whether the disaster-stop claim's status table offers the action."""
    return DISASTER_STOP_CLAIM.allows(claim.status, action)


@register.filter
def day_label(label) -> str:
    """{{ cell.day.label|day_label }}: a day's label in the reader's language (national holidays included)."""
    from schedules.calendar import day_label_text

    return day_label_text(label or "")
