"""Workers: search, the worker page with the whole membership history, revealing an ID number."""

from flask import Blueprint

from projectunion.auth import signed_in_only

bp = signed_in_only(Blueprint("workers", __name__, url_prefix="/workers"))

from projectunion.workers import routes  # noqa: E402,F401
