"""Home page per role, the lifecycle diagrams, and what every page shares."""

from flask import Blueprint

from projectunion.auth import signed_in_only

bp = signed_in_only(Blueprint("main", __name__))

from projectunion.main import routes  # noqa: E402,F401
