"""Reading the government's 「中華民國政府行政機關辦公日曆表」 CSV (data.gov.tw dataset 14718).

The published layout, one row per day of the year::

    西元日期,星期,是否放假,備註
    20250101,三,2,開國紀念日
    20250102,四,0,
    20250208,六,0,補行上班

是否放假 is 0 (working day) or 2 (day off); 備註 is the holiday's name, 補假, 補行上班 / 調整上班,
or empty. Files have been published in Big5 (cp950) and in UTF-8 with a BOM.

The parser is strict: a file with any bad row is rejected whole, and every bad row is reported
with its line number, so the personnel office can fix the file and import it again.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.utils.translation import gettext as _

from common.files import UndecodableText, decode_office_text
from common.tables import csv_table

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


def decode(content: bytes) -> tuple[str, str]:
    """(text, encoding name) by ``common.files.decode_office_text``: "UTF-8 (BOM)", "UTF-8", "Big5" ..."""
    try:
        return decode_office_text(content)
    except UndecodableText as exc:
        if exc.declared == "UTF-8":
            raise OfficeCalendarFileError([_("檔案標示為 UTF-8 但內容有無法解讀的字元")]) from exc
        raise OfficeCalendarFileError([_("無法辨識檔案編碼，請使用 Big5 或 UTF-8 的 CSV 檔")]) from exc


def parse(content: bytes) -> ParsedOfficeCalendar:
    text, encoding = decode(content)
    _table, refused = csv_table(text)
    if refused:
        raise OfficeCalendarFileError([str(error) for error in refused])
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[str] = []
    rows: list[OfficeDayRow] = []
    seen: dict[dt.date, int] = {}
    header_seen = False
    for cells in reader:
        line = reader.line_num
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if not header_seen:
            header_seen = True
            if tuple(cells[:4]) != HEADER:
                raise OfficeCalendarFileError(
                    [
                        _("第 %(line)d 列：標題應為「%(expected)s」，檔案裡是「%(found)s」")
                        % {"line": line, "expected": ",".join(HEADER), "found": ",".join(cells)}
                    ]
                )
            continue
        row, problem = _parse_row(line, cells)
        if problem:
            errors.append(problem)
            continue
        if row.date in seen:
            errors.append(
                _("第 %(line)d 列：日期 %(date)s 重複（第 %(first)d 列已有）")
                % {"line": line, "date": row.date.isoformat(), "first": seen[row.date]}
            )
            continue
        seen[row.date] = line
        rows.append(row)
    if not header_seen:
        raise OfficeCalendarFileError([_("檔案是空的")])
    if not rows and not errors:
        errors.append(_("檔案沒有任何日期資料"))
    years = sorted({r.date.year for r in rows})
    for year in years:
        missing = _missing_days(year, seen)
        if missing:
            listed = "、".join(d.isoformat() for d in missing[:MAX_LISTED_MISSING])
            more = "…" if len(missing) > MAX_LISTED_MISSING else ""
            errors.append(
                _("%(year)d 年缺少 %(count)d 天：%(days)s%(more)s（辦公日曆表須列出全年每一天）")
                % {"year": year, "count": len(missing), "days": listed, "more": more}
            )
    if errors:
        raise OfficeCalendarFileError(errors)
    return ParsedOfficeCalendar(encoding=encoding, years=tuple(years), rows=tuple(rows))


def _parse_row(line: int, cells: list[str]) -> tuple[OfficeDayRow | None, str]:
    if len(cells) < 3 or any(cells[4:]):
        return None, _("第 %(line)d 列：應有 4 個欄位（西元日期,星期,是否放假,備註），此列有 %(count)d 個") % {
            "line": line,
            "count": len(cells),
        }
    raw_date, weekday, flag = cells[0], cells[1], cells[2]
    note = cells[3] if len(cells) > 3 else ""
    problems = []
    day = None
    try:
        if len(raw_date) != 8 or not (raw_date.isascii() and raw_date.isdigit()):
            raise ValueError
        day = dt.date(int(raw_date[:4]), int(raw_date[4:6]), int(raw_date[6:]))
    except ValueError:
        problems.append(_("西元日期「%(value)s」不是有效的 YYYYMMDD 日期") % {"value": raw_date})
    if day is not None and weekday != WEEKDAYS[day.weekday()]:
        problems.append(
            _("星期「%(value)s」與日期 %(date)s（星期%(actual)s）不符")
            % {"value": weekday, "date": day.isoformat(), "actual": WEEKDAYS[day.weekday()]}
        )
    if flag not in (WORKING, DAY_OFF):
        problems.append(_("是否放假「%(value)s」應為 0（上班）或 2（放假）") % {"value": flag})
    if len(note) > 100:
        problems.append(_("備註超過 100 字"))
    if problems:
        return None, _("第 %(line)d 列：%(problems)s") % {"line": line, "problems": "；".join(problems)}
    return OfficeDayRow(line=line, date=day, is_day_off=flag == DAY_OFF, note=note), ""


def _missing_days(year: int, seen: dict[dt.date, int]) -> list[dt.date]:
    day, last, missing = dt.date(year, 1, 1), dt.date(year, 12, 31), []
    while day <= last:
        if day not in seen:
            missing.append(day)
        day += dt.timedelta(days=1)
    return missing
