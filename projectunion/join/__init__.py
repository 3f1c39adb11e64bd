"""Joining by QR code (public, phone-friendly), receipts, member cards, and the
officer's join link and printable poster. Submissions are rate-limited per client
address (:mod:`projectunion.ratelimit`)."""

from flask import Blueprint

bp = Blueprint("join", __name__, url_prefix="/join")

from projectunion.join import routes  # noqa: E402,F401
