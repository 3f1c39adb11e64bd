"""Engine, one session per app context, naming convention, SQLite pragmas."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, Response, current_app, g

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(so.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; take control of BEGIN.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN")


def _sqlite_begin_immediate(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, immediate: bool = False, **kwargs) -> sa.Engine:
    """``immediate``: SQLite transactions take the write lock as they begin (the app's engine).

    With several processes (gunicorn workers), a deferred transaction that has
    read and then writes after another process committed fails at once with
    "database is locked" (its snapshot is stale; busy_timeout cannot help).
    """
    if sa.engine.make_url(url).get_backend_name() == "postgresql":
        # A connection the server dropped (restart, failover) is noticed and replaced when it is
        # taken from the pool, so the app recovers by itself; an unreachable server fails fast.
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", 5)
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin_immediate if immediate else _sqlite_begin)
    return engine


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], immediate=True)
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = so.sessionmaker(bind=engine, expire_on_commit=False)
    app.after_request(_close_session_with_response)
    app.teardown_appcontext(_remove_session)


def use_sessionmaker(app: Flask, factory: so.sessionmaker) -> None:
    """Let tests bind every request's session to their own connection."""
    app.extensions["db_sessionmaker"] = factory


def get_session() -> so.Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"]()
    return g.db_session


def _close_session_with_response(response: Response) -> Response:
    """End the request's transaction again once the response has been sent.

    A streamed body runs after the view, after the app context's teardown:
    anything it reads through the request's session begins a new transaction,
    which would otherwise stay open (on SQLite holding the write lock, on
    PostgreSQL "idle in transaction") until the process ends. The server
    closes every response, streamed or not, when it has sent it.
    """
    session = g.get("db_session")
    if session is not None:
        response.call_on_close(lambda: _close_if_torn_down(session))
    return response


def _close_if_torn_down(session: so.Session) -> None:
    # Only once its app context has ended: a test's requests share the test's context and session.
    if session.info.get("torn_down"):
        session.close()


def _remove_session(_exc) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
        session.info["torn_down"] = True
