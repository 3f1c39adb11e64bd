"""Reading a roster file: XLSX/XLS/ODS or CSV text in any of the usual encodings, and its header row."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import python_calamine

from projectunion.exceptions import ValidationError
from projectunion.exports import FORMULA_STARTS
from projectunion.i18n import _l
from projectunion.services.rosters import safety

FIELDS = ("name", "id_number", "phone", "trade", "entered_on")
REQUIRED = ("name", "id_number")
#: The headers an export writes (and an import reads back).
EXPORT_HEADERS = {"name": "姓名", "id_number": "身份证号", "phone": "手机号", "trade": "工种", "entered_on": "进场日期"}
FIELD_LABELS = {
    "name": _l("Name"),
    "id_number": _l("ID number"),
    "phone": _l("Phone"),
    "trade": _l("Trade"),
    "entered_on": _l("Entry date"),
}
ALIASES = {
    "name": ("姓名", "名字", "工人姓名", "员工姓名", "人员姓名", "name", "fullname", "workername"),
    "id_number": (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "公民身份证号码",
        "身份证",
        "身份证件号码",
        "证件号码",
        "证件号",
        "idnumber",
        "id",
        "idno",
        "idcard",
        "idcardnumber",
        "residentid",
    ),
    "phone": (
        "手机号",
        "手机号码",
        "手机",
        "联系电话",
        "电话",
        "电话号码",
        "联系方式",
        "phone",
        "mobile",
        "phonenumber",
        "mobilephone",
        "telephone",
        "tel",
    ),
    "trade": ("工种", "岗位", "工种岗位", "trade", "job", "worktype", "occupation"),
    "entered_on": (
        "进场日期",
        "进场时间",
        "入场日期",
        "进场",
        "entered_on",
        "enteredon",
        "entrydate",
        "dateentered",
        "startdate",
        "joinedon",
    ),
}
_HEADER_INDEX = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
_HEADER_NOISE = re.compile(r"[\s*＊:：_\-]|[(（【\[].*?[)）】\]]")

MAX_BYTES = 10 * 1024 * 1024
HEADER_SEARCH_ROWS = 10

FILE_COLUMN = "file"
# Control characters no text file has: the sign of a damaged or binary file.
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


@dataclass(slots=True)
class RowError:
    """One problem: ``row`` as the spreadsheet numbers it, ``column`` a field name (or "file")."""

    row: int
    column: str
    code: str
    message: Any

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "message": str(self.message)}


class RosterFileError(ValidationError):
    """The file as a whole cannot be read (not a roster, wrong encoding, too big)."""

    def __init__(self, code: str, message: Any) -> None:
        self.error = RowError(0, FILE_COLUMN, code, message)
        super().__init__({"file": message}, message)
        self.details["rows"] = [self.error.as_dict()]


def _unreadable() -> RosterFileError:
    return RosterFileError(
        "unreadable_file", _l("The file is not a readable spreadsheet (XLSX, XLS, ODS) or CSV text.")
    )


def _spreadsheet_rows(data: bytes) -> Iterator[tuple[int, list]]:
    """Rows one at a time, no further than the sheet limits (the file has passed ``safety.check``)."""
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        visible = [
            i for i, meta in enumerate(book.sheets_metadata) if meta.visible == python_calamine.SheetVisibleEnum.Visible
        ]
        sheet = book.get_sheet_by_index(visible[0] if visible else 0)
        if sheet.height > safety.MAX_SHEET_ROWS or sheet.width > safety.MAX_SHEET_COLUMNS:
            raise safety.UnsafeFile("sheet_too_large", "")
        pad = [None] * (sheet.start[1] if sheet.start else 0)  # so that columns keep their letters
        rows = sheet.iter_rows()
    except python_calamine.PasswordError:
        error = safety._password_protected()
        raise RosterFileError(error.code, error.message) from None
    except safety.UnsafeFile:
        raise RosterFileError(*_too_large()) from None
    except (python_calamine.CalamineError, IndexError, ValueError):
        raise _unreadable() from None
    for number, cells in enumerate(rows, start=1):
        yield number, pad + cells if pad else cells


def _too_large() -> tuple[str, Any]:
    error = safety._too_large()
    return error.code, error.message


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030; never a guess that loses characters."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise RosterFileError(
            "unreadable_encoding",
            _l("The text is neither UTF-8 nor GB18030. Save the file as “CSV UTF-8” or as an Excel workbook."),
        ) from None


def _csv_rows(data: bytes) -> Iterator[tuple[int, list]]:
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")) and _BINARY.search(data[:65536].decode("latin-1")):
        raise _unreadable()
    try:
        text = decode_text(data)
    except UnicodeDecodeError:
        raise RosterFileError("unreadable_encoding", _l("The text file is damaged and cannot be decoded.")) from None
    if _BINARY.search(text[:65536]):
        raise _unreadable()
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", "\t", ";"), key=first_line.count)
    yield from enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)


#: What a file's name says it is, by its ending.
EXTENSIONS = {
    ".xlsx": safety.XLSX,
    ".xlsm": safety.XLSM,
    ".xlsb": safety.XLSB,
    ".xls": safety.XLS,
    ".ods": safety.ODS,
    ".csv": safety.TEXT,
    ".txt": safety.TEXT,
    ".tsv": safety.TEXT,
}
#: What the file picker offers: every format the importer reads.
ACCEPT = ".xlsx,.xls,.ods,.csv,.txt,.tsv"
KIND_LABELS = {
    safety.XLSX: _l("an Excel workbook (XLSX)"),
    safety.XLSM: _l("an Excel workbook with macros (XLSM)"),
    safety.XLSB: _l("a binary Excel workbook (XLSB)"),
    safety.XLS: _l("an old Excel workbook (XLS)"),
    safety.ODS: _l("an OpenDocument spreadsheet (ODS)"),
    safety.TEXT: _l("text (CSV)"),
}


def _kind(data: bytes, filename: str | None) -> str:
    """The content's kind, refused when unsafe, a macro workbook, or not what the name says."""
    try:
        kind = safety.check(data)
    except safety.UnsafeFile as exc:
        raise RosterFileError(exc.code, exc.message) from None
    named = EXTENSIONS.get(("." + filename.rsplit(".", 1)[-1].lower()) if filename and "." in filename else "")
    if kind == safety.XLSM or named == safety.XLSM:
        raise RosterFileError(
            "macro_workbook",
            _l("Workbooks with macros (XLSM) are not accepted: save the roster as an ordinary Excel workbook (XLSX)."),
        )
    if kind == safety.XLSB or named == safety.XLSB:
        raise RosterFileError(
            "unreadable_file",
            _l("Binary workbooks (XLSB) are not accepted: save the roster as an Excel workbook (XLSX)."),
        )
    if filename and named is None and kind != safety.TEXT:
        named = kind  # an unknown ending: the content decides
    if filename and named is not None and named != kind:
        if named in (safety.XLS, safety.XLSX, safety.ODS) and kind == safety.TEXT:
            raise _unreadable()
        raise RosterFileError(
            "wrong_extension",
            _l(
                "The file is called “%(name)s” but holds %(kind)s: save it again in the format its name says.",
                name=filename,
                kind=KIND_LABELS[kind],
            ),
        )
    return kind


