"""Template filters for local date habits ({{ day|roc }}, {{ day|roc_short }}, {{ hours|days_hours }}) and names
kept in two languages ({{ row|local_name }})."""

from django import template

from common.i18n import local_name as _local_name
from staff.twdate import format_days_hours, format_roc_date, format_roc_short

register = template.Library()


@register.filter
def roc(value, weekday=True):
    if not value:
        return ""
    return format_roc_date(value, weekday=bool(weekday))


@register.filter
def roc_short(value):
    if not value:
        return ""
    return format_roc_short(value)


@register.filter
def days_hours(value):
    if value is None:
        return ""
    return format_days_hours(value)


@register.filter
def local_name(value, field="name"):
    """{{ row|local_name }} / {{ row|local_name:"chain_name" }}: the English `<field>_en` when English is
    active and filled, else the Chinese (common.i18n.local_name)."""
    return _local_name(value, field)
