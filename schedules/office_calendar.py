"""Reading the government's 「中華民國政府行政機關辦公日曆表」 CSV (data.gov.tw dataset 14718).

The published layout, one row per day of the year::

    西元日期,星期,是否放假,備註
    20250101,三,2,開國紀念日
    20250102,四,0,
    20250208,六,0,補行上班

是否放假 is 0 (working day) or 2 (day off); 備註 is the holiday's name, 補假, 補行上班 / 調整上班,
or empty. Files have been published in Big5 (cp950) and in UTF-8 with a BOM.

The parser is strict (``common.imports``: a Django Form per row): a file with any bad row is
rejected whole, and every bad row is reported with its row number (the header is row 1), so the
personnel office can fix the file and import it again.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.i18n import enumerate_text, separate_text
from common.imports import Cell, RowForm, TableError, read_table, validate_rows

HEADER = ("西元日期", "星期", "是否放假", "備註")
WEEKDAYS = "一二三四五六日"
WORKING, DAY_OFF = "0", "2"
MAX_LISTED_MISSING = 10


@dataclass(frozen=True)
class OfficeDayRow:
    line: int
    date: dt.date
    is_day_off: bool
    note: str


@dataclass(frozen=True)
class ParsedOfficeCalendar:
    encoding: str
    years: tuple[int, ...]
    rows: tuple[OfficeDayRow, ...]


class OfficeCalendarFileError(Exception):
    """The file cannot be imported; ``errors`` lists every problem (「第 5 列：…」)."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def parse(content: bytes) -> ParsedOfficeCalendar:
    """The file's days (``common.imports``: decoded, each row checked by ``OfficeDayForm``), or
    ``OfficeCalendarFileError`` listing every problem."""
    try:
        table = read_table(content)
    except TableError as exc:
        if exc.code == "invalid_rows":
            raise OfficeCalendarFileError([str(error) for error in exc.errors]) from exc
        if exc.declared == "UTF-8":
            raise OfficeCalendarFileError([_("檔案標示為 UTF-8 但內容有無法解讀的字元")]) from exc
        raise OfficeCalendarFileError([_("無法辨識檔案編碼，請使用 Big5 或 UTF-8 的 CSV 檔")]) from exc
    # The header is the first row with anything in it.
    header_row = next(
        (number for number, cells in enumerate(table.rows, start=1) if any(c.strip() for c in cells)), None
    )
    if header_row is None:
        raise OfficeCalendarFileError([_("檔案是空的")])
    header = [c.strip() for c in table.rows[header_row - 1]]
    if tuple(header[:4]) != HEADER:
        raise OfficeCalendarFileError(
            [
                _("第 %(line)d 列：標題應為「%(expected)s」，檔案裡是「%(found)s」")
                % {"line": header_row, "expected": ",".join(HEADER), "found": ",".join(header)}
            ]
        )
    records = [
        (number, {**cells, "width": str(len(table.rows[number - 1])), "spill": _spill(table.rows[number - 1])})
        for number, cells in table.records({"date": 0, "weekday": 1, "flag": 2, "note": 3}, first=header_row + 1)
    ]
    good, row_errors = validate_rows(records, OfficeDayForm, context={})
    # One line per row, its problems joined (「第 5 列：…；…」).
    by_row: dict[int, list[str]] = {}
    for error in row_errors:
        by_row.setdefault(error.row, []).append(error.message)
    errors = [
        _("第 %(line)d 列：%(problems)s") % {"line": row, "problems": separate_text(problems)}
        for row, problems in by_row.items()
    ]
    rows = [form.day for form in good]
    if not rows and not errors:
        errors.append(_("檔案沒有任何日期資料"))
    seen = {row.date for row in rows}
    years = sorted({r.date.year for r in rows})
    for year in years:
        missing = _missing_days(year, seen)
        if missing:
            listed = enumerate_text(d.isoformat() for d in missing[:MAX_LISTED_MISSING])
            more = "…" if len(missing) > MAX_LISTED_MISSING else ""
            errors.append(
                ngettext("%(year)d 年缺少 %(count)d 天：%(days)s%(more)s（辦公日曆表須列出全年每一天）",
                         "%(year)d 年缺少 %(count)d 天：%(days)s%(more)s（辦公日曆表須列出全年每一天）", len(missing))
                % {"year": year, "count": len(missing), "days": listed, "more": more}
            )
    if errors:
        raise OfficeCalendarFileError(errors)
    return ParsedOfficeCalendar(encoding=table.encoding, years=tuple(years), rows=tuple(rows))


def _spill(cells: list[str]) -> str:
    """"1" when the row has something past the fourth column."""
    return "1" if any(c.strip() for c in cells[4:]) else ""


class OfficeDayForm(RowForm[dict[dt.date, int]]):
    """One day of the office calendar. ``context``: the dates earlier rows gave, by row."""

    decisive_fields = ("width",)
    width = Cell()  # how many cells the row has
    spill = Cell()
    date = Cell()
    weekday = Cell()
    flag = Cell()
    note = Cell()

    day: OfficeDayRow

    def clean_width(self) -> str:
        width = self.cleaned_data["width"]
        if int(width) < 3 or self.data.get("spill"):
            raise ValidationError(
                _("應有 4 個欄位（西元日期,星期,是否放假,備註），此列有 %(count)d 個") % {"count": int(width)},
                code="columns",
            )
        return width

    def clean_date(self) -> dt.date:
        raw = self.cleaned_data["date"]
        try:
            if len(raw) != 8 or not (raw.isascii() and raw.isdigit()):
                raise ValueError
            return dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        except ValueError as exc:
            raise ValidationError(
                _("西元日期「%(value)s」不是有效的 YYYYMMDD 日期") % {"value": raw}, code="bad_date"
            ) from exc

    def clean_weekday(self) -> str:
        weekday, day = self.cleaned_data["weekday"], self.cleaned_data.get("date")
        if day is not None and weekday != WEEKDAYS[day.weekday()]:
            raise ValidationError(
                _("星期「%(value)s」與日期 %(date)s（星期%(actual)s）不符")
                % {"value": weekday, "date": day.isoformat(), "actual": WEEKDAYS[day.weekday()]},
                code="bad_weekday",
            )
        return weekday

    def clean_flag(self) -> str:
        flag = self.cleaned_data["flag"]
        if flag not in (WORKING, DAY_OFF):
            message = _("是否放假「%(value)s」應為 0（上班）或 2（放假）") % {"value": flag}
            raise ValidationError(message, code="bad_flag")
        return flag

    def clean_note(self) -> str:
        note = self.cleaned_data["note"]
        if len(note) > 100:
            raise ValidationError(_("備註超過 100 字"), code="note_too_long")
        return note

    def clean(self) -> dict[str, Any]:
        if self.failed():
            return self.cleaned_data
        day, seen = self.cleaned_data["date"], self.context
        if day in seen:
            self.problem(
                _("日期 %(date)s 重複（第 %(first)d 列已有）") % {"date": day.isoformat(), "first": seen[day]},
                "duplicate_date",
            )
            return self.cleaned_data
        seen[day] = self.row
        self.day = OfficeDayRow(line=self.row, date=day, is_day_off=self.cleaned_data["flag"] == DAY_OFF,
                                note=self.cleaned_data["note"])
        return self.cleaned_data


def _missing_days(year: int, seen: set[dt.date]) -> list[dt.date]:
    day, last, missing = dt.date(year, 1, 1), dt.date(year, 12, 31), []
    while day <= last:
        if day not in seen:
            missing.append(day)
        day += dt.timedelta(days=1)
    return missing
