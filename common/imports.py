"""Importing a table: one way for every importer (the roster, the office calendar, the timetable).

1. **Decode** — ``read_table(data)``: the bytes as text in any encoding an office writes
   (``common.files.decode_office_text``), or the first sheet of a .xlsx when the importer takes
   one (``xlsx=True``); split into rows numbered as a spreadsheet shows them (the header is row 1);
   a cell no person would type is refused with its row number (``common.tables``). A file that cannot
   be read raises ``TableError`` (code ``encoding``, ``not_readable`` or ``invalid_rows``), which the
   importer words as its own domain error.
2. **Validate each row with a Django Form** — ``validate_rows(records, RowFormSubclass, context=)``:
   the fields are the importer's columns, ``clean_<column>`` and ``clean()`` raise (or add)
   ``ValidationError(message, code=...)``. Every problem of every row becomes a
   ``RowError(row, code, message)``, in the form's field order, then ``clean()``'s. The forms see the
   rows in file order and share ``context``: what the importer read once (the school's units, its
   people) and what earlier rows claimed (a number or account used twice in one file).
3. **All or nothing** — ``validate_rows`` returns the forms of the good rows and every error; with any
   error the importer raises its error listing them all, before it writes anything.
4. **One transaction, dry run** — ``import_transaction(dry_run=)``: the writes in one transaction,
   rolled back at the end of a dry run (everything checked and counted, nothing kept).
"""

import datetime as dt
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django import forms
from django.db import transaction

from common.files import UndecodableText, decode_office_text
from common.tables import RowError, csv_table, overlong_cells

XLSX_MAGIC = b"PK\x03\x04"  # a .xlsx is a zip file


class TableError(Exception):
    """The file cannot be read as a table. ``code``: ``encoding`` (``declared`` names the encoding a
    byte-order mark promised and the content broke), ``not_readable`` (a damaged workbook) or
    ``invalid_rows`` (``errors``: the rows with an over-long cell, or a record the reader cannot read)."""

    def __init__(self, code: str, *, errors: Iterable[RowError] = (), declared: str | None = None):
        super().__init__(code)
        self.code = code
        self.errors = list(errors)
        self.declared = declared


@dataclass(frozen=True)
class Table:
    """Every record of the file, the header first (row ``n`` is ``rows[n - 1]``), and how it was read:
    an encoding's name ("UTF-8 (BOM)", "Big5" ...) or "xlsx"."""

    rows: list[list[str]]
    encoding: str

    def records(self, columns: Mapping[str, int], *, first: int = 2) -> list[tuple[int, dict[str, str]]]:
        """(row number, {column: stripped cell}) of the rows from row ``first`` on, blank rows left out;
        a column the row is too short for reads as ""."""
        return [
            (number, {column: (cells[i].strip() if i < len(cells) else "") for column, i in columns.items()})
            for number, cells in enumerate(self.rows[first - 1:], start=first)
            if any(cell.strip() for cell in cells)
        ]


def read_table(data: bytes, *, delimiter: str | None = ",", xlsx: bool = False) -> Table:
    """The table in ``data``. ``delimiter=None`` reads a tab-separated file as such when its first line
    has tabs and no commas (what Excel's 「Unicode 文字」 saves); ``xlsx`` accepts a workbook too."""
    if xlsx and data.startswith(XLSX_MAGIC):
        rows = _xlsx_rows(data)
        refused = overlong_cells(rows)
        encoding = "xlsx"
    else:
        try:
            text, encoding = decode_office_text(data)
        except UndecodableText as exc:
            raise TableError("encoding", declared=exc.declared) from exc
        if delimiter is None:
            first_line = text.split("\n", 1)[0]
            delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
        rows, refused = csv_table(text, delimiter=delimiter)
    if refused:
        raise TableError("invalid_rows", errors=refused)
    return Table(rows=rows, encoding=encoding)


def _xlsx_rows(data: bytes) -> list[list[str]]:
    """The first sheet's cells as text: dates as ISO dates, whole numbers without ".0", empty as ""."""
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # a damaged or password-protected workbook
        raise TableError("not_readable") from exc

    def text(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return [[text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]


C = TypeVar("C")


class Cell(forms.CharField):
    """A column of an imported row: text, possibly empty (the form's ``clean_<column>`` says what a
    missing value means)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


class RowForm(forms.Form, Generic[C]):
    """One row of an imported table, validated as a Django Form. ``row`` is its number, ``context``
    what the importer shares with every row. A problem is a ``ValidationError(message, code=...)``
    (``invalid_value`` when it has no code).

    ``decisive_fields``: columns without which the rest of the row means nothing (the roster's
    employee number). When one of them fails, only its errors are reported; ``failed(name)`` lets the
    other checks skip their work (and what they would record in ``context``) in that case.
    """

    decisive_fields: Sequence[str] = ()

    def __init__(self, cells: Mapping[str, str], *, row: int, context: C) -> None:
        super().__init__(data=dict(cells))
        self.row = row
        self.context = context

    def failed(self, *names: str) -> bool:
        """Whether any of the fields ``names`` (any field, without names) has an error so far."""
        errors = getattr(self, "_errors", None) or {}
        return any(name in errors for name in names) if names else bool(errors)

    def problem(self, message: str, code: str) -> None:
        """Report a problem of the row as a whole (from ``clean()``), after the fields' own."""
        self.add_error(None, forms.ValidationError(message, code=code))

    def row_errors(self) -> list[RowError]:
        data = self.errors.as_data()
        decisive = [name for name in self.decisive_fields if name in data]
        return [
            RowError(self.row, error.code or "invalid_value", message)
            for name in (decisive or list(data))
            for error in data[name]
            for message in error.messages
        ]


F = TypeVar("F", bound=RowForm[Any])


def validate_rows(
    records: Iterable[tuple[int, Mapping[str, str]]], form_class: type[F], *, context: Any = None
) -> tuple[list[F], list[RowError]]:
    """One ``form_class`` per record, in file order: (the forms of the rows without a problem, every
    problem of every row)."""
    good: list[F] = []
    errors: list[RowError] = []
    for row, cells in records:
        form = form_class(cells, row=row, context=context)
        row_errors = form.row_errors()
        errors.extend(row_errors)
        if not row_errors:
            good.append(form)
    return good, errors


@contextmanager
def import_transaction(*, dry_run: bool = False) -> Iterator[None]:
    """The import's writes in one transaction; a dry run rolls it back at the end."""
    with transaction.atomic():
        yield
        if dry_run:
            transaction.set_rollback(True)
