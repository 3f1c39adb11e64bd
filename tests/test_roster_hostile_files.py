"""Hostile spreadsheets: each is made here, refused with a clear message, and reading it grows a
fresh process's peak memory by less than 100 MB.

The reader runs in a child process that imports everything first and then reports the growth of
its own peak resident size (VmHWM) across the one call: honest (a reader that allocated the sheet
would show it, or abort the child, not the test run) and steady (nothing else runs in that child).
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import olefile
import pytest
from flask_babel import force_locale

from projectunion.services.rosters import safety
from tests.factories import roster_person, roster_xls, roster_xlsx

ROOT = Path(__file__).resolve().parent.parent
MAX_GROWTH_KB = 100 * 1024

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    '{main}"/><Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main">{dimension}<sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"
HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>身份证号</t></is></c></row>'


def workbook(sheet_data: str, *, dimension: str = "", main: str = "spreadsheetml.sheet.main+xml", extra=()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(main=main))
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        head = SHEET_HEAD.format(dimension=f'<dimension ref="{dimension}"/>' if dimension else "")
        archive.writestr("xl/worksheets/sheet1.xml", head + sheet_data + SHEET_TAIL)
        for name, body in extra:
            archive.writestr(name, body)
    return out.getvalue()


def corner_cells() -> bytes:
    """The field trial's file: only A1 and XFD1048576 (the reader would ask for 512 GiB)."""
    return workbook(HEADER_ROW + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')


def declared_dimension() -> bytes:
    return workbook(HEADER_ROW, dimension="A1:XFD1048576")


def far_rows_without_references() -> bytes:
    """No r= anywhere: 16,384 cells in the first row, one more a million rows down."""
    wide = "<row>" + '<c t="inlineStr"><is><t>x</t></is></c>' + "<c/>" * 16_382 + "<c><v>1</v></c></row>"
    return workbook(wide + '<row r="1048576"><c><v>1</v></c></row>')


def zip_bomb(tmp_path: Path, megabytes: int = 160, *, lie: bool = False) -> bytes:
    """A sheet of megabytes of XML squeezed into a few hundred kilobytes; with ``lie``, the zip
    declares the sheet 1 KB unpacked (a reader that trusts the declared size is fooled)."""
    path = tmp_path / "bomb.xlsx"
    filler = "<row/>" * (2**20 // 6)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(main="spreadsheetml.sheet.main+xml"))
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_HEAD.format(dimension="").encode() + HEADER_ROW.encode())
            block = filler.encode()
            for _ in range(megabytes):
                sheet.write(block)
            sheet.write(SHEET_TAIL.encode())
    data = path.read_bytes()
    return _declare_small(data, "xl/worksheets/sheet1.xml") if lie else data


def _declare_small(data: bytes, name: str) -> bytes:
    """Rewrite the central directory's and the local header's uncompressed size of ``name`` to 1 KB."""
    data = bytearray(data)
    encoded = name.encode()
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(name)
    # Local header: sizes at offset 18 (compressed) and 22 (uncompressed), or in the zip64 extra field.
    local = info.header_offset
    name_length, extra_length = struct.unpack_from("<HH", data, local + 26)
    extra_at = local + 30 + name_length
    _patch_sizes(data, local + 22, extra_at, extra_length)
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length, extra_length = struct.unpack_from("<HH", data, position + 28)
        if bytes(data[position + 46 : position + 46 + name_length]) == encoded:
            _patch_sizes(data, position + 24, position + 46 + name_length, extra_length)
        position = data.find(b"PK\x01\x02", position + 4)
    return bytes(data)


def _patch_sizes(data: bytearray, plain_size_at: int, extra_at: int, extra_length: int) -> None:
    if struct.unpack_from("<I", data, plain_size_at)[0] != 0xFFFFFFFF:
        struct.pack_into("<I", data, plain_size_at, 1024)
        return
    end = extra_at + extra_length
    while extra_at < end:
        tag, size = struct.unpack_from("<HH", data, extra_at)
        if tag == 0x0001:
            struct.pack_into("<Q", data, extra_at + 4, 1024)  # the uncompressed size comes first
            return
        extra_at += 4 + size


ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:'
    'xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>'
)


