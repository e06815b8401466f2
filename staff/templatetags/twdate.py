"""Template filters for local date habits ({{ day|roc }}, {{ day|roc_short }}, {{ hours|days_hours }}) and names
kept in two languages ({{ row|local_name }})."""

from django import template

from common.i18n import local_name as _local_name
from common.i18n import punctuation
from staff.twdate import format_days_hours, format_roc_date, format_roc_short
from staff.twdate import period_name as _period_name

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


@register.simple_tag
def punct(mark: str) -> str:
    """{% punct "（" %}: the full-width mark in Chinese, the English one in English (「（x）」 / " (x)")."""
    return punctuation(mark)


@register.filter
def period_name(row) -> str:
    """{{ need|period_name }}: a row's period (its period_label and period_number) as 「第 3 節」 / 「Period 3」."""
    if row is None:
        return ""
    return _period_name(getattr(row, "period_number", None), getattr(row, "period_label", "") or "")
