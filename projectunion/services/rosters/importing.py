"""Importing a roster: the preview of every row, then the commit in one transaction."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from sqlalchemy.dialects import postgresql

from projectunion.dates import today
from projectunion.exceptions import ValidationError
from projectunion.i18n import _l
from projectunion.models import Crew, CrewMember, User, Worker
from projectunion.models._columns import utcnow
from projectunion.protection import protector
from projectunion.services import crews as crew_service
from projectunion.services.contractors import chunks
from projectunion.services.rosters.checking import RosterRow, _Checker, _text
from projectunion.services.rosters.exporting import EXAMPLE_ROW
from projectunion.services.rosters.reading import (
    ALIASES,
    FIELD_LABELS,
    REQUIRED,
    RosterFileError,
    RowError,
    _blank,
    _column_letter,
    _locate_header,
    read_table,
)
from projectunion.services.transaction import audit, unit_of_work
from projectunion.services.workers import mask_name

MAX_ROWS = 20_000


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
    whole_crew: bool = False  # the clerk says the file is the whole crew: who is missing from it leaves
    absent: int = 0  # current members not in the file (they stay unless ``whole_crew``)
    header_row: int = 0
    found_columns: list[str] = field(default_factory=list)  # every header cell, as "text (letter)"
    ignored_columns: list[str] = field(default_factory=list)  # header cells naming no roster field
    missing_columns: list[str] = field(default_factory=list)  # required fields the header does not name
    _known: dict[str, tuple[int, str, str | None, str | None]] = field(default_factory=dict, repr=False)
    _members: dict[int, int] = field(default_factory=dict, repr=False)
    # The crew's own record of each current member: (phone, trade); the worker's shared record is not the crew's.
    _records: dict[int, tuple[str | None, str | None]] = field(default_factory=dict, repr=False)

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
            "whole_crew": self.whole_crew,
            "absent": self.absent,
            "columns": {
                "header_row": self.header_row,
                "read": {name: str(header) for name, header in self.headers.items()},
                "found": self.found_columns,
                "ignored": self.ignored_columns,
                "missing": self.missing_columns,
                "required": list(REQUIRED),
            },
        }


class LeaversNotConfirmed(ValidationError):
    """A whole-crew commit must name the number of people it records as having left."""

    code = "leavers_not_confirmed"

    def __init__(self, left: int) -> None:
        self.left = left
        message = _l(
            "This file is the whole crew, so %(n)d people not in it will be recorded as having left: "
            "confirm that number to import it.",
            n=left,
        )
        super().__init__({"confirm_left": message}, message)
        self.details["left"] = left


def _header_report(header_row: int, cells: list, columns: dict[str, int]) -> dict[str, Any]:
    mapped = set(columns.values())
    found, ignored = [], []
    for index, value in enumerate(cells):
        label = _text(value).strip() if value is not None else ""
        if not label:
            continue
        text = f"{label} ({_column_letter(index)})"
        found.append(text)
        if index not in mapped:
            ignored.append(text)
    return {
        "header_row": header_row,
        "found_columns": found,
        "ignored_columns": ignored,
        "missing_columns": [name for name in REQUIRED if name not in columns],
    }


def _preview(
    session: so.Session, crew: Crew, data: bytes, on: dt.date, whole_crew: bool, filename: str | None
) -> RosterResult:
    header_row, header_cells, columns, body = _locate_header(read_table(data, filename))
    headers = {
        name: f"{_text(header_cells[index]).strip()} ({_column_letter(index)})" for name, index in columns.items()
    }
    report = _header_report(header_row, header_cells, columns)
    missing = report["missing_columns"]
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
        rows = []
        for number, cells in body:
            if len(rows) >= MAX_ROWS:
                break
            if not _blank(cells):
                rows.append(RosterRow(number))
        return RosterResult(
            crew.id, rows, errors, headers, leavers_unknown=True, blocked=True, whole_crew=whole_crew, **report
        )

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
        if row.id_number == EXAMPLE_ROW["id_number"]:
            row.errors.append(
                RowError(row.row, "id_number", "example_row", _l("This is the template's example row: delete it."))
            )
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
    for worker_id, worker_digest, name, phone_encrypted, trade in _workers_by_digest(
        session, list(first_seen), Worker.id, Worker.id_digest, Worker.name, Worker.phone_encrypted, Worker.trade
    ):
        phone = protector().decrypt(phone_encrypted) if phone_encrypted else None
        known[worker_digest] = (worker_id, name, phone, trade)

    members: dict[int, int] = {}
    records: dict[int, tuple[str | None, str | None]] = {}
    for worker_id, member_id, member_phone, member_trade in session.execute(
        sa.select(CrewMember.worker_id, CrewMember.id, CrewMember.phone_encrypted, CrewMember.trade).where(
            CrewMember.crew_id == crew.id, CrewMember.left_on.is_(None)
        )
    ):
        members[worker_id] = member_id
        records[worker_id] = (protector().decrypt(member_phone) if member_phone else None, member_trade)
    result = RosterResult(crew.id, rows, [], headers, whole_crew=whole_crew, **report)
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
        phone, trade = records.get(worker_id, (None, None))  # the crew's own record, not the shared one
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
    gone = [worker_id for worker_id in members if worker_id not in present]
    result.absent = len(gone)
    if whole_crew and not result.leavers_unknown:
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
    result._records = records
    result._known = known
    return result


def import_roster(
    session: so.Session,
    actor: User,
    crew: Crew,
    data: bytes,
    *,
    dry_run: bool = True,
    on: dt.date | None = None,
    whole_crew: bool = False,
    confirm_left: int | None = None,
    filename: str | None = None,
) -> RosterResult:
    """Preview (``dry_run``) or commit a roster for ``crew``.

    Committing writes the valid rows — new workers, changed phones and
    trades, who joined — in one transaction; invalid rows are reported and
    skipped. Importing the same file again changes nothing. An upload adds
    and updates only: the current members missing from the file are recorded
    as having left only with ``whole_crew``, and then only when
    ``confirm_left`` names how many they are (a partial file must not empty
    a crew by accident).
    """
    crew_service.require_manage(actor, crew)
    crew_service.require_open(crew)
    on = on or today()
    with _without_cycle_collection():
        result = _preview(session, crew, data, on, whole_crew, filename)
        if dry_run or result.blocked:
            return result
        if result.left and confirm_left != result.left:
            raise LeaversNotConfirmed(result.left)
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
    members, records = result._members, result._records
    _insert_workers(session, [r for r in valid if r.worker_id is None])
    p = protector()
    # A contractor's file changes its own crew's records (phone, trade), never the worker's shared contact.
    updates = []
    for row in valid:
        if row.action != "update":
            continue
        phone, trade = records[row.worker_id]
        new_phone = row.phone if row.phone is not None else phone
        new_trade = row.trade if row.trade is not None else trade
        updates.append(
            {
                "id": members[row.worker_id],
                "phone_encrypted": p.encrypt_phone(new_phone) if new_phone else None,
                "trade": new_trade,
            }
        )
    for chunk in chunks(updates):
        session.execute(sa.update(CrewMember), chunk)
    joining = [
        {
            "crew_id": crew.id,
            "worker_id": row.worker_id,
            "joined_on": row.entered_on,
            "phone_encrypted": p.encrypt_phone(row.phone) if row.phone else None,
            "trade": row.trade,
        }
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
                **p.phone_columns(r.phone),
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
