"""Checks a spreadsheet must pass before any reader sees it.

A spreadsheet's declared size is input too. The reader (calamine) allocates a
sheet's whole range, from its first to its last cell, before a single row comes
out: a 2-KB XLSX whose only cells are A1 and XFD1048576 asks for 512 GiB and
aborts the process, and a few megabytes of zip can unpack to gigabytes of XML.
So the zip is checked first (number of parts, unpacked sizes counted as they
are unpacked rather than as declared, compression ratio), then every sheet's
declared dimension and the position of every cell, streaming, in bounded memory.
Only a file that passes reaches the reader, whose range is then bounded by
``MAX_SHEET_ROWS`` x ``MAX_SHEET_COLUMNS``.
"""

from __future__ import annotations

import io
import pyexpat
import re
import zipfile
from typing import Any

from projectunion.i18n import _l

MAX_SHEET_ROWS = 30_000
MAX_SHEET_COLUMNS = 78  # A … BZ
MAX_ZIP_ENTRIES = 500
MAX_UNPACKED_BYTES = 100 * 2**20  # all parts together
MAX_RATIO = 100  # unpacked / packed, for parts over RATIO_FLOOR
RATIO_FLOOR = 2**20
CHUNK = 2**20

XLSX, XLSM, XLSB, ODS, XLS, TEXT = "xlsx", "xlsm", "xlsb", "ods", "xls", "text"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

# A cell or row reference (r="…") beyond row 30,000 or column BZ, or one that is not plainly
# letters and digits (which the exact, slower scan then judges). Kept in step with the limits above.
_SUSPECT_REF = re.compile(
    rb' r="(?:[A-Za-z]{3}|[C-Zc-z][A-Za-z]|[A-Za-z]{0,2}(?:\d{6}|[4-9]\d{4}|3(?!0000)\d{4})"|(?![A-Za-z]{0,2}\d{1,5}"))'
)
_DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\s+ref\s*=\s*["\']([^"\']*)["\']')
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")


class UnsafeFile(Exception):
    """The file is refused before reading; ``code`` and ``message`` say why."""

    def __init__(self, code: str, message: Any) -> None:
        self.code, self.message = code, message
        super().__init__(str(message))


def column_letter(index: int) -> str:
    """0 → A, 77 → BZ."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index - 1


def _too_large(cell: str | None = None) -> UnsafeFile:
    return UnsafeFile(
        "sheet_too_large",
        _l(
            "The sheet uses cells beyond row %(rows)s or column %(column)s%(cell)s. A roster has at most "
            "%(max)s rows: delete everything below and to the right of the roster, save, and upload again.",
            rows=f"{MAX_SHEET_ROWS:,}",
            column=column_letter(MAX_SHEET_COLUMNS - 1),
            cell=f" ({cell})" if cell else "",
            max=f"{20_000:,}",
        ),
    )


def _within(row: int, column: int, cell: str | None = None) -> None:
    """``row`` and ``column`` counted from 0."""
    if row >= MAX_SHEET_ROWS or column >= MAX_SHEET_COLUMNS:
        raise _too_large(cell)


def _not_a_spreadsheet() -> UnsafeFile:
    return UnsafeFile("unreadable_file", _l("The file is not a readable spreadsheet (XLSX, XLS, ODS) or CSV text."))


def _unsafe() -> UnsafeFile:
    return UnsafeFile(
        "unsafe_file",
        _l(
            "The file unpacks to far more than a roster could hold (over %(mb)d MB, or more than %(parts)d parts). "
            "Open it in Excel or WPS, save it as a new XLSX workbook and upload that.",
            mb=MAX_UNPACKED_BYTES // 2**20,
            parts=MAX_ZIP_ENTRIES,
        ),
    )


def sniff(data: bytes) -> str:
    """What the content is, whatever the file is called: a zip is looked into (not unpacked)."""
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return XLS
    if data[:4] != b"PK\x03\x04":
        return TEXT
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {info.filename for info in archive.infolist()[: MAX_ZIP_ENTRIES + 1]}
            if "mimetype" in names:
                with archive.open("mimetype") as stream:
                    if stream.read(100).strip() == ODS_MIMETYPE:
                        return ODS
            types = b""
            if "[Content_Types].xml" in names:
                with archive.open("[Content_Types].xml") as stream:
                    types = stream.read(2**16)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError, RuntimeError):
        raise _not_a_spreadsheet() from None
    if "xl/workbook.bin" in names:
        return XLSB
    if "xl/vbaProject.bin" in names or b"macroenabled" in types.lower():
        return XLSM
    if "xl/workbook.xml" in names:
        return XLSX
    raise _not_a_spreadsheet()


def check_zip(data: bytes, kind: str) -> None:
    """Refuse a zip with too many parts, parts that unpack too far, or sheets beyond the limits.

    Every part is unpacked in chunks and counted as it comes out (a zip's declared sizes
    can lie); the sheets are scanned in the same pass.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _not_a_spreadsheet() from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise _unsafe()
        if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
            raise _unsafe()
        for info in infos:
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise _unsafe()
        budget = MAX_UNPACKED_BYTES
        for info in infos:
            if info.is_dir():
                continue
            if kind == ODS and info.filename == "content.xml":
                scan: Any = _OdsScan()
            elif kind == XLSX and info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                scan = _XlsxScan()
            else:
                scan = None
            size = _unpack(archive, info, budget, scan)
            if isinstance(scan, _XlsxScan) and scan.odd:
                _unpack(archive, info, budget, _ExactXlsxScan())
            budget -= size


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, scan: Any) -> int:
    """Unpack one part in chunks, feeding ``scan``; stop at the budget or an odd ratio."""
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > budget or (size > RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1)):
                    raise _unsafe()
                if scan is not None:
                    scan.feed(chunk)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        raise _not_a_spreadsheet() from None
    if scan is not None:
        scan.close()
    return size


