"""The shared download plumbing: CSV with the BOM Excel needs, XLSX tables, the attachment response."""

import io

from openpyxl import Workbook, load_workbook

from common.exports import csv_bytes, download, xlsx_bytes, xlsx_table


def test_csv_has_the_bom_and_excel_line_ends():
    data = csv_bytes(["姓名", "時數"], [["王小明", 8], ["李, 大華", None]])
    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8-sig") == '姓名,時數\r\n王小明,8\r\n"李, 大華",\r\n'


def test_xlsx_table_with_and_without_a_title():
    book = Workbook()
    titled = book.active
    xlsx_table(titled, ["姓名", "節數"], [["王小明", 3]], title="代課鐘點費")
    plain = book.create_sheet("明細")
    xlsx_table(plain, ["姓名"], [["李大華"], ["陳美玲"]])
    book = load_workbook(io.BytesIO(xlsx_bytes(book)))
    titled, plain = book.worksheets
    assert [list(r) for r in titled.iter_rows(values_only=True)] == [
        ["代課鐘點費", None], ["姓名", "節數"], ["王小明", 3]
    ]
    assert titled["A1"].font.b and titled["A1"].font.sz == 14
    assert titled["A2"].font.b and titled["B2"].font.b and not titled["A3"].font.b
    assert [r[0] for r in plain.iter_rows(values_only=True)] == ["姓名", "李大華", "陳美玲"]
    assert plain["A1"].font.b and not plain["A2"].font.b


def test_download_names_the_file_and_its_type():
    response = download(b"x", filename="report-11311.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="report-11311.csv"'
    response = download(b"x", filename="report.xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.content == b"x"
