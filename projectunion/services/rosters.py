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
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import python_calamine
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from sqlalchemy.dialects import postgresql

from projectunion import permissions
from projectunion.dates import today
from projectunion.exceptions import ValidationError
from projectunion.i18n import _l
from projectunion.models import Crew, CrewMember, User, Worker
from projectunion.models._columns import utcnow
from projectunion.protection import protector
from projectunion.realname import (
    RealNameError,
    check_min_age,
    normalize_name,
    normalize_phone,
    parse_id_number,
)
from projectunion.services import crews as crew_service
from projectunion.services.contractors import chunks
from projectunion.services.transaction import audit, unit_of_work
from projectunion.services.workers import mask_name

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
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?E\+?\d+", re.IGNORECASE)
_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_FORMULA_START = ("=", "+", "-", "@")

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
HEADER_SEARCH_ROWS = 10
TRADE_MAX = 50

FILE_COLUMN = "file"


@dataclass(slots=True)
class RowError:
    """One problem: ``row`` as the spreadsheet numbers it, ``column`` a field name (or "file")."""

    row: int
    column: str
    code: str
    message: Any

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "message": str(self.message)}


@dataclass(slots=True)
class RosterRow:
    """A non-blank data row, cleaned where its values are valid."""

    row: int
    name: str | None = None
    id_number: str | None = None
    masked: str | None = None
    phone: str | None = None
    trade: str | None = None
    entered_on: dt.date | None = None
    digest: str | None = None
    resident: Any = None
    errors: list[RowError] = field(default_factory=list)
    worker_id: int | None = None
    action: str | None = None  # join | update | unchanged (valid rows)

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass
class RosterResult:
    """What an import found and did (``committed``) or would do (a dry run)."""

    crew_id: int
    rows: list[RosterRow]
    errors: list[RowError]
    headers: dict[str, str]
    created: int = 0
    updated: int = 0
    left: int = 0
    new_workers: int = 0
    leaving: list[tuple[int, str, str]] = field(default_factory=list)  # (worker id, name, masked id)
    leavers_unknown: bool = False
    blocked: bool = False  # a required column is missing: no row can be read
    committed: bool = False
    _known: dict[str, tuple[int, str, str | None, str | None]] = field(default_factory=dict, repr=False)
    _members: dict[int, int] = field(default_factory=dict, repr=False)

    @property
    def valid(self) -> int:
        return 0 if self.blocked else sum(1 for r in self.rows if r.valid)

    @property
    def unchanged(self) -> int:
        return sum(1 for r in self.rows if r.action == "unchanged")

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": len(self.rows),
            "valid": self.valid,
            "errors": [e.as_dict() for e in self.errors],
            "committed": self.committed,
            "created": self.created,
            "updated": self.updated,
            "left": self.left,
            "unchanged": self.unchanged,
            "new_workers": self.new_workers,
            "leavers_unknown": self.leavers_unknown,
        }


class RosterFileError(ValidationError):
    """The file as a whole cannot be read (not a roster, wrong encoding, too big)."""

    def __init__(self, code: str, message: Any) -> None:
        self.error = RowError(0, FILE_COLUMN, code, message)
        super().__init__({"file": message}, message)
        self.details["rows"] = [self.error.as_dict()]


# --- reading ------------------------------------------------------------------


def _is_spreadsheet(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _spreadsheet_rows(data: bytes) -> Iterator[tuple[int, list]]:
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        visible = [
            i for i, meta in enumerate(book.sheets_metadata) if meta.visible == python_calamine.SheetVisibleEnum.Visible
        ]
        sheet = book.get_sheet_by_index(visible[0] if visible else 0)
        values = sheet.to_python(skip_empty_area=True)
        first_row = sheet.start[0] if sheet.start else 0
    except python_calamine.PasswordError:
        raise RosterFileError(
            "unreadable_file", _l("The workbook is password-protected: save it without a password.")
        ) from None
    except (python_calamine.CalamineError, IndexError, ValueError):
        raise RosterFileError(
            "unreadable_file", _l("The file could not be read as a spreadsheet (XLSX) or as CSV text.")
        ) from None
    for i, cells in enumerate(values):
        yield first_row + i + 1, cells


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
    try:
        text = decode_text(data)
    except UnicodeDecodeError:
        raise RosterFileError("unreadable_encoding", _l("The text file is damaged and cannot be decoded.")) from None
    if "\x00" in text:
        raise RosterFileError(
            "unreadable_file", _l("The file could not be read as a spreadsheet (XLSX) or as CSV text.")
        )
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", "\t", ";"), key=first_line.count)
    yield from enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)


