"""Rate limits, kept where every server process sees them.

Counts in a process's memory multiply a limit by the number of workers, so
outside tests the counts live in a shared store: Redis in production
(``RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0``), else by default a
SQLite file in the instance folder, which every worker of one host shares.

Limits are per client address (behind a proxy the app must see the client's
address: ProxyFix) and, for signing in, per account too: a few failed
attempts lock the account name out for a short while, from every address.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.storage import Storage
from werkzeug.exceptions import TooManyRequests

from projectunion.i18n import _l

limiter = Limiter(key_func=get_remote_address)


class SQLiteStorage(Storage):
    """Fixed-window counters in one SQLite file: ``sqlite:////absolute/path.sqlite3``.

    Each ``incr`` is one short write transaction, so several processes on one
    host count together; SQLite serialises them.
    """

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        # As SQLAlchemy writes it: three slashes, then the path (a fourth for an absolute one).
        self.path = uri.removeprefix("sqlite:///") if uri.startswith("sqlite:///") else ""
        if not self.path:
            raise ValueError(f"a SQLite rate-limit store needs a file path: {uri!r}")
        self._local = threading.local()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, hits INTEGER, expires REAL)")
            self._local.conn = conn
        return conn

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        db = self._db()
        now = time.time()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("DELETE FROM counters WHERE key = ? AND expires <= ?", (key, now))
            db.execute(
                "INSERT INTO counters (key, hits, expires) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET hits = hits + excluded.hits",
                (key, amount, now + expiry),
            )
            (hits,) = db.execute("SELECT hits FROM counters WHERE key = ?", (key,)).fetchone()
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return hits

    def get(self, key: str) -> int:
        row = (
            self._db().execute("SELECT hits FROM counters WHERE key = ? AND expires > ?", (key, time.time())).fetchone()
        )
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._db().execute("SELECT expires FROM counters WHERE key = ?", (key,)).fetchone()
        return row[0] if row else time.time()

    def check(self) -> bool:
        try:
            self._db().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._db().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM counters WHERE key = ?", (key,))


class AccountLocked(TooManyRequests):
    """Too many wrong passwords for one account name: it is locked for the rest of the window."""

    def __init__(self) -> None:
        super().__init__(str(_l("Too many wrong passwords for this account. Wait a few minutes, then try again.")))


def _account(name: str) -> str:
    # Unknown names are counted like real ones: the lock-out must not tell which names exist.
    return (name or "").strip().casefold()[:60]


def _account_limits() -> list:
    return parse_many(current_app.config["SIGN_IN_ACCOUNT_LIMIT"])


def check_account(name: str) -> None:
    """Count one sign-in attempt for ``name``, before its password is checked; raise if it is locked.

    Counting as the attempt begins (one atomic increment in the shared store)
    keeps parallel guesses from all slipping through before any is counted.
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    counted = [limiter.limiter.hit(limit, "account", _account(name)) for limit in _account_limits()]  # every one
    if not all(counted):
        raise AccountLocked()


def account_signed_in(name: str) -> None:
    """The right password: its owner starts again with a clean count."""
    if current_app.config.get("RATELIMIT_ENABLED", True):
        for limit in _account_limits():
            limiter.limiter.clear(limit, "account", _account(name))


def init_app(app: Flask) -> None:
    config = app.config
    if not config.get("RATELIMIT_STORAGE_URI"):
        if app.testing:
            config["RATELIMIT_STORAGE_URI"] = "memory://"
        else:
            config["RATELIMIT_STORAGE_URI"] = f"sqlite:///{Path(app.instance_path) / 'ratelimits.sqlite3'}"
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # A whole crew may apply from one site Wi-Fi after a morning meeting: generous per minute.
    config.setdefault("JOIN_RATE_LIMIT", "20 per minute; 200 per hour")
    config.setdefault("JOIN_STATUS_RATE_LIMIT", "30 per minute")
    # Five wrong passwords for one account name lock it for the rest of a ten-minute window.
    config.setdefault("SIGN_IN_ACCOUNT_LIMIT", "5 per 10 minutes")
    limiter.init_app(app)
