"""Dates the way Taiwanese forms write them: 民國 year, 星期 weekday; and the one English style.

One date style per language, whoever formats (pages, exports, notices, API texts): in Chinese the
民國 forms below (「民國 115 年 12 月 1 日 星期二」, 「115/12/01」, 「12日0小時」); in English day, month
abbreviation and year (「Tue 01 Dec 2026」, 「01 Dec 2026」, 「December 2026」, 「12 d 0 h」). The functions
read the active language, so a notice rendered for an English reader gets the English forms. ISO
dates (2026-12-01) are for machines only: API fields, URLs, file names, date inputs.
"""

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import get_language, gettext, pgettext_lazy

WEEKDAYS = "一二三四五六日"
# The same, translated (Monday first), for calendar headings in the person's language.
WEEKDAY_LABELS = [
    pgettext_lazy("weekday", "一"),
    pgettext_lazy("weekday", "二"),
    pgettext_lazy("weekday", "三"),
    pgettext_lazy("weekday", "四"),
    pgettext_lazy("weekday", "五"),
    pgettext_lazy("weekday", "六"),
    pgettext_lazy("weekday", "日"),
]
ROC_OFFSET = 1911
# English month and weekday words are fixed here (not the process's locale).
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")
EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def english() -> bool:
    return (get_language() or "").startswith("en")


def format_en_date(day: dt.date | dt.datetime, *, weekday: bool = False) -> str:
    """2026-12-01 → 「01 Dec 2026」 (「Tue 01 Dec 2026」 with the weekday): the English date style."""
    day = local_day(day)
    text = f"{day.day:02d} {EN_MONTHS[day.month - 1][:3]} {day.year}"
    return f"{EN_WEEKDAYS[day.weekday()]} {text}" if weekday else text


def roc_year(day: dt.date) -> int:
    return day.year - ROC_OFFSET


def local_day(value: dt.date | dt.datetime) -> dt.date:
    """The calendar day in Taipei: an aware datetime is converted first (a UTC date can be yesterday)."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def format_roc_date(day: dt.date | dt.datetime, *, weekday: bool = True) -> str:
    """2024-08-20 → 「民國 113 年 8 月 20 日 星期二」 (「Tue 20 Aug 2024」 in English)."""
    day = local_day(day)
    if english():
        return format_en_date(day, weekday=weekday)
    text = f"民國 {roc_year(day)} 年 {day.month} 月 {day.day} 日"
    if weekday:
        text += f" 星期{WEEKDAYS[day.weekday()]}"
    return text


def format_roc_short(day: dt.date | dt.datetime) -> str:
    """2024-08-20 → 「113/08/20」, the compact form used in tables (「20 Aug 2024」 in English)."""
    day = local_day(day)
    if english():
        return format_en_date(day)
    return f"{roc_year(day)}/{day.month:02d}/{day.day:02d}"


def format_days_hours(hours: int | float, *, hours_per_day: int = 8) -> str:
    """Leave amounts as staff read them: 112 → 「14日0小時」 (an 8-hour day); 「14 d 0 h」 in English."""
    total = round(hours)
    sign = "-" if total < 0 else ""
    days, rest = divmod(abs(total), hours_per_day)
    if english():
        return f"{sign}{days} d {rest} h"
    return f"{sign}{days}日{rest}小時"


_DATE_PARTS = re.compile(r"^(?:民國)?\s*(\d{2,4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def parse_tw_date(text: str) -> dt.date:
    """A date as personnel files write it: 2015-08-01, 2015/8/1, ROC 104/08/01 or 民國104年8月1日,
    or packed digits (20150801, ROC 1040801). A year below 1000 is a 民國 year.

    Raises ValueError when the text is not such a date.
    """
    value = text.strip()
    if value.isascii() and value.isdigit() and len(value) in (7, 8):
        year, month, day = int(value[:-4]), int(value[-4:-2]), int(value[-2:])
    else:
        match = _DATE_PARTS.match(value)
        if not match:
            raise ValueError(value)
        year, month, day = (int(part) for part in match.groups())
    if year < 1000:
        year += ROC_OFFSET
    return dt.date(year, month, day)


def format_roc_month(year: int, month: int) -> str:
    """A month heading: 「民國 115 年 11 月」 (「November 2026」 in English)."""
    if english():
        return f"{EN_MONTHS[month - 1]} {year}"
    return gettext("民國 %(year)s 年 %(month)s 月") % {"year": year - ROC_OFFSET, "month": month}


def format_school_year(roc_school_year: int, *, calendar_year: bool = False) -> str:
    """A quota period: 「114 學年度」 for a school year, 「114 年」 for a calendar year.

    In English: 「School year 2025–26」 and 「2025」 (the ROC year is not shown to English readers).
    """
    if english():
        year = roc_school_year + ROC_OFFSET
        return str(year) if calendar_year else f"School year {year}–{(year + 1) % 100:02d}"
    if calendar_year:
        return gettext("%(year)s 年") % {"year": roc_school_year}
    return gettext("%(year)s 學年度") % {"year": roc_school_year}


_GENERATED_PERIOD = re.compile(r"^第\s*(\d+)\s*節$")


def period_name(number: int | None, label: str = "") -> str:
    """A class period as schools name it: 「第 3 節」 (「Period 3」 in English).

    A label the bell schedule generated (「第 3 節」, stored with coverage needs) is worded again in the active
    language; a school's own label (「早自習」) is shown through the catalogue, else as written.
    """
    if label and not _GENERATED_PERIOD.match(label):
        return gettext(label)
    if number is None:
        match = _GENERATED_PERIOD.match(label or "")
        number = int(match.group(1)) if match else None
    return gettext("第 %(n)s 節") % {"n": number} if number is not None else label
