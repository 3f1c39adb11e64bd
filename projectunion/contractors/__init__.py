"""Pages for contractors and officers: companies, crews, rosters, sites (进场/退场)."""

from flask import Blueprint

bp = Blueprint("contractors", __name__)

from projectunion.contractors import routes  # noqa: E402,F401
