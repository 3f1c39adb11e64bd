"""A database that is down: a 503 in the user's language, JSON on the API, and recovery without a restart."""

from __future__ import annotations

import contextlib
import secrets
import socket
import threading

import pytest
import sqlalchemy as sa

from projectunion import create_app, migrate
from tests.conftest import TEST_CONFIG
from tests.views_support import text

PG_TEST_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def down_app():
    """The app pointed at a PostgreSQL port where nothing listens."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/gone"
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url})
    yield app
    app.extensions["db_engine"].dispose()


def test_a_page_says_the_database_is_away_in_chinese_by_default(down_app):
    answer = down_app.test_client().post("/sign-in", data={"username": "someone", "password": "secret-words"})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "30"
    assert "暂时无法连接数据库" in text(answer) and "Traceback" not in text(answer)


def test_a_page_says_it_in_the_language_the_visitor_chose(down_app):
    client = down_app.test_client()
    client.post("/language", data={"locale": "en", "next": "/sign-in"})
    answer = client.post("/sign-in", data={"username": "someone", "password": "secret-words"})
    assert answer.status_code == 503
    assert "The database cannot be reached just now" in text(answer)


def test_the_api_answers_a_json_503(down_app):
    answer = down_app.test_client().get(
        "/api/v1/me", headers={"Authorization": "Bearer pu_whatever", "Accept-Language": "en"}
    )
    assert answer.status_code == 503
    assert answer.get_json()["error"]["code"] == "unavailable"
    assert answer.headers["Retry-After"] == "30"


class Outage:
    """A TCP relay to PostgreSQL that can be cut (every connection dropped, nothing listening) and restored."""

    def __init__(self, target: tuple[str, int]):
        self.target, self.port = target, _free_port()
        self.server: socket.socket | None = None
        self.links: list[socket.socket] = []

    def restore(self) -> None:
        self.server = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def cut(self) -> None:
        with contextlib.suppress(OSError):
            self.server.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread; close() alone would not
        self.server.close()
        for link in self.links:
            with contextlib.suppress(OSError):
                link.shutdown(socket.SHUT_RDWR)
                link.close()
        self.links.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                near, _ = server.accept()
            except OSError:
                return
            far = socket.create_connection(self.target)
            self.links += [near, far]
            for a, b in ((near, far), (far, near)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := a.recv(65536):
                b.sendall(data)
        with contextlib.suppress(OSError):
            b.shutdown(socket.SHUT_WR)


@pytest.fixture
def postgres_url(database_url, engine):
    """The suite's PostgreSQL database, or on a SQLite run a fresh one on the local server."""
    if sa.make_url(database_url).get_backend_name() == "postgresql":
        yield database_url
        return
    admin = sa.create_engine(PG_TEST_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        admin.connect().close()
    except sa.exc.OperationalError:
        admin.dispose()
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    name = f"pu_faults_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(PG_TEST_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_the_pool_recovers_by_itself_when_the_database_returns(postgres_url):
    url = sa.make_url(postgres_url)
    outage = Outage((url.host or "127.0.0.1", url.port or 5432))
    outage.restore()
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url.set(host="127.0.0.1", port=outage.port)})
    client = app.test_client()
    sign_in = {"username": "nobody-here", "password": "not-the-password"}
    try:
        assert client.post("/sign-in", data=sign_in).status_code == 200  # a pooled connection now exists
        outage.cut()
        assert client.post("/sign-in", data=sign_in).status_code == 503
        outage.restore()
        assert client.post("/sign-in", data=sign_in).status_code == 200  # same app, same pool: no restart
    finally:
        outage.cut()
        app.extensions["db_engine"].dispose()
