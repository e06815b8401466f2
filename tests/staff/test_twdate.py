import datetime as dt

from staff.twdate import format_days_hours, format_roc_date, format_roc_short


def test_roc_date_with_weekday():
    assert format_roc_date(dt.date(2024, 8, 20)) == "民國 113 年 8 月 20 日 星期二"


def test_roc_short():
    assert format_roc_short(dt.date(2025, 1, 5)) == "114/01/05"


def test_days_hours_as_staff_read_them():
    assert format_days_hours(112) == "14日0小時"
    assert format_days_hours(13) == "1日5小時"
    assert format_days_hours(-3) == "-0日3小時"
