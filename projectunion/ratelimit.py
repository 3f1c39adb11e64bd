"""The rate limiter, per client address: the public join form and signing in.

Behind a proxy, the app must see the client's address (ProxyFix).
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)


def init_app(app: Flask) -> None:
    config = app.config
    config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # A whole crew may apply from one site Wi-Fi after a morning meeting: generous per minute.
    config.setdefault("JOIN_RATE_LIMIT", "20 per minute; 200 per hour")
    config.setdefault("JOIN_STATUS_RATE_LIMIT", "30 per minute")
    limiter.init_app(app)
