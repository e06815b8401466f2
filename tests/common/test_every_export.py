"""Every download of the project, over the sweep's world: one file-name style (民國 year and month), CSV in UTF-8
with a BOM, XLSX with the header frozen, columns as wide as their Chinese headers, and leave amounts in 日 and
小時 as the screen shows them. A new export URL fails ``test_every_export_is_listed`` until it is added here."""

import io
import re
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from common.exports import export_filename, text_width
from tests.sweep import project_routes
from tests.sweep_world import fixtures

world, as_role = fixtures()

# (who downloads, url name, args, query)
EXPORTS = [
    ("personnel", "attendance:export", ["csv"], {"month": "2025-10"}),
    ("personnel", "attendance:export", ["xlsx"], {"month": "2025-10"}),
    ("personnel", "attendance:sheet_export", [], {"month": "2025-10"}),
    ("personnel", "leave:overview", [], {"export": "csv"}),
    ("personnel", "leave:overview", [], {"export": "xlsx"}),
    ("personnel", "leave:balances", [], {"export": "csv"}),
    ("personnel", "leave:balances", [], {"export": "xlsx"}),
    ("academic", "substitutes:pay_csv", [], {"month": "2025-10"}),
    ("academic", "substitutes:pay_xlsx", [], {"month": "2025-10"}),
    ("academic", "substitutes:fairness_xlsx", [], {}),
]
# Pages that answer a download when asked (?export=…), besides the URLs named for one.
EXPORTING_PAGES = {"leave:overview", "leave:balances"}

NAME = re.compile(r"^[^-/\\]+-\d{2,3}年(\d{1,2}月(\d{1,2}日)?)?\.(csv|xlsx)$")


def test_every_export_is_listed():
    named = {r.name for r in project_routes() if not r.is_api and ("export" in r.route or "report." in r.route)}
    assert named <= {name for _who, name, _args, _query in EXPORTS}
    assert {name for _who, name, _args, _query in EXPORTS} >= EXPORTING_PAGES


def _filename(response) -> str:
    disposition = response["Content-Disposition"]
    if "filename*=utf-8''" in disposition:
        return unquote(disposition.split("filename*=utf-8''", 1)[1])
    return disposition.split('filename="', 1)[1].rstrip('"')


@pytest.mark.parametrize(("who", "name", "args", "query"), EXPORTS, ids=lambda v: v if isinstance(v, str) else None)
def test_every_export_is_named_encoded_and_laid_out_alike(who, name, args, query, world, as_role):
    response = as_role(who).get(reverse(name, args=args), query)
    assert response.status_code == 200
    filename = _filename(response)
    assert NAME.match(filename), filename
    if filename.endswith(".csv"):
        assert response.content.startswith("\ufeff".encode())
        header = response.content.decode("utf-8-sig").splitlines()[0].split(",")
        assert not [h for h in header if h.endswith("時數")]  # amounts carry their unit: （日）（小時）
        return
    book = load_workbook(io.BytesIO(response.content))
    for sheet in book.worksheets:
        assert sheet.freeze_panes, f"{filename} {sheet.title}: header not frozen"
        header_row = int(re.sub(r"\D", "", sheet.freeze_panes)) - 1
        for cell in sheet[header_row]:
            if cell.value:
                width = sheet.column_dimensions[cell.column_letter].width
                assert width >= text_width(cell.value), f"{filename} {sheet.title}: {cell.value!r} is cut ({width})"
        assert not [c.value for c in sheet[header_row] if isinstance(c.value, str) and c.value.endswith("時數")]


def test_a_balance_is_days_and_hours(world, as_role):
    book = load_workbook(io.BytesIO(as_role("personnel").get(reverse("leave:balances"), {"export": "xlsx"}).content))
    rows = list(book.active.values)
    header = rows[0]
    teacher = next(r for r in rows if r[1] == world.staff("teacher").name)
    granted = (teacher[header.index("事假核給（日）")], teacher[header.index("事假核給（小時）")])
    assert granted == (7, 0)  # 56 hours on the screen is 7日0小時
    hours = [h for h in header if isinstance(h, str) and h.endswith("（小時）")]
    assert all(0 <= (teacher[header.index(h)] or 0) < 8 for h in hours)


def test_the_name_style():
    assert export_filename("出勤月報", 2026, 11, "xlsx") == "出勤月報-115年11月.xlsx"
    assert export_filename("假單", 2026, 11, "csv", day=30) == "假單-115年11月30日.csv"


def test_an_english_reader_gets_the_leave_exports_headers_in_english(world, as_role):
    user = world.staff("personnel").user
    before, user.language = user.language, "en"
    user.save(update_fields=["language"])
    try:
        client = as_role("personnel")
        balances = load_workbook(io.BytesIO(client.get(reverse("leave:balances"), {"export": "xlsx"},
                                                       HTTP_ACCEPT_LANGUAGE="en").content))
        requests = load_workbook(io.BytesIO(client.get(reverse("leave:overview"), {"export": "xlsx"},
                                                       HTTP_ACCEPT_LANGUAGE="en").content))
    finally:
        user.language = before
        user.save(update_fields=["language"])
    header = list(next(balances.active.values))
    assert header[:2] == ["Employee number", "Name"] and "Unpaid (days)" in header
    assert [h for h in header if h.endswith("Granted (days)")]
    assert [h for h in header if h.endswith("Remaining (hours)")]
    assert not [h for h in header if "（" in h]  # every unit in English: " (days)", " (hours)"
    header = list(next(requests.active.values))
    assert "Length (days)" in header and "Submitted at" in header


@pytest.mark.parametrize(("who", "name", "args", "query"), EXPORTS, ids=lambda v: v if isinstance(v, str) else None)
def test_every_export_speaks_the_language_of_whoever_downloads_it(who, name, args, query, world, as_role):
    """In English, a file's headers, sheet names, titles and worded cells are English: only names (people, the
    school, units, classes, subjects) and typed text stay as written (the file name keeps its one style)."""
    from tests.config.test_english_journeys import allowed_words, english_client, leaks

    response = english_client(world, as_role, who).get(reverse(name, args=args), query)
    assert response.status_code == 200
    if _filename(response).endswith(".csv"):
        text = response.content.decode("utf-8-sig")
    else:
        book = load_workbook(io.BytesIO(response.content))
        text = "\n".join([sheet.title for sheet in book.worksheets] + [
            str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
            for value in row if value is not None
        ])
    assert leaks(text.replace(",", "\n"), allowed_words(world)) == []
