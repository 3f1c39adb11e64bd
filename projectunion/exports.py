"""Tables as files people open in Excel: CSV (UTF-8 with a BOM, so Excel reads
Chinese correctly) and XLSX.

No cell may start a formula: a text cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return gets a leading apostrophe in CSV (what Excel
itself shows for text typed that way), and is written as a plain string cell —
never a formula — in XLSX. Numbers stay numbers.

Text that looks like a number but is not one (an ID number, a phone) is
marked ``Text``: Excel would read "371002198503040012" as a number and keep
only 15 of its digits. In XLSX it is a cell formatted as text; in CSV it ends
with a tab, which makes Excel take the cell as text (the roster import strips
it again). Sheet names lose the characters Excel refuses (``/`` in a crew's
name, say) and are cut to 31 characters.

Every CSV and XLSX file the application writes goes through this module.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from projectunion import reporting
from projectunion.i18n import _l

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Excel's limits on a sheet name.
_SHEET_NAME_MAX = 31
_SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


class Text(str):
    """Text that must stay text in Excel however much it looks like a number."""

    __slots__ = ()


#: What ends a ``Text`` cell in CSV, so that Excel does not read it as a number.
TEXT_MARK = "\t"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def csv_cell(value: Any) -> str:
    """The text of one CSV cell, defused if it could start a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if _is_number(value):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    return text + TEXT_MARK if isinstance(value, Text) and text else text


def iter_csv(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV text in chunks (the first starts with the BOM), for streaming a long list."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([csv_cell(h) for h in header])
    for i, row in enumerate(rows, start=1):
        writer.writerow([csv_cell(v) for v in row])
        if i % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    return "".join(iter_csv(header, rows)).encode("utf-8")


def sheet_title(title: Any) -> str:
    cleaned = str(title).translate(_SHEET_NAME_FORBIDDEN).strip().strip("'") or "Sheet"
    return cleaned[:_SHEET_NAME_MAX]


def xlsx_bytes(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], title: Any = "Sheet", widths: Sequence[float] = ()
) -> bytes:
    """An XLSX workbook of one sheet; text is never a formula, money has two decimals, dates are dates.

    ``widths`` are the first columns' widths, in characters.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(title))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)

    def cell(value: Any, *, heading: bool = False) -> WriteOnlyCell:
        if isinstance(value, Decimal):
            c = WriteOnlyCell(sheet, value=value)
            c.number_format = "#,##0.00"
        elif _is_number(value) or isinstance(value, (dt.date, dt.datetime)) or value is None:
            c = WriteOnlyCell(sheet, value=value)
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                c.number_format = "yyyy-mm-dd"
        else:
            c = WriteOnlyCell(sheet, value=str(value))
            c.data_type = "s"  # a string, even when it begins with "=": never a formula
            c.number_format = "@"  # and it stays text when someone edits it in Excel
        if heading:
            c.font = bold
        return c

    sheet.append([cell(h, heading=True) for h in header])
    for row in rows:
        sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------
# What is exported: a report's table, a drill-down list
# ---------------------------------------------------------------------------

TOTAL_RULE_SHORT = {
    "sum": _l("sum of the rows"),
    "distinct": _l("distinct people, not the sum"),
    "snapshot": _l("on the last day, not the sum"),
}


def report_table(report: reporting.Report) -> tuple[list[Any], list[list[Any]]]:
    """The report as a header and rows: one line per group, the total, and how the total relates to the rows."""
    first = reporting.DIMENSION_LABELS[report.by] if report.by else _l("Jurisdiction")
    header = [str(first), *[str(m.label) for m in report.metrics]]
    rows = [[str(r.label), *[r.values[m.name] for m in report.metrics]] for r in report.rows]
    rows.append([str(report.total.label), *[report.total.values[m.name] for m in report.metrics]])
    if report.by is not None:
        rows.append(
            [
                str(_l("How the total relates to the rows")),
                *[str(TOTAL_RULE_SHORT[report.total_rule(m)]) for m in report.metrics],
            ]
        )
    else:
        rows[-1][0] = report.scope.name if report.scope is not None else str(report.total.label)
    return header, rows


def listing_table(listing: reporting.Listing, rows: Iterable[dict[str, Any]]) -> tuple[list[Any], Iterator[list[Any]]]:
    header = [str(label) for _name, label in listing.columns]
    names = [name for name, _label in listing.columns]
    return header, ([row.get(n) for n in names] for row in rows)