def read_table(data: bytes, filename: str | None = None) -> Iterator[tuple[int, list]]:
    """(row number, cells) for every row of the file's first visible sheet, or of the CSV text.

    A spreadsheet is checked before it is read (``safety``); ``filename``, when given,
    must agree with the content.
    """
    if not data:
        raise RosterFileError("empty_file", _l("The file is empty."))
    if len(data) > MAX_BYTES:
        raise RosterFileError(
            "file_too_large", _l("The file is larger than %(mb)d MB: split the roster.", mb=MAX_BYTES // 2**20)
        )
    return _csv_rows(data) if _kind(data, filename) == safety.TEXT else _spreadsheet_rows(data)


def header_key(text: Any) -> str:
    """A header reduced to what identifies it: no spaces, marks, case or notes in brackets."""
    if not isinstance(text, str):
        return ""
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", text).lower())


def map_headers(cells: list) -> dict[str, int]:
    """Field name -> column index; the first column wins when two mean the same field."""
    mapping: dict[str, int] = {}
    for index, text in enumerate(cells):
        name = _HEADER_INDEX.get(header_key(text))
        if name is not None and name not in mapping:
            mapping[name] = index
    return mapping


def _cell(value: Any) -> Any:
    """Empty cells become None; text is stripped and loses a formula guard written by our export."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_STARTS:
            return value[1:]
    return value


def _blank(cells: list) -> bool:
    return all(_cell(c) is None for c in cells)


def _locate_header(rows: Iterable[tuple[int, list]]) -> tuple[int, list, dict[str, int], Iterator[tuple[int, list]]]:
    """The header is the first of the first few non-blank rows naming two known columns
    (a title row above it is common); failing that, the first non-blank row."""
    iterator = iter(rows)
    seen: list[tuple[int, list]] = []
    for number, cells in iterator:
        if _blank(cells):
            continue
        seen.append((number, cells))
        if len(map_headers(cells)) >= 2:
            return number, cells, map_headers(cells), iterator
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        raise RosterFileError("empty_file", _l("The file has no rows."))
    number, cells = seen[0]
    return number, cells, map_headers(cells), iter(seen[1:] + list(iterator))


_column_letter = safety.column_letter