def read_table(data: bytes) -> Iterator[tuple[int, list]]:
    """(row number, cells) for every row of the file's first visible sheet, or of the CSV text."""
    if not data:
        raise RosterFileError("empty_file", _l("The file is empty."))
    if len(data) > MAX_BYTES:
        raise RosterFileError(
            "file_too_large", _l("The file is larger than %(mb)d MB: split the roster.", mb=MAX_BYTES // 2**20)
        )
    return _spreadsheet_rows(data) if _is_spreadsheet(data) else _csv_rows(data)


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
        if len(value) > 1 and value[0] == "'" and value[1] in _FORMULA_START:
            return value[1:]
    return value


def _blank(cells: list) -> bool:
    return all(_cell(c) is None for c in cells)


# --- validating one row -----------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    match = _DATE.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


class _Checker:
    """Validates the rows of one file against one day, one minimum age and one header; cheap per row."""

    def __init__(self, on: dt.date, minimum_age: int, columns: dict[str, int]) -> None:
        self.on = on
        self.minimum_age = minimum_age
        self.indices = tuple(columns.get(name, -1) for name in FIELDS)

    def check(self, number: int, cells: list) -> RosterRow:
        width = len(cells)
        raw_name, raw_id, raw_phone, raw_trade, raw_date = (
            _cell(cells[i]) if 0 <= i < width else None for i in self.indices
        )
        row = RosterRow(number)
        errors = row.errors

        try:
            row.name = normalize_name(raw_name if raw_name.__class__ is str else _text(raw_name or ""))
        except RealNameError as exc:
            errors.append(RowError(number, "name", exc.code, exc.message))

        try:
            resident = parse_id_number(raw_id, today=self.on)
        except RealNameError as exc:
            if exc.code == "id_format" and _SCIENTIFIC.fullmatch(raw_id):
                # "3.71002E+17" is a number Excel already cut short: refused as a number is.
                try:
                    parse_id_number(float(raw_id), today=self.on)
                except RealNameError as numeric:
                    exc = numeric
            errors.append(RowError(number, "id_number", exc.code, exc.message))
            resident = None

        entered_on = self.on
        if raw_date is not None:
            parsed = _parse_date(raw_date)
            if parsed is None:
                message = _l("“%(value)s” is not a date; write it as 2024-03-01.", value=_text(raw_date))
                errors.append(RowError(number, "entered_on", "date_format", message))
            elif parsed > self.on:
                errors.append(RowError(number, "entered_on", "date_future", _l("The date cannot be in the future.")))
            else:
                entered_on = parsed
        row.entered_on = entered_on
        if resident is not None:
            try:
                check_min_age(resident, entered_on, self.minimum_age)
            except RealNameError as exc:
                errors.append(RowError(number, "id_number", exc.code, exc.message))
            row.resident = resident
            row.id_number = resident.number
            row.masked = resident.masked

        try:
            row.phone = normalize_phone(_text(raw_phone) if raw_phone is not None else None)
        except RealNameError as exc:
            errors.append(RowError(number, "phone", exc.code, exc.message))

        if raw_trade is not None:
            trade = " ".join(_text(raw_trade).split())
            if len(trade) > TRADE_MAX:
                message = _l("The trade has at most %(n)d characters.", n=TRADE_MAX)
                errors.append(RowError(number, "trade", "trade_length", message))
            else:
                row.trade = trade
        return row


# --- preview ----------------------------------------------------------------


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


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _preview(session: so.Session, crew: Crew, data: bytes, on: dt.date) -> RosterResult:
    header_row, header_cells, columns, body = _locate_header(read_table(data))
    headers = {
        name: f"{_text(header_cells[index]).strip()} ({_column_letter(index)})" for name, index in columns.items()
    }
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        errors = [
            RowError(
                header_row,
                name,
                "missing_column",
                _l(
                    "The file has no “%(column)s” column; the header row must name it, e.g. %(examples)s.",
                    column=FIELD_LABELS[name],
                    examples=" / ".join(ALIASES[name][:3] + (name,)),
                ),
            )
            for name in missing
        ]
        rows = [RosterRow(number) for number, cells in body if not _blank(cells)]
        return RosterResult(crew.id, rows, errors, headers, leavers_unknown=True, blocked=True)

    checker = _Checker(on, current_app.config.get("MIN_MEMBER_AGE", 16), columns)
    rows: list[RosterRow] = []
    for number, cells in body:
        if _blank(cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise RosterFileError(
                "too_many_rows", _l("The roster has more than %(n)d rows: split it into several files.", n=MAX_ROWS)
            )
        rows.append(checker.check(number, cells))
    if not rows:
        raise RosterFileError("empty_file", _l("The roster has a header but no rows."))

    digest = protector().digest
    first_seen: dict[str, int] = {}
    for row in rows:
        if row.id_number is None:
            continue
        row.digest = digest(row.id_number)
        if row.digest in first_seen:
            row.errors.append(
                RowError(
                    row.row,
                    "id_number",
                    "duplicate_id",
                    _l("The same ID number is already on row %(row)s.", row=first_seen[row.digest]),
                )
            )
        else:
            first_seen[row.digest] = row.row

    known: dict[str, tuple[int, str, str | None, str | None]] = {}
    for worker_id, worker_digest, name, phone, trade in _workers_by_digest(
        session, list(first_seen), Worker.id, Worker.id_digest, Worker.name, Worker.phone, Worker.trade
    ):
        known[worker_digest] = (worker_id, name, phone, trade)

    members = dict(
        session.execute(
            sa.select(CrewMember.worker_id, CrewMember.id).where(
                CrewMember.crew_id == crew.id, CrewMember.left_on.is_(None)
            )
        ).all()
    )
    result = RosterResult(crew.id, rows, [], headers)
    present: set[int] = set()
    for row in rows:
        existing = known.get(row.digest) if row.digest else None
        if existing is not None:
            worker_id, name, phone, trade = existing
            present.add(worker_id)
            if row.name is not None and name != row.name:
                row.errors.append(
                    RowError(
                        row.row,
                        "name",
                        "id_other_name",
                        _l("This ID number is registered under another name (%(masked)s).", masked=mask_name(name)),
                    )
                )
        if not row.valid:
            continue
        if existing is None:
            row.action = "join"
            result.new_workers += 1
            result.created += 1
            continue
        row.worker_id = worker_id
        changed = (row.phone is not None and row.phone != phone) or (row.trade is not None and row.trade != trade)
        if worker_id not in members:
            row.action = "join"
            result.created += 1
        elif changed:
            row.action = "update"
            result.updated += 1
        else:
            row.action = "unchanged"
    # Who left is only knowable when every row names its person.
    result.leavers_unknown = any(row.id_number is None for row in rows)
    if not result.leavers_unknown:
        gone = [worker_id for worker_id in members if worker_id not in present]
        for chunk in chunks(gone):
            result.leaving.extend(
                session.execute(
                    sa.select(Worker.id, Worker.name, Worker.id_masked)
                    .where(Worker.id.in_(chunk))
                    .order_by(Worker.name)
                ).all()
            )
        result.left = len(result.leaving)
    result.errors = [e for r in rows for e in r.errors]
    result._members = members
    result._known = known
    return result


# --- commit -----------------------------------------------------------------


def import_roster(
    session: so.Session, actor: User, crew: Crew, data: bytes, *, dry_run: bool = True, on: dt.date | None = None
) -> RosterResult:
    """Preview (``dry_run``) or commit a roster for ``crew``.

    Committing writes the valid rows — new workers, changed phones and
    trades, who joined and who left — in one transaction; invalid rows are
    reported and skipped. Importing the same file again changes nothing.
    """
    crew_service.require_manage(actor, crew)
    crew_service.require_open(crew)
    on = on or today()
    with _without_cycle_collection():
        result = _preview(session, crew, data, on)
        if dry_run or result.blocked:
            return result
        if result.created or result.updated or result.left:
            with unit_of_work(session):
                _write(session, actor, crew, result, on)
            session.expire_all()
    result.committed = True
    return result


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Tens of thousands of small, acyclic objects trigger the cycle collector over and
    over (a third of the import's time); reference counting frees them all the same."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _write(session: so.Session, actor: User, crew: Crew, result: RosterResult, on: dt.date) -> None:
    valid = [r for r in result.rows if r.valid]
    known, members = result._known, result._members
    _insert_workers(session, [r for r in valid if r.worker_id is None])
    now = utcnow()
    updates = []
    for row in valid:
        if row.digest not in known:
            continue
        _, _, phone, trade = known[row.digest]
        new_phone = row.phone if row.phone is not None else phone
        new_trade = row.trade if row.trade is not None else trade
        if (new_phone, new_trade) != (phone, trade):
            updates.append({"id": row.worker_id, "phone": new_phone, "trade": new_trade, "updated_at": now})
    for chunk in chunks(updates):
        session.execute(sa.update(Worker), chunk)
    joining = [
        {"crew_id": crew.id, "worker_id": row.worker_id, "joined_on": row.entered_on}
        for row in valid
        if row.action == "join"
    ]
    _insert_members(session, joining)
    leaving_ids = [members[worker_id] for worker_id, _, _ in result.leaving]
    for chunk in chunks(leaving_ids):
        session.execute(
            sa.update(CrewMember)
            .where(CrewMember.id.in_(chunk))
            .values(left_on=on)
            .execution_options(synchronize_session=False)
        )
    if crew.leader_worker_id is not None and any(w == crew.leader_worker_id for w, _, _ in result.leaving):
        crew.leader_worker_id = None
    audit(
        session,
        actor,
        "import_roster",
        crew,
        created=result.created,
        updated=result.updated,
        left=result.left,
        new_workers=result.new_workers,
        skipped=len(result.rows) - result.valid,
    )


def _insert_workers(session: so.Session, rows: list[RosterRow]) -> None:
    """New workers in one executemany, then their ids by digest (one query per batch)."""
    if not rows:
        return
    p = protector()
    now = utcnow()
    _bulk_insert(
        session,
        Worker.__table__,
        [
            {
                "id_digest": r.digest,
                "id_encrypted": p.encrypt(r.id_number),
                "id_masked": r.masked,
                "id_last4": r.id_number[-4:],
                "name": r.name,
                "phone": r.phone,
                "trade": r.trade,
                "birth_date": r.resident.birth_date,
                "gender": r.resident.gender,
                "region_code": r.resident.region_code,
                "origin_province_code": r.resident.province_code,
                "created_at": now,
                "updated_at": now,
            }
            for r in rows
        ],
    )
    by_digest = {r.digest: r for r in rows}
    for worker_id, digest in _workers_by_digest(session, list(by_digest), Worker.id, Worker.id_digest):
        by_digest[digest].worker_id = worker_id


def _workers_by_digest(session: so.Session, digests: list[str], *columns: Any) -> list[sa.Row]:
    """Workers by ID-number digest: one query with an array on PostgreSQL, else IN (...) in batches."""
    if not digests:
        return []
    if session.connection().dialect.name == "postgresql":
        values = sa.bindparam("digests", digests, type_=postgresql.ARRAY(sa.String(64)))
        return list(session.execute(sa.select(*columns).where(Worker.id_digest == sa.any_(values))))
    found: list[sa.Row] = []
    for chunk in chunks(digests):
        found.extend(session.execute(sa.select(*columns).where(Worker.id_digest.in_(chunk))))
    return found


def _insert_members(session: so.Session, values: list[dict[str, Any]]) -> None:
    _bulk_insert(session, CrewMember.__table__, values)


def _bulk_insert(session: so.Session, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Many rows into one table in the session's transaction: COPY on PostgreSQL
    (several times faster than batched INSERTs), one executemany elsewhere."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(table.insert(), rows)
        return
    quote = connection.dialect.identifier_preparer.quote
    columns = list(rows[0])
    statement = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


# --- export -----------------------------------------------------------------


def can_export_roster(user: User, crew: Crew) -> bool:
    """Exports carry full ID numbers: the company itself and administrators only."""
    return crew_service.can_manage_crew(user, crew)


def export_rows(session: so.Session, actor: User, crew: Crew) -> list[list[Any]]:
    """Header and one row per current member, in the import's own format; audited."""
    permissions.require(crew_service.can_view_crew(actor, crew), private=True)
    permissions.require(can_export_roster(actor, crew))
    members = crew_service.current_members(session, crew)
    p = protector()
    rows: list[list[Any]] = [[EXPORT_HEADERS[name] for name in FIELDS]]
    for m in members:
        w = m.worker
        rows.append([w.name, p.decrypt(w.id_encrypted), w.phone or "", w.trade or "", m.joined_on])
    with unit_of_work(session):
        audit(session, actor, "export_roster", crew, rows=len(members))
    return rows


def _guard(value: Any) -> Any:
    """A cell never starts a formula (the import strips the guard again)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_csv(session: so.Session, actor: User, crew: Crew) -> bytes:
    """UTF-8 with BOM, so that Excel opens the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in export_rows(session, actor, crew):
        writer.writerow([_guard(v.isoformat() if isinstance(v, dt.date) else v) for v in row])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def export_xlsx(session: so.Session, actor: User, crew: Crew) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    rows = export_rows(session, actor, crew)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(crew.name[:31] or "roster")
    for letter, width in zip("ABCDE", (14, 22, 15, 14, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    header = []
    for text in rows[0]:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for values in rows[1:]:
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=_guard(value))
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            else:
                cell.data_type = "s"
                cell.number_format = "@"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
