"""Rate limits hold however many processes serve the app, and a guessed account locks for a while."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import sqlalchemy.orm as so
from flask import Flask

from projectunion import create_app, db, migrate, ratelimit
from projectunion.services import join
from tests.conftest import TEST_CONFIG
from tests.factories import Factories, id_number
from tests.views_support import text

REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 11


def limited_app(database_url, connection, **config):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "RATELIMIT_ENABLED": True, **config})
    db.use_sessionmaker(
        app, so.sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    )
    return app


def test_two_processes_sharing_the_file_store_count_together(tmp_path, database_url, connection):
    """Two apps stand for two workers: each has its own memory, the SQLite file is what they share."""
    store = f"sqlite:///{tmp_path / 'limits.sqlite3'}"
    apps = [
        limited_app(database_url, connection, RATELIMIT_STORAGE_URI=store, SIGN_IN_RATE_LIMIT="4 per minute")
        for _ in range(2)
    ]
    answers = []
    for n in range(6):
        app = apps[n % 2]
        with app.app_context():
            answers.append(app.test_client().post("/sign-in", data={"username": f"u{n}", "password": "x"}).status_code)
    assert answers == [200, 200, 200, 200, 429, 429]


def test_outside_tests_the_counts_live_in_a_file_of_the_instance_folder(tmp_path):
    """Not in one process's memory: ``projectunion serve`` without Redis still counts across its workers."""
    app = Flask("served", instance_path=str(tmp_path))
    ratelimit.init_app(app)
    assert app.config["RATELIMIT_STORAGE_URI"] == f"sqlite:///{tmp_path / 'ratelimits.sqlite3'}"


@pytest.fixture
def lock_client(app, database_url, connection):
    """After ``app``: the limiter is one object, and the app made last decides whether it is on."""
    app = limited_app(database_url, connection, SIGN_IN_ACCOUNT_LIMIT="3 per 10 minutes")
    with app.app_context():
        yield app.test_client()


def test_wrong_passwords_lock_the_account_from_every_address(lock_client, f):
    user = f.user("city_staff")
    for n in range(3):
        wrong = {"username": user.username, "password": "wrong-password"}
        assert lock_client.post("/sign-in", data=wrong, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code == 200
    right = {"username": user.username.upper(), "password": "correct horse battery"}
    locked = lock_client.post("/sign-in", data=right, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert locked.status_code == 429
    assert "该账号密码错误次数过多" in text(locked)
    other = f.user("city_staff")
    assert (
        lock_client.post("/sign-in", data={"username": other.username, "password": "correct horse battery"}).status_code
        == 302
    )


def test_a_right_password_does_not_count_towards_the_lock_out(lock_client, f):
    user = f.user("city_staff")
    for _ in range(4):
        signed_in = lock_client.post("/sign-in", data={"username": user.username, "password": "correct horse battery"})
        assert signed_in.status_code == 302
        lock_client.post("/sign-out")


def test_unknown_names_lock_out_like_real_ones(lock_client):
    """The lock-out must not tell which account names exist."""
    answers = [lock_client.post("/sign-in", data={"username": "nobody", "password": "x"}).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]


# --- under gunicorn with four workers and Redis ---------------------------------------------


def _redis():
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis does not answer on 127.0.0.1:6379 under CI (.ci/run starts it)")
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    return client


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    """``projectunion serve`` with four workers on a file database, its limits in Redis."""
    store = _redis()
    store.flushdb()
    url = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    migrate.upgrade(url)
    secret, data_key = "served-secret", "served-data-key-" + "d" * 32
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "SECRET_KEY": secret, "DATA_KEY": data_key})
    with app.app_context():
        f = Factories(db.get_session())
        user = f.user("city_staff")
        union = f.active_union(members=1)
        token, username = join.join_token(union), user.username
    app.extensions["db_engine"].dispose()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": secret,
        "PROJECTUNION_DATA_KEY": data_key,
        "RATELIMIT_STORAGE_URI": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
    }
    cli = Path(sys.executable).with_name("projectunion")
    server = subprocess.Popen(
        [str(cli), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "4", "--no-access-log"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                requests.get(base + "/healthz", timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not answer")
        time.sleep(1.0)  # all four workers booted
        yield {"base": base, "join_token": token, "username": username, "store": store}
    finally:
        server.terminate()
        server.communicate(timeout=30)
        store.flushdb()


def _form_session(url: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    page = session.get(url, timeout=10)
    return session, re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)


def _in_parallel(calls) -> list[int]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return sorted(pool.map(lambda call: call(), calls))


def test_under_four_workers_the_limits_hold_as_configured(served):
    base = served["base"]
    # Sign-in: 10 a minute per address, whichever worker answers.
    session, csrf = _form_session(base + "/sign-in")

    def attempt(name):
        data = {"csrf_token": csrf, "username": name, "password": "wrong"}
        return lambda: session.post(base + "/sign-in", data=data, timeout=30, allow_redirects=False).status_code

    answers = _in_parallel([attempt(f"guess{n}") for n in range(16)])
    assert answers.count(429) == 6 and answers.count(200) == 10, answers

    # One account: five wrong passwords a ten-minute window, from this address or any other.
    served["store"].flushdb()
    answers = _in_parallel([attempt(served["username"]) for _ in range(8)])
    assert answers.count(429) == 3 and answers.count(200) == 5, answers

    # QR applications: 20 a minute per address.
    url = f"{base}/join/{served['join_token']}"
    session, csrf = _form_session(url)

    def apply(n):
        data = {"csrf_token": csrf, "name": f"申请人{n}", "id_number": id_number(seq=100 + n)}
        data |= {"phone": "138 0000 0011", "trade": "木工", "consent": "y"}
        return lambda: session.post(url, data=data, timeout=30, allow_redirects=False).status_code

    answers = _in_parallel([apply(n) for n in range(26)])
    assert answers.count(302) == 20 and answers.count(429) == 6, answers
