"""Fixtures: a migrated database (SQLite, or PostgreSQL when TEST_DATABASE_URL
is set), each test inside a transaction that is rolled back, the app bound to
that transaction, and an ``auth`` helper per role."""

from __future__ import annotations

import pytest
import sqlalchemy.orm as so

from projectunion import create_app, db, migrate
from projectunion.db import make_engine
from tests.databases import PG_URL, empty_database


def pytest_report_header(config):
    return f"database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite'}"


@pytest.fixture(scope="session")
def database_url():
    """A fresh database for this run, so parallel runs never share one."""
    with empty_database() as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url):
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
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
