"""On SQLite the app's transactions take the write lock as they begin (BEGIN
IMMEDIATE): with several gunicorn workers, a deferred transaction that read and
then writes after another process committed fails at once with "database is
locked"; one that waits for the lock first never does."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.db import make_engine
from projectunion.models import Jurisdiction
from projectunion.models.jurisdictions import LEVELS
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite's write lock")
LEVEL = LEVELS[0]


@pytest.fixture
def app_session(database_url, engine):
    """A session on an engine like the app's (locking transactions), on the migrated test database
    holding one committed row to read (removed afterwards)."""
    app_engine = make_engine(database_url, immediate=True)
    session = so.Session(app_engine, expire_on_commit=False)
    session.add(Jurisdiction(code="990000", name="读阶段测试市", level=LEVEL, path="/990000/"))
    session.commit()
    yield session
    session.rollback()
    session.execute(sa.delete(Jurisdiction).where(Jurisdiction.code == "990000"))
    session.commit()
    session.close()
    app_engine.dispose()


def _other_writer_gets_the_lock(engine) -> bool:
    """Can another process's connection start writing right now (without waiting)?"""
    conn = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        conn.execute("ROLLBACK") if conn.in_transaction else None
        conn.close()
    return True


def test_a_plain_transaction_holds_the_write_lock_from_its_first_read(app_session, engine):
    app_session.scalars(sa.select(Jurisdiction).limit(1)).first()
    assert not _other_writer_gets_the_lock(engine)
    app_session.rollback()
    assert _other_writer_gets_the_lock(engine)
