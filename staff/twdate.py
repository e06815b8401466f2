"""Dates the way Taiwanese forms write them: 民國 year, 星期 weekday."""

import datetime as dt

from django.utils import timezone

WEEKDAYS = "一二三四五六日"
ROC_OFFSET = 1911


def roc_year(day: dt.date) -> int:
    return day.year - ROC_OFFSET


def format_roc_date(day: dt.date | dt.datetime, *, weekday: bool = True) -> str:
    """2024-08-20 → 「民國 113 年 8 月 20 日 星期二」."""
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    text = f"民國 {roc_year(day)} 年 {day.month} 月 {day.day} 日"
    if weekday:
        text += f" 星期{WEEKDAYS[day.weekday()]}"
    return text


def format_roc_short(day: dt.date) -> str:
    """2024-08-20 → 「113/08/20」, the compact form used in tables."""
    return f"{roc_year(day)}/{day.month:02d}/{day.day:02d}"


def format_days_hours(hours: int | float, *, hours_per_day: int = 8) -> str:
    """Leave amounts as staff read them: 112 → 「14日0小時」 (an 8-hour day)."""
    total = round(hours)
    sign = "-" if total < 0 else ""
    days, rest = divmod(abs(total), hours_per_day)
    return f"{sign}{days}日{rest}小時"
