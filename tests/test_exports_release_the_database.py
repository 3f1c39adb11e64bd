"""Downloading an export must not hold the database: once the file is sent, the
request's transaction is over. Before, one click on a drill-down CSV kept
SQLite's write lock (every later request failed with "database is locked")
and left PostgreSQL connections "idle in transaction".

These tests run the app as in production (its own engine, sessions that
really commit) and ask from another connection whether it can write at once.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
import sqlalchemy as sa
from flask import Response, stream_with_context

from projectunion import db
from projectunion.models import User
from projectunion.permission_matrix import MATRIX, PUBLIC
from projectunion.services import crews, rosters
from tests.factories import Factories, roster_csv, roster_person
from tests.views_support import PASSWORD

PERIOD = "from=2024-01-01&to=2024-12-31"
DASHBOARD_EXPORTS = [
    f"/dashboard/list.{fmt}?metric={metric}&{PERIOD}"
    for metric in ("new_members", "active_members", "unions_founded")
    for fmt in ("csv", "xlsx")
] + [
    f"/dashboard/list.csv?metric=new_members&by=district&key=371002&{PERIOD}",
    f"/dashboard/table.csv?by=district&{PERIOD}",
    f"/dashboard/table.xlsx?by=month&{PERIOD}",
]
ROSTER_EXPORTS = ["/crews/{crew_id}/roster.csv", "/crews/{crew_id}/roster.xlsx"]


@pytest.fixture
def site(live_app):
    """Committed data: a union with members, city staff, a company with a crew of two."""
    with live_app.app_context():
        session = db.get_session()
        f = Factories(session)
        f.active_union(members=3)
        staff = f.user("city_staff")
        company = f.contractor()
        boss = f.user("contractor", contractor=company)
        crew = crews.create_crew(session, boss, company, name="钢筋一班", created_on=dt.date(2024, 1, 1))
        rosters.import_roster(session, boss, crew, roster_csv([roster_person(1), roster_person(2)]), dry_run=False)
        return {"staff": staff.username, "boss": boss.username, "crew_id": crew.id}


def signed_in(app, username: str):
    client = app.test_client()
    response = client.post("/sign-in", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def download(client, url: str):
    """What a server does: send the whole body, then close the response."""
    response = client.get(url, buffered=True)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.data
    return response


def another_connection_writes_at_once(engine: sa.Engine, username: str) -> None:
    if engine.dialect.name == "sqlite":
        conn = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")  # fails at once with "database is locked" while anyone holds it
            conn.execute("UPDATE users SET locale = locale WHERE username = ?", (username,))
            conn.execute("COMMIT")
        finally:
            conn.close()
        return
    with engine.connect() as conn, conn.begin():
        conn.exec_driver_sql("SET LOCAL lock_timeout = '200ms'")
        conn.execute(sa.update(User).where(User.username == username).values(locale=User.locale))


def idle_in_transaction(engine: sa.Engine) -> list[str]:
    """The app's connections to this database left inside a transaction (PostgreSQL)."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as conn:
        return list(
            conn.exec_driver_sql(
                "SELECT coalesce(query, '') FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND state LIKE 'idle in transaction%%'"
            ).scalars()
        )


@pytest.mark.parametrize("url", DASHBOARD_EXPORTS)
def test_after_a_dashboard_export_the_database_is_free(live_app, site, engine, url):
    client = signed_in(live_app, site["staff"])
    download(client, url)
    another_connection_writes_at_once(engine, site["staff"])
    assert idle_in_transaction(engine) == []
    # and the next request of anyone is served
    assert signed_in(live_app, site["boss"]).get("/").status_code == 200


@pytest.mark.parametrize("url", ROSTER_EXPORTS)
def test_after_a_roster_export_the_database_is_free(live_app, site, engine, url):
    client = signed_in(live_app, site["boss"])
    download(client, url.format(crew_id=site["crew_id"]))
    another_connection_writes_at_once(engine, site["boss"])
    assert idle_in_transaction(engine) == []


@pytest.mark.parametrize("with_context", [True, False], ids=["stream_with_context", "plain generator"])
def test_a_body_that_reads_while_it_streams_ends_its_transaction_when_sent(
    live_app, site, engine, with_context, monkeypatch
):
    """Whatever a future streamed response does, the request's transaction ends with it."""
    session_factory = db.get_session

    def users_one_per_chunk():
        session = session_factory()

        def chunks():
            for name in session.scalars(sa.select(User.username).order_by(User.id)):
                yield name + "\n"

        body = stream_with_context(chunks()) if with_context else chunks()
        return Response(body, mimetype="text/plain")

    live_app.add_url_rule("/streamed-for-test", view_func=users_one_per_chunk)
    monkeypatch.setitem(MATRIX, "users_one_per_chunk", PUBLIC)  # the permission gate serves only the matrix's routes
    client = live_app.test_client()

    response = client.get("/streamed-for-test", buffered=True)

    assert site["staff"] in response.get_data(as_text=True)
    another_connection_writes_at_once(engine, site["staff"])
    assert idle_in_transaction(engine) == []
