"""The history is tamper-evident: a row changed, removed or slipped in outside the app is found by verify."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from projectunion import audit_chain, create_app, migrate
from projectunion.models import AuditEvent, StateChange
from projectunion.services.transaction import audit
from tests.conftest import TEST_CONFIG
from tests.databases import PG_URL, empty_database


def _breaks(connection) -> list:
    return list(audit_chain.verify(connection))


def test_every_transition_and_audit_event_is_sealed_in_order(f, db_session, connection):
    union = f.active_union(members=2)
    audit(db_session, f.admin, "reveal_id", union)
    db_session.commit()
    for model in (StateChange, AuditEvent):
        rows = db_session.execute(sa.select(model.chain_seq, model.chain_hash).order_by(model.chain_seq)).all()
        assert rows and [r.chain_seq for r in rows] == list(range(1, len(rows) + 1))
        assert all(len(r.chain_hash) == 64 for r in rows)
    assert _breaks(connection) == []


@pytest.mark.parametrize("tamper", ["edit", "delete", "insert"])
def test_verify_names_the_first_row_changed_outside_the_app(f, db_session, connection, tamper):
    union = f.active_union(members=3)
    db_session.commit()
    ids = db_session.scalars(sa.select(StateChange.id).order_by(StateChange.chain_seq)).all()
    target = ids[2]
    table = StateChange.__table__
    if tamper == "edit":
        connection.execute(table.update().where(table.c.id == target).values(on=sa.func.current_date()))
    elif tamper == "delete":
        connection.execute(table.delete().where(table.c.id == target))
        target = ids[3]
    else:
        connection.execute(table.update().where(table.c.id == target).values(to_state="dissolved"))
    (broken,) = [b for b in _breaks(connection) if b.table == "state_changes"]
    assert broken.row_id == target
    assert union.id  # the union itself is untouched


def test_the_cli_reports_intact_and_broken_chains(app, runner, f, db_session, connection, monkeypatch):
    f.active_union(members=1)
    db_session.commit()
    monkeypatch.setitem(app.extensions, "db_engine", _engine_on(connection))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "intact" in result.output
    connection.execute(
        AuditEvent.__table__.insert().values(
            action="forged", object_type="system", data={}, chain_seq=999, chain_hash="0" * 64
        )
    )
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "audit_events" in result.output


class _engine_on:
    """An engine stand-in whose connect() yields the test's connection (so the CLI sees the test's rows)."""

    def __init__(self, connection):
        self._connection = connection

    def connect(self):
        import contextlib

        return contextlib.nullcontext(self._connection)


@pytest.mark.skipif(not PG_URL, reason="concurrent writers need PostgreSQL")
def test_concurrent_writers_never_fork_the_chain():
    with empty_database("pu_chain") as url:
        migrate.upgrade(url)
        app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
        barrier = threading.Barrier(8)
        errors = []

        def write(n: int) -> None:
            from projectunion import db

            try:
                with app.app_context():
                    session = db.get_session()
                    barrier.wait()
                    for i in range(10):
                        audit(session, None, "concurrent", None, writer=n, i=i)
                        session.commit()
            except Exception as exc:  # noqa: BLE001 (collected and asserted)
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        engine = app.extensions["db_engine"]
        with engine.connect() as connection:
            assert errors == []
            assert connection.scalar(sa.select(sa.func.count()).select_from(AuditEvent.__table__)) == 80
            assert _breaks(connection) == []
        engine.dispose()
