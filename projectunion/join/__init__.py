"""Joining by QR code (public, phone-friendly), receipts, member cards, and the
officer's join link and printable poster. Submissions are rate-limited per client address."""

from flask import Blueprint
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

bp = Blueprint("join", __name__, url_prefix="/join")

#: Limits per client address. Behind a proxy, the app must see the client's address (ProxyFix).
limiter = Limiter(key_func=get_remote_address)


@bp.record_once
def _init_limiter(state) -> None:
    config = state.app.config
    config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # A whole crew may apply from one site Wi-Fi after a morning meeting: generous per minute.
    config.setdefault("JOIN_RATE_LIMIT", "20 per minute; 200 per hour")
    config.setdefault("JOIN_STATUS_RATE_LIMIT", "30 per minute")
    limiter.init_app(state.app)


from projectunion.join import routes  # noqa: E402,F401