def ods(rows: str) -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        f'<office:spreadsheet><table:table table:name="Sheet1">{rows}</table:table></office:spreadsheet>'
        "</office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), safety.ODS_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
        archive.writestr("content.xml", content)
    return out.getvalue()


def ods_cell(text: str) -> str:
    return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'


def ods_repeated_cell() -> bytes:
    """One cell with content, repeated 16,384 columns wide and a million rows down."""
    return ods(
        '<table:table-row table:number-rows-repeated="1048576"><table:table-cell '
        'table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p>'
        "</table:table-cell></table:table-row>"
    )


def ods_far_cell() -> bytes:
    return ods(
        "<table:table-row>" + ods_cell("姓名") + ods_cell("身份证号") + "</table:table-row>"
        '<table:table-row table:number-rows-repeated="1048574"><table:table-cell '
        'table:number-columns-repeated="16384"/></table:table-row><table:table-row><table:table-cell '
        'table:number-columns-repeated="16383"/>' + ods_cell("y") + "</table:table-row>"
    )


HEADER_CELLS = {(0, 0): "姓名", (0, 1): "身份证号"}
DIMENSIONS, ROW, SST, CODEPAGE = 0x0200, 0x0208, 0x00FC, 0x0042


def patch_records(data: bytes, change) -> bytes:
    """An old .xls with its BIFF records rewritten in place: ``change(kind, body)`` returns None (keep
    the record) or a (kind, body) of the same length."""
    out = io.BytesIO(data)
    with olefile.OleFileIO(out, write_mode=True) as ole:
        stream = bytearray(ole.openstream("Workbook").read())
        at = 0
        while at + 4 <= len(stream):
            kind, length = struct.unpack_from("<HH", stream, at)
            new = change(kind, bytes(stream[at + 4 : at + 4 + length]))
            if new is not None:
                assert len(new[1]) == length
                struct.pack_into("<H", stream, at, new[0])
                stream[at + 4 : at + 4 + length] = new[1]
            at += 4 + length
        ole.write_stream("Workbook", bytes(stream))
    return out.getvalue()


def declare(first_row, rows_end, first_column, columns_end):
    """A change that makes every sheet's DIMENSIONS record say this (BIFF8: rows u32, columns u16)."""
    body = struct.pack("<IIHHH", first_row, rows_end, first_column, columns_end, 0)
    return lambda kind, old: (kind, body) if kind == DIMENSIONS else None


def xls_declared_dimension() -> bytes:
    """A two-cell sheet whose DIMENSIONS claims the whole BIFF8 grid, 65,536 x 256."""
    return patch_records(roster_xls(HEADER_CELLS), declare(0, 65_536, 0, 256))


def xls_declared_four_billion_rows() -> bytes:
    return patch_records(roster_xls(HEADER_CELLS), declare(0, 2**32 - 1, 0, 256))


def xls_far_cell() -> bytes:
    """One cell at IV65536 (row 65,535, column 255); the DIMENSIONS and ROW records say nothing of it."""

    def hide(kind, body):
        if kind == ROW and struct.unpack_from("<H", body)[0] == 65_535:
            return kind, struct.pack("<HHH", 1, 0, 2) + body[6:]
        return declare(0, 2, 0, 2)(kind, body)

    return patch_records(roster_xls({**HEADER_CELLS, (65_535, 255): 1}), hide)


def xls_string_count() -> bytes:
    """A string table announcing 2**31 - 1 texts (the reader makes room for them all first)."""
    return patch_records(
        roster_xls(HEADER_CELLS),
        lambda kind, body: (kind, body[:4] + struct.pack("<i", 2**31 - 1) + body[8:]) if kind == SST else None,
    )


def xls_sheets_at_the_limit(sheets: int = 3) -> bytes:
    """Sheets each within the limits, each spanning A1:BZ30000: the reader lays them all out at once."""
    corner = {**HEADER_CELLS, (safety.MAX_SHEET_ROWS - 1, safety.MAX_SHEET_COLUMNS - 1): 1}
    return roster_xls(*[corner] * sheets)


def xls_zeroed() -> bytes:
    """A compound file's header and nothing but zeros after it (the reader asks for 2 GiB)."""
    return roster_xls([roster_person(1)])[:512] + bytes(8192)


