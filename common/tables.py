"""Rows of an uploaded table (CSV/TSV text, or a sheet's cells) that every importer reads the same way.

What the importers share, whatever they import (the roster, the office calendar, the timetable):
rows are numbered as a spreadsheet shows them (the header is row 1); a problem is reported with its
row number (``RowError``); and a cell no person would type — longer than ``MAX_CELL_CHARS`` — is
refused with its row number before anything else is read, instead of reaching the database or
crashing the CSV reader (Python's reader gives up on a field over 128 KB).
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

# The longest text any imported field holds is a few hundred characters (a name, a note); 1,000
# leaves room for a long remark and still refuses a pasted document.
MAX_CELL_CHARS = 1000


@dataclass(frozen=True)
class RowError:
    """One problem of an imported file, at its row (the header is row 1)."""

    row: int
    code: str
    message: str

    def __str__(self) -> str:
        return _("第 %(row)d 列：%(message)s") % {"row": self.row, "message": self.message}


def csv_table(text: str, *, delimiter: str = ",") -> tuple[list[list[str]], list[RowError]]:
    """The rows of CSV text, and the rows it refuses (over-long cells; a record the reader cannot
    read). With any refusal the caller rejects the file whole, listing them."""
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            rows.append(cells)
    except csv.Error:
        # Python's reader stops at a field over its limit (128 KB) or a broken quote: the row it was on.
        return rows, [_too_long(len(rows) + 1)]
    return rows, overlong_cells(rows)


def overlong_cells(rows: Iterable[Sequence[str]], *, first_row: int = 1) -> list[RowError]:
    """The rows with a cell longer than ``MAX_CELL_CHARS`` (numbered from ``first_row``)."""
    return [
        _too_long(number)
        for number, cells in enumerate(rows, start=first_row)
        if any(len(cell) > MAX_CELL_CHARS for cell in cells)
    ]


def _too_long(row: int) -> RowError:
    return RowError(
        row, "cell_too_long",
        _("有一格超過 %(max)d 個字，不像是這份檔案的資料；請檢查這一列。") % {"max": MAX_CELL_CHARS},
    )
