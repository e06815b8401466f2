"""Template filters for local date habits: {{ day|roc }}, {{ day|roc_short }}, {{ hours|days_hours }}."""

from django import template
from django.utils.translation import get_language

from staff.twdate import format_days_hours, format_roc_date, format_roc_short, local_day

register = template.Library()


def _english() -> bool:
    return (get_language() or "").startswith("en")


@register.filter
def roc(value, weekday=True):
    if not value:
        return ""
    if _english():
        return local_day(value).strftime("%a %d %b %Y")
    return format_roc_date(value, weekday=bool(weekday))


@register.filter
def roc_short(value):
    if not value:
        return ""
    if _english():
        return local_day(value).strftime("%Y-%m-%d")
    return format_roc_short(value)


@register.filter
def days_hours(value):
    if value is None:
        return ""
    text = format_days_hours(value)
    if _english():
        return text.replace("日", " d ").replace("小時", " h")
    return text
