"""Downloads of tables: CSV that Excel opens right, XLSX through openpyxl, and the HTTP response."""

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def csv_bytes(header: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a BOM: Excel reads UTF-8 Chinese only with the BOM."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_table(
    sheet: Worksheet, header: Sequence[object], rows: Iterable[Sequence[object]], *, title: str | None = None
) -> None:
    """Append an optional title line (bold, larger), the header line (bold) and the rows; fit the columns'
    widths and freeze the rows down to the header."""
    if title is not None:
        sheet.append([title])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=14)
    sheet.append(list(header))
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    # What people need to read it: columns as wide as their Chinese headers and values, the header kept in
    # view while scrolling (a caller may freeze name columns too by setting freeze_panes after this).
    xlsx_fit_columns(sheet, skip_rows=header_row - 1)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1).coordinate


def text_width(value: object) -> int:
    """How many narrow columns a value takes in a spreadsheet cell: a CJK character (East Asian wide or
    full-width) takes two, anything else one; a multi-line value its longest line."""
    lines = str("" if value is None else value).splitlines() or [""]
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line) for line in lines)


def xlsx_fit_columns(sheet: Worksheet, *, skip_rows: int = 0, minimum: int = 4, maximum: int = 60) -> None:
    """Set every column's width to fit its widest cell (CJK counted double, plus a margin), ignoring
    the first ``skip_rows`` rows (a title line that spans the columns)."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=skip_rows + 1):
        for cell in row:
            if cell.value is not None:
                widths[cell.column] = max(widths.get(cell.column, 0), text_width(cell.value))
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = max(minimum, min(maximum, width + 2))


def xlsx_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_stem(name: str, year: int, month: int | None = None, *, day: int | None = None) -> str:
    """A download's name without its extension: what it is, then the 民國 year and month —
    ``出勤月報-115年11月`` (``…-115年`` for a year, ``…-115年11月30日`` for a day's list)."""
    period = f"{year - 1911}年" + (f"{month}月" if month else "") + (f"{day}日" if month and day else "")
    return f"{name}-{period}"


def export_filename(
    name: str, year: int, month: int | None = None, ext: str = "xlsx", *, day: int | None = None
) -> str:
    """One style for every download's name (``export_stem``) with its extension: ``出勤月報-115年11月.xlsx``."""
    return f"{export_stem(name, year, month, day=day)}.{ext}"


def days_and_hours(hours: int | None, *, hours_per_day: int = 8) -> tuple[int | str, int | str]:
    """An amount of leave as the screen shows it, in two cells: 56 → (7, 0), 12 → (1, 4), -3 → (0, -3)
    (the sign on each part), None → ("", "")."""
    if hours is None:
        return "", ""
    sign = -1 if hours < 0 else 1
    days, rest = divmod(abs(int(hours)), hours_per_day)
    return sign * days, sign * rest


def download(content: bytes, *, filename: str) -> HttpResponse:
    """An attachment named ``filename``; its extension (csv, xlsx, pdf) sets the content type. A name with
    Chinese in it travels as RFC 6266's ``filename*=utf-8''…`` (an ASCII name as a plain ``filename``)."""
    response = HttpResponse(content, content_type=CONTENT_TYPES[filename.rsplit(".", 1)[-1]])
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
