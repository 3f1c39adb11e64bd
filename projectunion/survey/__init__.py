"""The survey (摸排): staff worklists level by level, a site's not-yet-enrolled workers, the coverage
rates with their drill-down, registration forms to print, and yearly enrollment targets."""

from flask import Blueprint

bp = Blueprint("survey", __name__, url_prefix="/survey")

from projectunion.survey import routes  # noqa: E402,F401
