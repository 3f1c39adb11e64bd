"""Construction projects: list, register, edit, and their lifecycle."""

from flask import Blueprint

from projectunion.auth import signed_in_only

bp = signed_in_only(Blueprint("projects", __name__, url_prefix="/projects"))

from projectunion.projects import routes  # noqa: E402,F401
