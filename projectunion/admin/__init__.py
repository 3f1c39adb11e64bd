"""Administration: user accounts with their role and scope."""

from flask import Blueprint

from projectunion.auth import signed_in_only

bp = signed_in_only(Blueprint("admin", __name__, url_prefix="/admin"))

from projectunion import data_report  # noqa: E402,F401  (the access-request page)
from projectunion.admin import routes  # noqa: E402,F401
