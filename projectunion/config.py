"""Configuration: defaults, environment, and secrets kept in the instance folder.

Secrets are never committed and never have a hard-coded default outside
testing: they come from the environment or are generated once into the
instance folder (mode 0600) on first run.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DEFAULTS = {
    "CITY_TIMEZONE": "Asia/Shanghai",
    "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
    "LANGUAGES": {"zh_Hans_CN": "中文", "en": "English"},
    "PAGE_SIZE": 50,
    "MIN_MEMBER_AGE": 16,
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # A roster file may be 10 MB; a request larger than this is refused with 413 before it is read.
    "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
    # Sign-ins end after this long without a request, or this long after they began ("remember me": longer).
    "SESSION_IDLE_MINUTES": 120,
    "SESSION_ABSOLUTE_HOURS": 12,
    "REMEMBERED_IDLE_DAYS": 7,
    "REMEMBERED_ABSOLUTE_DAYS": 30,
    "REMEMBER_COOKIE_DURATION": 30 * 24 * 3600,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # Reverse proxies in front of the app (0: none); each one's X-Forwarded-* headers are trusted.
    "PROXIES": 0,
    # Cookies only over HTTPS; None follows PROXIES (a proxy in front is taken to terminate TLS).
    "SECURE_COOKIES": None,
}


def _instance_secret(instance_path: Path, filename: str) -> str:
    """Read a secret from the instance folder, creating it on first use."""
    path = instance_path / filename
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def sqlite_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'projectunion.sqlite3'}"


def load(app, test_config: dict | None) -> None:
    """Fill app.config from defaults, the environment and test_config."""
    instance_path = Path(app.instance_path)
    app.config.update(DEFAULTS)
    if test_config is not None:
        app.config.update(test_config)
    else:
        app.config["DATABASE_URL"] = os.environ.get("DATABASE_URL") or sqlite_url(instance_path)
        app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or _instance_secret(instance_path, "secret_key")
        app.config["DATA_KEY"] = os.environ.get("PROJECTUNION_DATA_KEY") or _instance_secret(instance_path, "data_key")
        if proxies := os.environ.get("PROJECTUNION_PROXIES"):
            app.config["PROXIES"] = _count("PROJECTUNION_PROXIES", proxies)
        if secure := os.environ.get("PROJECTUNION_SECURE_COOKIES"):
            app.config["SECURE_COOKIES"] = secure not in ("0", "false", "no")
        if storage := os.environ.get("RATELIMIT_STORAGE_URI"):
            app.config["RATELIMIT_STORAGE_URI"] = storage
        if tz := os.environ.get("CITY_TIMEZONE"):
            app.config["CITY_TIMEZONE"] = tz
            app.config["BABEL_DEFAULT_TIMEZONE"] = tz
    for key in ("DATABASE_URL", "SECRET_KEY", "DATA_KEY"):
        if not app.config.get(key):
            raise RuntimeError(f"{key} is not configured")
    secure = app.config["SECURE_COOKIES"]
    if secure if secure is not None else bool(app.config["PROXIES"]):
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True, PREFERRED_URL_SCHEME="https")


def _count(name: str, text: str) -> int:
    if not text.isdigit():
        raise RuntimeError(f"{name} must be a whole number (the number of proxies in front of the app), not {text!r}")
    return int(text)