def read_in_a_child(tmp_path: Path, data: bytes, filename: str) -> dict:
    path = tmp_path / filename
    path.write_bytes(data)
    script = textwrap.dedent(
        f"""
        import json, sys
        sys.path.insert(0, {str(ROOT)!r})
        from flask_babel import force_locale
        from projectunion import create_app
        from projectunion.services.rosters import RosterFileError, read_table

        def peak_kb():
            for line in open("/proc/self/status"):
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])

        app = create_app({{"TESTING": True, "SECRET_KEY": "x", "DATA_KEY": "k" * 46, "DATABASE_URL": "sqlite://"}})
        data = open({str(path)!r}, "rb").read()
        with app.test_request_context(), force_locale("en"):
            before = peak_kb()
            try:
                rows = sum(1 for _ in read_table(data, {filename!r}))
                answer = {{"rows": rows}}
            except RosterFileError as exc:
                answer = {{"code": exc.error.code, "message": str(exc.error.message)}}
            answer["growth_kb"] = peak_kb() - before
        print(json.dumps(answer))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


TOO_LARGE = "The sheet uses cells beyond row 30,000 or column BZ"
UNSAFE = "The file unpacks to far more than a roster could hold"
TOO_MUCH = "The workbook holds far more cells or texts than a roster could."
UNREADABLE = "The file is not a readable spreadsheet (XLSX, XLS, ODS) or CSV text."


@pytest.mark.parametrize(
    "make, filename, code, message",
    [
        (lambda tmp: corner_cells(), "roster.xlsx", "sheet_too_large", TOO_LARGE),
        (lambda tmp: declared_dimension(), "roster.xlsx", "sheet_too_large", TOO_LARGE + " (XFD1048576)"),
        (lambda tmp: far_rows_without_references(), "roster.xlsx", "sheet_too_large", TOO_LARGE),
        (lambda tmp: zip_bomb(tmp), "roster.xlsx", "unsafe_file", UNSAFE),
        # The sizes it declares do not match what it holds: refused as damaged, before any reader.
        (lambda tmp: zip_bomb(tmp, lie=True), "roster.xlsx", "unreadable_file", "The file is not a readable"),
        (lambda tmp: ods_repeated_cell(), "roster.ods", "sheet_too_large", TOO_LARGE),
        (lambda tmp: ods_far_cell(), "roster.ods", "sheet_too_large", TOO_LARGE),
        (lambda tmp: xls_declared_dimension(), "roster.xls", "sheet_too_large", TOO_LARGE + " (IV65536)"),
        (lambda tmp: xls_declared_four_billion_rows(), "roster.xls", "sheet_too_large", TOO_LARGE),
        (lambda tmp: xls_far_cell(), "roster.xls", "sheet_too_large", TOO_LARGE + " (IV65536)"),
        (lambda tmp: xls_string_count(), "roster.xls", "unsafe_file", TOO_MUCH),
        (lambda tmp: xls_sheets_at_the_limit(), "roster.xls", "unsafe_file", TOO_MUCH),
        (lambda tmp: xls_zeroed(), "roster.xls", "unreadable_file", UNREADABLE),
    ],
    ids=[
        "corner-cells",
        "declared-dimension",
        "no-references",
        "zip-bomb",
        "zip-bomb-lying-sizes",
        "ods-repeat",
        "ods-far",
        "xls-declared-dimension",
        "xls-four-billion-rows",
        "xls-far-cell",
        "xls-string-count",
        "xls-sheets-at-the-limit",
        "xls-zeroed",
    ],
)
def test_hostile_spreadsheets_are_refused_in_bounded_memory(tmp_path, make, filename, code, message):
    answer = read_in_a_child(tmp_path, make(tmp_path), filename)
    assert answer.get("code") == code, answer
    assert answer["message"].startswith(message)
    assert answer["growth_kb"] < MAX_GROWTH_KB, answer


def test_an_ordinary_roster_reads_in_the_same_child(tmp_path):
    """The measurement itself: a real roster is read there, so the refusals above are not an artefact."""
    answer = read_in_a_child(tmp_path, roster_xlsx([roster_person(n) for n in range(1, 1000)]), "roster.xlsx")
    assert answer["rows"] == 1000
    assert answer["growth_kb"] < MAX_GROWTH_KB


def test_an_ordinary_old_xls_roster_reads_in_the_same_child(tmp_path):
    answer = read_in_a_child(tmp_path, roster_xls([roster_person(n) for n in range(1, 1000)]), "roster.xls")
    assert answer["rows"] == 1000
    assert answer["growth_kb"] < MAX_GROWTH_KB


@pytest.mark.parametrize(
    "cell, refused",
    [
        ((safety.MAX_SHEET_ROWS - 1, safety.MAX_SHEET_COLUMNS - 1), False),
        ((safety.MAX_SHEET_ROWS, 0), True),
        ((1, safety.MAX_SHEET_COLUMNS), True),
    ],
    ids=["BZ30000", "A30001", "CA2"],
)
def test_the_sheet_limit_of_an_old_xls_is_exactly_where_it_says(cell, refused):
    data = roster_xls({**HEADER_CELLS, cell: 1})
    if not refused:
        assert safety.check(data) == safety.XLS
        return
    with pytest.raises(safety.UnsafeFile) as info:
        safety.check(data)
    assert info.value.code == "sheet_too_large"


def with_directory_entry(data: bytes, name: str, kind: int) -> bytes:
    """An old .xls with one more directory entry (a storage is 1, a stream 2) in an unused slot: the reader
    looks names up in the whole directory, reachable from the root or not."""
    data = bytearray(data)
    root = data.find("Root Entry".encode("utf-16-le"))
    at = next(at for at in range(root, root + 512, 128) if data[at + 66] == 0)
    encoded = name.encode("utf-16-le") + b"\0\0"
    entry = bytearray(128)
    entry[: len(encoded)] = encoded
    struct.pack_into("<HBB", entry, 64, len(encoded), kind, 1)
    struct.pack_into("<III", entry, 68, *(olefile.NOSTREAM,) * 3)
    struct.pack_into("<II", entry, 116, olefile.ENDOFCHAIN, 0)
    data[at : at + 128] = entry
    return bytes(data)


def test_an_old_xls_with_macros_or_a_password_is_refused_as_such():
    plain = roster_xls(HEADER_CELLS)
    assert safety.check(with_directory_entry(plain, "_VBA_PROJECT_CUR", 1)) == safety.XLSM
    password = "The workbook is password-protected: save it without a password."
    encrypted_xlsx = with_directory_entry(plain, "EncryptionInfo", 2)
    filepass = patch_records(plain, lambda kind, body: (0x002F, body) if kind == CODEPAGE else None)
    for data in (encrypted_xlsx, filepass):
        with pytest.raises(safety.UnsafeFile) as info, force_locale("en"):
            safety.check(data)
        assert str(info.value.message) == password


def test_the_sheet_limit_is_exactly_where_it_says(tmp_path):
    at_limit = workbook(
        HEADER_ROW + f'<row r="{safety.MAX_SHEET_ROWS}"><c r="BZ{safety.MAX_SHEET_ROWS}"><v>1</v></c></row>'
    )
    beyond_row = workbook(
        HEADER_ROW + f'<row r="{safety.MAX_SHEET_ROWS + 1}"><c r="A{safety.MAX_SHEET_ROWS + 1}"><v>1</v></c></row>'
    )
    beyond_column = workbook(HEADER_ROW + '<row r="2"><c r="CA2"><v>1</v></c></row>')
    assert safety.check(at_limit) == safety.XLSX
    for data in (beyond_row, beyond_column):
        with pytest.raises(safety.UnsafeFile) as info:
            safety.check(data)
        assert info.value.code == "sheet_too_large"


def test_an_ods_with_libreoffices_million_empty_trailing_rows_is_read():
    data = ods(
        "<table:table-row>" + ods_cell("姓名") + ods_cell("身份证号") + "</table:table-row>"
        '<table:table-row table:number-rows-repeated="1048575"><table:table-cell '
        'table:number-columns-repeated="1024"/></table:table-row>'
    )
    assert safety.check(data) == safety.ODS


def test_too_many_parts_are_refused():
    data = workbook(HEADER_ROW, extra=[(f"xl/media/image{n}.png", b"x") for n in range(safety.MAX_ZIP_ENTRIES)])
    with pytest.raises(safety.UnsafeFile) as info:
        safety.check(data)
    assert info.value.code == "unsafe_file"
