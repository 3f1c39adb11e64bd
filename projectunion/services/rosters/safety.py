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

An old binary ``.xls`` is a compound file (OLE2) holding a stream of BIFF records.
The reader trusts its sizes as well: the compound file's sector counts and stream
lengths, a sheet's DIMENSIONS record (up to 65,536 x 256 cells, or 2**32 rows), the
row and column of each cell, the number of strings the string table announces. And
unlike an XLSX it builds every sheet of the workbook at once. So the compound file is
opened by ``olefile`` (which reads the workbook stream into memory: at most the upload
limit, 12 MB) and every declared size is held against the file's own; then the BIFF
records are walked from each sheet's start, as the reader walks them, one record at
a time without keeping them.
"""

from __future__ import annotations

import io
import pyexpat
import re
import struct
import zipfile
from typing import Any

import olefile

from projectunion.i18n import _l

MAX_SHEET_ROWS = 30_000
MAX_SHEET_COLUMNS = 78  # A … BZ
MAX_ZIP_ENTRIES = 500
MAX_UNPACKED_BYTES = 100 * 2**20  # all parts together
MAX_RATIO = 100  # unpacked / packed, for parts over RATIO_FLOOR
RATIO_FLOOR = 2**20
CHUNK = 2**20
#: Cells the reader may lay out over all the sheets of an old .xls (it builds them all):
#: as many as one sheet at the limits.
MAX_XLS_CELLS = MAX_SHEET_ROWS * MAX_SHEET_COLUMNS
MAX_XLS_STRINGS = 500_000  # distinct texts in an old .xls: a roster of 20,000 rows has far fewer

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


def _password_protected() -> UnsafeFile:
    return UnsafeFile("unreadable_file", _l("The workbook is password-protected: save it without a password."))


def _too_much() -> UnsafeFile:
    return UnsafeFile(
        "unsafe_file",
        _l(
            "The workbook holds far more cells or texts than a roster could. Keep only the roster's sheet, "
            "save it as a new XLSX workbook and upload that."
        ),
    )


# BIFF record types (MS-XLS 2.3).
_BOF = 0x0809
_EOF = 0x000A
_BOUNDSHEET = 0x0085
_FILEPASS = 0x002F
_SST = 0x00FC
_DIMENSIONS = 0x0200
_ROW = 0x0208
_FORMULA = 0x0006
_MULRK, _MULBLANK = 0x00BD, 0x00BE
#: Records of one cell, beginning with its row and column (u16 each).
_CELLS = frozenset((_FORMULA, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00D6))
_WORKBOOK_STREAMS = ("Workbook", "Book")  # BIFF8, BIFF5: the reader takes the first it finds
_ENCRYPTED_OOXML = ("EncryptionInfo", "EncryptedPackage")  # an XLSX with a password is a compound file
_MACROS = "_VBA_PROJECT_CUR"


def check_xls(data: bytes) -> str:
    """Refuse an old .xls whose compound file or sheets declare more than a roster could hold.

    ``XLSM`` when it carries a macro project (it is refused as a macro workbook).
    """
    try:
        ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    except Exception:  # noqa: BLE001 - a damaged compound file fails in many ways; all mean the same here
        raise _not_a_spreadsheet() from None
    with ole:
        names = _directory_names(ole, len(data))
        if any(name in names for name in _ENCRYPTED_OOXML):
            raise _password_protected()
        if _MACROS in names:
            return XLSM
        streams = [names[name] for name in _WORKBOOK_STREAMS if name in names]
        if not streams:
            raise _not_a_spreadsheet()
        for sid in streams:  # the reader falls back on "Book" when "Workbook" fails: both are checked
            _check_biff(_read_stream(ole, sid))
    return XLS


def _directory_names(ole: olefile.OleFileIO, file_size: int) -> dict[str, int]:
    """Each name in the directory and its first entry, reachable or not: the reader looks streams
    up in that order, by name, wherever they are.

    Sector counts and stream sizes larger than the file are what the reader would allocate
    before finding out: such a file is damaged.
    """
    counts = (ole.num_fat_sectors, ole.num_mini_fat_sectors, ole.num_difat_sectors, ole.num_dir_sectors)
    if any(count * ole.sector_size > file_size for count in counts):
        raise _not_a_spreadsheet()
    ole.directory_fp.seek(0)
    directory = ole.directory_fp.read()
    wide = ole.sector_size != 512  # version 4: 64-bit stream sizes
    names: dict[str, int] = {}
    for sid, at in enumerate(range(0, len(directory) - 127, 128)):
        if directory[at + 66] == 0:  # an unused entry
            continue
        length = min(struct.unpack_from("<H", directory, at + 64)[0], 64)
        name = directory[at : at + max(length - 2, 0)].decode("utf-16-le", errors="replace")
        if struct.unpack_from("<Q" if wide else "<I", directory, at + 120)[0] > file_size:
            raise _not_a_spreadsheet()
        names.setdefault(name, sid)
    return names


def _read_stream(ole: olefile.OleFileIO, sid: int) -> bytes:
    """The stream of directory entry ``sid``, found through the storage tree (so that it is that one)."""
    path = _path_to(ole.root, sid)
    if path is None:
        raise _not_a_spreadsheet()  # an entry no storage holds: the reader would read it, olefile cannot
    if ole.get_size(path) > MAX_UNPACKED_BYTES:
        raise _unsafe()
    try:
        return ole.openstream(path).read()
    except Exception:  # noqa: BLE001 - as in check_xls
        raise _not_a_spreadsheet() from None


def _path_to(storage: Any, sid: int) -> list[str] | None:
    stack = [(storage, [])]
    while stack:
        entry, path = stack.pop()
        for kid in entry.kids:
            if kid.sid == sid:
                return [*path, kid.name]
            stack.append((kid, [*path, kid.name]))
    return None


def _records(stream: bytes, at: int) -> Any:
    """(type, offset of data, length) of each record from ``at``, up to and with the EOF record."""
    end = len(stream)
    while at < end:
        if at + 4 > end:
            raise _not_a_spreadsheet()
        kind, length = struct.unpack_from("<HH", stream, at)
        if at + 4 + length > end:
            raise _not_a_spreadsheet()
        yield kind, at + 4, length
        at += 4 + length
        if kind == _EOF:
            return


def _check_biff(stream: bytes) -> None:
    """The workbook's globals (sheets, password, string table), then every sheet, as the reader walks them.

    A sheet is read from its BoundSheet offset to its EOF record. Sheets of a real workbook
    follow one another; one that starts inside the globals or another sheet, or runs into
    the next, is damaged (and would be read twice).
    """
    sheets: list[int] = []
    globals_end = 0
    for kind, at, length in _records(stream, 0):
        if at == 4 and kind != _BOF:
            raise _not_a_spreadsheet()
        globals_end = at + length
        if kind == _FILEPASS:
            raise _password_protected()
        if kind == _BOUNDSHEET:
            if length < 4:
                raise _not_a_spreadsheet()
            sheets.append(struct.unpack_from("<I", stream, at)[0])
        elif kind == _SST:
            if length < 8:
                raise _not_a_spreadsheet()
            strings = struct.unpack_from("<i", stream, at + 4)[0]
            if strings < 0:
                raise _not_a_spreadsheet()
            if strings > MAX_XLS_STRINGS:
                raise _too_much()
    sheets.sort()
    cells = 0
    for index, start in enumerate(sheets):
        if start < globals_end or start > len(stream):
            raise _not_a_spreadsheet()
        following = sheets[index + 1] if index + 1 < len(sheets) else len(stream) + 1
        cells += _check_sheet(stream, start, following)
        if cells > MAX_XLS_CELLS:
            raise _too_much()


def _check_sheet(stream: bytes, start: int, following: int) -> int:
    """Refuse a sheet beyond the limits; the cells the reader would lay out for it (values and formulas)."""
    values: list[int] = []  # first row, last row, first column, last column
    formulas: list[int] = []
    for kind, at, length in _records(stream, start):
        if (at - 4 == start and kind != _BOF) or at - 4 >= following:
            raise _not_a_spreadsheet()
        if kind in _CELLS:
            if length < 4:
                raise _not_a_spreadsheet()
            row, column = struct.unpack_from("<HH", stream, at)
            _within(row, column, _cell_name(row, column))
            _extend(values, row, row, column, column)
            if kind == _FORMULA:
                _extend(formulas, row, row, column, column)
        elif kind in (_MULRK, _MULBLANK):
            if length < 6:
                raise _not_a_spreadsheet()
            row, first = struct.unpack_from("<HH", stream, at)
            (last,) = struct.unpack_from("<H", stream, at + length - 2)
            _within(row, max(first, last), _cell_name(row, max(first, last)))
            _extend(values, row, row, min(first, last), max(first, last))
        elif kind == _ROW:
            if length < 6:
                raise _not_a_spreadsheet()
            row, first, after = struct.unpack_from("<HHH", stream, at)
            _within(row, max(first, after - 1, 0))
        elif kind == _DIMENSIONS:
            _check_dimensions(stream, at, length)
    return _area(values) + _area(formulas)


def _check_dimensions(stream: bytes, at: int, length: int) -> None:
    """First row, last row + 1, first column, last column + 1 (rows u32 in BIFF8, u16 before)."""
    if length == 14:
        first_row, rows_end, first_column, columns_end = struct.unpack_from("<IIHH", stream, at)
    elif length == 10:
        first_row, rows_end, first_column, columns_end = struct.unpack_from("<HHHH", stream, at)
    else:
        raise _not_a_spreadsheet()
    row, column = max(first_row, rows_end - 1), max(first_column, columns_end - 1)
    _within(row, column, _cell_name(row, column))
    if rows_end and columns_end and (first_row > rows_end or first_column > columns_end):
        raise _not_a_spreadsheet()  # the reader would count the rows between backwards


def _extend(box: list[int], first_row: int, last_row: int, first_column: int, last_column: int) -> None:
    if not box:
        box.extend((first_row, last_row, first_column, last_column))
        return
    box[0], box[1] = min(box[0], first_row), max(box[1], last_row)
    box[2], box[3] = min(box[2], first_column), max(box[3], last_column)


def _area(box: list[int]) -> int:
    return (box[1] - box[0] + 1) * (box[3] - box[2] + 1) if box else 0


def _cell_name(row: int, column: int) -> str:
    return f"{column_letter(column)}{row + 1}"


def check(data: bytes) -> str:
    """The content's kind, after refusing a file that is unsafe to read (see the module's docstring)."""
    kind = sniff(data)
    if kind in (XLSX, XLSM, XLSB, ODS):
        check_zip(data, kind)
    elif kind == XLS:
        return check_xls(data)
    return kind
