"""Signing in and out, one's own password, and the language."""

from flask import Blueprint

bp = Blueprint("account", __name__)

from projectunion.account import routes  # noqa: E402,F401
