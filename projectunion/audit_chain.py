"""A tamper-evident history: every state change and audit event carries a hash over its content and
the previous row's hash, so that an edit, an insert or a deletion made outside the app shows.

Rows are sealed when the session that wrote them commits: in the same
transaction, each new row (written through the ORM or as a bulk INSERT) gets
the next position in its table's chain (``chain_seq``) and
``chain_hash = SHA-256(previous hash + canonical form of the row)``. On
PostgreSQL an advisory lock serialises the sealing, so two transactions never
take the same position (a unique constraint would refuse it anyway); on
SQLite the write lock already does. ``projectunion audit verify`` walks each
chain and names the first row that does not match.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import click
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask
from flask.cli import with_appcontext

from projectunion.i18n import _, _l
from projectunion.models import AuditEvent, StateChange

GENESIS = "0" * 64
CHAINED: tuple[sa.Table, ...] = (StateChange.__table__, AuditEvent.__table__)
#: pg_advisory_xact_lock keys, one per chain
_LOCK_KEYS = {"state_changes": 7_401_001, "audit_events": 7_401_002}


#: What the hash covers, fixed so that a column added later does not change the hash of older rows.
SEALED_COLUMNS = {
    "state_changes": ("id", "machine", "object_id", "event", "from_state", "to_state", "on", "actor_id", "at", "data"),
    "audit_events": ("id", "actor_id", "at", "action", "object_type", "object_id", "data"),
}


def content_columns(table: sa.Table) -> list[sa.Column]:
    return [table.c[name] for name in SEALED_COLUMNS[table.name]]


def _plain(value):
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def row_hash(previous: str, content: Mapping) -> str:
    """SHA-256 over the previous hash and the row's content columns as canonical JSON."""
    canonical = json.dumps(
        {key: _plain(value) for key, value in content.items()},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256((previous + canonical).encode()).hexdigest()


def seal(connection: sa.Connection, tables: tuple[sa.Table, ...] = CHAINED) -> None:
    """Give every unsealed row its chain position and hash (inside the caller's transaction)."""
    for table in tables:
        if connection.execute(sa.select(table.c.id).where(table.c.chain_seq.is_(None)).limit(1)).first() is None:
            continue
        if connection.dialect.name == "postgresql":
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_LOCK_KEYS[table.name])))
        last = connection.execute(
            sa.select(table.c.chain_seq, table.c.chain_hash)
            .where(table.c.chain_seq.is_not(None))
            .order_by(table.c.chain_seq.desc())
            .limit(1)
        ).first()
        seq, previous = (last.chain_seq, last.chain_hash) if last is not None else (0, GENESIS)
        rows = connection.execute(
            sa.select(*content_columns(table)).where(table.c.chain_seq.is_(None)).order_by(table.c.id)
        ).all()
        updates = []
        for row in rows:
            seq += 1
            previous = row_hash(previous, row._mapping)
            updates.append({"row_id": row.id, "seq": seq, "digest": previous})
        connection.execute(
            table.update()
            .where(table.c.id == sa.bindparam("row_id"))
            .values(chain_seq=sa.bindparam("seq"), chain_hash=sa.bindparam("digest")),
            updates,
        )


def _seal_before_commit(session: so.Session) -> None:
    session.flush()
    seal(session.connection())


@dataclass(frozen=True)
class Break:
    table: str
    row_id: int | None
    position: int
    reason: Any  # a lazily translated message


def verify(connection: sa.Connection) -> Iterator[Break]:
    """The first break of each chain (none when every row is as it was sealed)."""
    for table in CHAINED:
        previous, expected = GENESIS, 1
        names = [c.name for c in content_columns(table)]
        rows = connection.execute(
            sa.select(*content_columns(table), table.c.chain_seq, table.c.chain_hash)
            .where(table.c.chain_seq.is_not(None))
            .order_by(table.c.chain_seq)
            .execution_options(yield_per=2000)
        )
        for row in rows:
            if row.chain_seq != expected:
                yield Break(table.name, row.id, expected, _l("a row is missing before this one"))
                break
            if row_hash(previous, {k: row._mapping[k] for k in names}) != row.chain_hash:
                yield Break(table.name, row.id, expected, _l("its content or its place was changed"))
                break
            previous, expected = row.chain_hash, expected + 1
        rows.close()


@click.group("audit", help=_l("The tamper-evident history of state changes and audit events."))
def audit_group() -> None:
    pass


@audit_group.command("verify", help=_l("Walk both chains; name the first row that was changed, added or removed."))
@with_appcontext
def verify_command() -> None:
    from flask import current_app

    engine: sa.Engine = current_app.extensions["db_engine"]
    with engine.connect() as connection:
        counts = {t.name: connection.scalar(sa.select(sa.func.count()).select_from(t)) for t in CHAINED}
        breaks = list(verify(connection))
    for b in breaks:
        click.echo(
            _(
                "BROKEN %(table)s: row id %(row)s at position %(position)s: %(reason)s.",
                table=b.table,
                row=b.row_id,
                position=b.position,
                reason=b.reason,
            ),
            err=True,
        )
    if breaks:
        raise SystemExit(1)
    rows = ", ".join(_("%(count)s %(table)s", count=n, table=t) for t, n in counts.items())
    click.echo(_("Audit chain intact: %(rows)s.", rows=rows))


def init_app(app: Flask) -> None:
    if not sa.event.contains(so.Session, "before_commit", _seal_before_commit):
        sa.event.listen(so.Session, "before_commit", _seal_before_commit)
    app.cli.add_command(audit_group)