class _XlsxScan:
    """One worksheet's XML, fast: its declared dimension and every ``r="…"`` reference.

    A regular expression runs over each chunk, cut at a tag boundary. When a row or
    cell has no reference, a tag has a namespace prefix or a reference looks odd, the
    part is marked ``odd`` and judged again by an exact XML parse, which places
    unreferenced cells the way the reader does.
    """

    def __init__(self) -> None:
        self.carry = b""
        self.odd = False
        self.seen_dimension = False

    def feed(self, chunk: bytes) -> None:
        if self.odd:
            return
        buffer = self.carry + chunk
        cut = buffer.rfind(b"<")
        if cut < 0 or len(buffer) - cut > CHUNK:
            cut = len(buffer)
        self.carry, buffer = buffer[cut:], buffer[:cut]
        if not self.seen_dimension and (match := _DIMENSION.search(buffer)):
            self.seen_dimension = True
            for ref in match[1].decode("latin-1").split(":"):
                cell = _REF.fullmatch(ref.strip())
                if cell is not None:
                    _within(int(cell[2]) - 1, _column_index(cell[1]), ref)
        elements = sum(buffer.count(tag) for tag in (b"<c ", b"<c>", b"<c/>", b"<row ", b"<row>"))
        self.odd = (
            buffer.count(b' r="') < elements
            or b":c " in buffer
            or b":c>" in buffer
            or b":row" in buffer
            or _SUSPECT_REF.search(buffer) is not None
        )

    def close(self) -> None:
        if self.carry:
            chunk, self.carry = self.carry, b""
            self.feed(chunk + b"<")


class _ExpatScan:
    """A sheet's XML fed in chunks to expat; malformed XML is not a readable spreadsheet."""

    parser: Any

    def feed(self, chunk: bytes) -> None:
        try:
            self.parser.Parse(chunk, False)
        except pyexpat.ExpatError:
            raise _not_a_spreadsheet() from None

    def close(self) -> None:
        try:
            self.parser.Parse(b"", True)
        except pyexpat.ExpatError:
            raise _not_a_spreadsheet() from None


class _ExactXlsxScan(_ExpatScan):
    """Rows and cells placed as the reader places them: by reference, else one after the previous."""

    def __init__(self) -> None:
        self.parser = pyexpat.ParserCreate()
        self.parser.StartElementHandler = self.start
        self.row = -1
        self.column = -1

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "row":
            ref = attrs.get("r")
            self.row = int(ref) - 1 if ref and ref.isdigit() else self.row + 1
            self.column = -1
            _within(self.row, 0)
        elif local == "c":
            ref = attrs.get("r")
            if ref:
                cell = _REF.fullmatch(ref)
                if cell is None:
                    raise _not_a_spreadsheet()
                self.row, self.column = int(cell[2]) - 1, _column_index(cell[1])
            else:
                self.column += 1
            _within(self.row, self.column, ref)
        elif local == "dimension":
            for ref in (attrs.get("ref") or "").split(":"):
                cell = _REF.fullmatch(ref.strip())
                if cell is not None:
                    _within(int(cell[2]) - 1, _column_index(cell[1]), ref)


_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


class _OdsScan(_ExpatScan):
    """An ODS ``content.xml``: every table's extent up to its last cell with content.

    Repeated rows and columns (``number-rows-repeated``, ``number-columns-repeated``)
    count as many times as they say: LibreOffice writes a million empty trailing rows
    that way, which the reader skips, but content after them is placed after them.
    """

    def __init__(self) -> None:
        self.parser = pyexpat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.depth_in_cell = 0
        self.row = 0  # next row's index
        self.row_span = 1
        self.column = 0
        self.cell_span = 1

    @staticmethod
    def _repeat(attrs: dict[str, str], name: str) -> int:
        value = attrs.get(f"{_TABLE} {name}", "1")
        return int(value) if value.isdigit() and 0 < int(value) < 2**31 else 1

    def _content(self) -> None:
        _within(self.row + self.row_span - 1, self.column + self.cell_span - 1)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if self.depth_in_cell:
            self.depth_in_cell += 1
            self._content()
            return
        if name == f"{_TABLE} table":
            self.row = 0
        elif name == f"{_TABLE} table-row":
            self.row_span = self._repeat(attrs, "number-rows-repeated")
            self.column = 0
        elif name in (f"{_TABLE} table-cell", f"{_TABLE} covered-table-cell"):
            self.cell_span = self._repeat(attrs, "number-columns-repeated")
            self.depth_in_cell = 1
            if f"{_OFFICE} value-type" in attrs:
                self._content()

    def end(self, name: str) -> None:
        if self.depth_in_cell:
            self.depth_in_cell -= 1
            if self.depth_in_cell:
                return
            self.column += self.cell_span
        elif name == f"{_TABLE} table-row":
            self.row += self.row_span


def check(data: bytes) -> str:
    """The content's kind, after refusing a zip that is unsafe to read (see the module's docstring)."""
    kind = sniff(data)
    if kind in (XLSX, XLSM, XLSB, ODS):
        check_zip(data, kind)
    return kind
