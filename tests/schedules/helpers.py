"""Small builders for calendar tests."""

import datetime as dt

import holidays

from schedules.models import Semester

WEEKDAYS = "一二三四五六日"


def add_semesters_114_115(school) -> None:
    """114 學年度 both terms and 115 學年度 first term, as the demo school has them."""
    Semester.objects.create(school=school, school_year=114, term=1, start_date=dt.date(2025, 8, 30),
                            end_date=dt.date(2026, 1, 20))
    Semester.objects.create(school=school, school_year=114, term=2, start_date=dt.date(2026, 2, 11),
                            end_date=dt.date(2026, 6, 30))
    Semester.objects.create(school=school, school_year=115, term=1, start_date=dt.date(2026, 8, 31),
                            end_date=dt.date(2027, 1, 20))


def office_calendar_rows(year: int, overrides: dict[dt.date, tuple[int, str]] | None = None) -> list[list[str]]:
    """A full year in the government's layout, built from the holidays package, with some days changed."""
    tw = holidays.country_holidays("TW", years=year, language="zh_TW")
    overrides = overrides or {}
    rows = [["西元日期", "星期", "是否放假", "備註"]]
    day = dt.date(year, 1, 1)
    while day.year == year:
        if day in overrides:
            flag, note = overrides[day]
        elif tw.is_working_day(day):
            flag, note = 0, ""
        else:
            flag, note = 2, tw.get(day, "")
        rows.append([day.strftime("%Y%m%d"), WEEKDAYS[day.weekday()], str(flag), note])
        day += dt.timedelta(days=1)
    return rows


def to_csv(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    text = "\r\n".join(",".join(r) for r in rows) + "\r\n"
    return text.encode(encoding)
