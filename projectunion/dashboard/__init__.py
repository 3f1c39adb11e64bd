"""The city dashboard: headline totals, trend and bar charts, breakdown tables, drill-down lists, exports."""

from flask import Blueprint

from projectunion.auth import signed_in_only

bp = signed_in_only(Blueprint("dashboard", __name__, url_prefix="/dashboard"))

from projectunion.dashboard import routes  # noqa: E402,F401
