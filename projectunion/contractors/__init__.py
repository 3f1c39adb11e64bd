"""Pages for contractors and officers: companies, crews and their rosters, sites (进场/退场)."""

from flask import Blueprint

from projectunion.auth import signed_in_only

bp = signed_in_only(Blueprint("contractors", __name__))

from projectunion.contractors import companies, crews, sites  # noqa: E402,F401
