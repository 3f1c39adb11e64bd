"""``GET /healthz`` for load balancers: is the database answering, and at which schema revision.

Anonymous, never rate-limited, and it says nothing about anyone: the status,
the schema revision and whether that revision is the newest this code knows.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify

from projectunion import migrate

bp = Blueprint("health", __name__)


@functools.cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()


@bp.get("/healthz")
def healthz():
    engine = current_app.extensions["db_engine"]
    try:
        revision = _schema_revision(engine)
    except (sa.exc.SQLAlchemyError, engine.dialect.loaded_dbapi.Error):
        return _answer({"status": "unavailable", "database": "not answering or not migrated"}, 503)
    head = head_revision()
    return _answer({"status": "ok", "revision": revision, "head": head, "up_to_date": revision == head}, 200)


def _schema_revision(engine: sa.Engine) -> str | None:
    """A plain read on the driver's connection: the app's SQLite transactions take the write lock
    as they begin, and a health check must not queue behind a long write."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT version_num FROM alembic_version")
        row = cursor.fetchone()
        cursor.close()
    finally:
        connection.close()
    return row[0] if row else None


def _answer(body: dict, status: int):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
