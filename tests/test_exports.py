"""CSV and XLSX files that open correctly in Excel and never run a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from projectunion import exports, reporting

DANGEROUS = ["=1+1", "+86 138", "-2+3", "@SUM(A1)", "\t=cmd", "\r=cmd", '=HYPERLINK("http://x")']


@pytest.fixture(autouse=True)
def english(app):
    """Assert the source strings: outside a request the default locale (Chinese) would apply."""
    with force_locale("en"):
        yield


def parse_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel then reads Chinese correctly
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("text", DANGEROUS)
def test_no_csv_cell_starts_a_formula(text):
    rows = parse_csv(exports.csv_bytes(["名字"], [[text]]))
    assert rows == [["名字"], ["'" + text]]


def test_csv_keeps_chinese_numbers_money_and_dates_as_they_are():
    data = exports.csv_bytes(
        ["姓名", "人数", "金额", "日期", "空"],
        [["阿依古丽·买买提", 12, Decimal("1234.50"), dt.date(2024, 3, 1), None], ["𠮷野", 0, Decimal("0"), None, ""]],
    )
    assert parse_csv(data) == [
        ["姓名", "人数", "金额", "日期", "空"],
        ["阿依古丽·买买提", "12", "1234.50", "2024-03-01", ""],
        ["𠮷野", "0", "0.00", "", ""],
    ]


def test_a_long_csv_streams_in_chunks_with_one_bom():
    chunks = list(exports.iter_csv(["n"], ([i] for i in range(1200))))
    assert len(chunks) > 2
    assert "".join(chunks).count("\ufeff") == 1
    assert parse_csv("".join(chunks).encode()) == [["n"], *[[str(i)] for i in range(1200)]]


def test_xlsx_text_is_never_a_formula_and_numbers_stay_numbers():
    data = exports.xlsx_bytes(
        ["姓名", "金额", "日期"],
        [["=1+1", Decimal("1234.50"), dt.date(2024, 3, 1)], ["王五", 3, None]],
        title="按区统计: 2024/1",
    )
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.title == "按区统计  2024 1"
    assert sheet["A1"].value == "姓名" and sheet["A1"].font.bold
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == Decimal("1234.50") or sheet["B2"].value == 1234.5
    assert sheet["B2"].number_format == "#,##0.00"
    assert sheet["C2"].value == dt.datetime(2024, 3, 1)
    assert sheet["B3"].value == 3 and sheet["C3"].value is None


def test_report_table_has_the_total_and_says_how_it_relates_to_the_rows(app):
    period = reporting.Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31), dt.date(2024, 12, 31))
    metrics = [reporting.BY_NAME["new_members"], reporting.BY_NAME["members_in_period"]]
    report = reporting.Report(
        period,
        None,
        "district",
        metrics,
        [
            reporting.Row("371002", "环翠区", {"new_members": 2, "members_in_period": 3}),
            reporting.Row("371003", "文登区", {"new_members": 1, "members_in_period": 2}),
        ],
        reporting.Row("", "Total", {"new_members": 3, "members_in_period": 4}),
    )
    header, rows = exports.report_table(report)
    assert header == ["District", "New members", "Members during the period"]
    assert rows[:3] == [["环翠区", 2, 3], ["文登区", 1, 2], ["Total", 3, 4]]
    assert rows[3] == ["How the total relates to the rows", "sum of the rows", "distinct people, not the sum"]


def test_an_id_number_stays_text_in_both_formats():
    number = "371002198503040012"
    assert parse_csv(exports.csv_bytes(["身份证号"], [[exports.Text(number)], [exports.Text("")]])) == [
        ["身份证号"],
        [number + "\t"],  # Excel reads a cell with a tab as text, not as 3.71002E+17
        [""],
    ]
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes(["身份证号"], [[exports.Text(number)]], widths=[22]))).active
    assert sheet["A2"].value == number and sheet["A2"].data_type == "s" and sheet["A2"].number_format == "@"
    assert sheet.column_dimensions["A"].width == 22
