"""Fixtures: a migrated database (SQLite, or PostgreSQL when TEST_DATABASE_URL
is set), each test inside a transaction that is rolled back, the app bound to
that transaction; an app that really commits (``live_app``); the company, crew,
union and officer that many tests start from."""

from __future__ import annotations

import datetime as dt
import os
from unittest import mock

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import create_app, db, migrate
from projectunion.db import make_engine
from projectunion.services import crews
from tests.databases import PG_URL, empty_database


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite'}"


@pytest.fixture(autouse=True)
def _english_command_line():
    """The command line speaks the locale's language: tests run it in English unless they set LANG.

    Not monkeypatch: it would outlive the app fixture and undo a test's own patches too late.
    """
    with mock.patch.dict(os.environ, {"LANG": "C.UTF-8"}):
        for name in ("LC_ALL", "LC_MESSAGES"):
            os.environ.pop(name, None)
        yield


@pytest.fixture(scope="session")
def database_url():
    """A fresh database for this run, so parallel runs never share one."""
    with empty_database() as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url):
    migrate.upgrade(database_url)
    # Like the app's engine: on SQLite every transaction takes the write lock as it begins.
    engine = make_engine(database_url, immediate=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def is_postgres(engine) -> bool:
    return engine.dialect.name == "postgresql"


@pytest.fixture
def connection(engine):
    conn = engine.connect()
    trans = conn.begin()
    yield conn
    trans.rollback()
    conn.close()


TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "DATA_KEY": "test-data-key-" + "x" * 32,
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
}


@pytest.fixture
def app(database_url, connection):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    db.use_sessionmaker(
        app, so.sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    )
    with app.app_context():
        yield app
    # The app's own pool (the health check reads through it, not the test's connection) closes with the test.
    app.extensions["db_engine"].dispose()


def empty_tables(engine: sa.Engine) -> None:
    """Remove every committed row (the schema and its migration stamp stay)."""
    tables = db.Base.metadata.sorted_tables
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            with conn.begin():
                conn.exec_driver_sql("SET LOCAL lock_timeout = '10s'")  # fail, not hang, behind a leaked transaction
                conn.exec_driver_sql(f"TRUNCATE {', '.join(t.name for t in tables)} RESTART IDENTITY CASCADE")
            return
        with conn.begin():
            conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")  # the tables refer to each other
            for table in reversed(tables):
                conn.execute(table.delete())


@pytest.fixture
def live_app(database_url, engine):
    """The app as it runs in production: its own engine and sessions that really commit.

    Not bound to a rolled-back test transaction, so a test sees what other
    connections see; every table is emptied afterwards.
    """
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    yield app
    app.extensions["db_engine"].dispose()
    empty_tables(engine)


@pytest.fixture
def db_session(app):
    return db.get_session()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def f(db_session):
    """Factories bound to this test's session."""
    from tests.factories import Factories

    return Factories(db_session)


@pytest.fixture
def as_user(client, db_session):
    """``as_user(user, language="en")``: an API client signed in with a fresh token of ``user``."""
    from tests.api_support import client_for

    return lambda user, language="en": client_for(client, db_session, user, language)


@pytest.fixture
def admin(f, as_user):
    """An API client signed in as the administrator."""
    return as_user(f.admin)


# --- what many tests start from -----------------------------------------------


@pytest.fixture
def company(f):
    """A contractor."""
    return f.contractor()


@pytest.fixture
def boss(f, company):
    """The company's own account."""
    return f.user("contractor", contractor=company)


@pytest.fixture
def crew(db_session, boss, company):
    """An open crew of the company, nobody in it yet."""
    return crews.create_crew(db_session, boss, company, name="钢筋一班", created_on=dt.date(2024, 1, 1))


@pytest.fixture
def union(f):
    """A founded project union in 羊亭镇 (环翠区) with one member, its chair."""
    return f.active_union(members=1)


@pytest.fixture
def officer(f, union):
    """The union's officer."""
    return f.user("officer", unions=[union], jurisdiction=f.huancui)
