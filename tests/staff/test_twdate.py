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


def test_parse_the_dates_personnel_files_hold():
    import pytest

    from staff.twdate import parse_tw_date

    expected = dt.date(2015, 8, 1)
    written = ["2015-08-01", "2015/8/1", "104/08/01", "104-8-1", "民國104年8月1日", "20150801", "1040801", " 104.8.1 "]
    for text in written:
        assert parse_tw_date(text) == expected, text
    assert parse_tw_date("99/12/31") == dt.date(2010, 12, 31)
    for bad in ["", "昨天", "2015-13-01", "104/02/30", "2015-08", "12345"]:
        with pytest.raises(ValueError):
            parse_tw_date(bad)


def test_an_aware_datetime_is_written_as_its_taipei_day():
    from django.utils import timezone

    # 2024-08-19 20:00 UTC is already the 20th in Taipei.
    moment = dt.datetime(2024, 8, 19, 20, 0, tzinfo=dt.UTC)
    assert timezone.is_aware(moment)
    assert format_roc_short(moment) == "113/08/20"
    assert format_roc_date(moment) == "民國 113 年 8 月 20 日 星期二"
