"""Crew rosters (花名册): read a file, preview every row's problems, commit, export.

A roster says who works in a crew; it never makes anyone a union member.

Reading accepts XLSX/XLS/ODS (python-calamine) and CSV in UTF-8, UTF-8 with
BOM, UTF-16 with BOM or GB18030, with Chinese or English headers and their
common variants; extra columns are ignored and blank rows skipped. The
preview reports each problem by row (as the spreadsheet numbers it) and
column, and nothing is ever silently fixed (a numeric ID cell is an error).
Committing re-checks the file and writes the valid rows in one transaction,
with one look-up query per batch of ID numbers and bulk inserts, so a
10,000-row roster takes well under a second.

The package: ``reading`` (the file and its header), ``checking`` (one row),
``importing`` (preview and commit) and ``exporting`` (the file back out).
"""

from projectunion.permissions import can_export_roster  # the crew page asks here
from projectunion.services.rosters.checking import RosterRow
from projectunion.services.rosters.exporting import export_csv, export_table, export_xlsx, template_xlsx
from projectunion.services.rosters.importing import MAX_ROWS, LeaversNotConfirmed, RosterResult, import_roster
from projectunion.services.rosters.reading import (
    ACCEPT,
    ALIASES,
    EXPORT_HEADERS,
    FIELD_LABELS,
    FIELDS,
    MAX_BYTES,
    REQUIRED,
    RosterFileError,
    RowError,
    decode_text,
    header_key,
    map_headers,
    read_table,
)

__all__ = [
    "ACCEPT",
    "ALIASES",
    "EXPORT_HEADERS",
    "FIELDS",
    "FIELD_LABELS",
    "LeaversNotConfirmed",
    "MAX_BYTES",
    "MAX_ROWS",
    "REQUIRED",
    "RosterFileError",
    "RosterResult",
    "RosterRow",
    "RowError",
    "can_export_roster",
    "decode_text",
    "export_csv",
    "export_table",
    "export_xlsx",
    "header_key",
    "import_roster",
    "map_headers",
    "read_table",
    "template_xlsx",
]
