"""The JSON API v1 under /api/v1: bearer tokens, the same services as the web
pages, and an OpenAPI 3.1 document generated from the declared shapes."""

from flask import Blueprint

from projectunion.auth import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, never cookies: no cross-site request can carry them

from projectunion.api import (  # noqa: E402,F401
    cases,
    contractors,
    core,
    coverage,
    meta,
    projects,
    stats,
    unions,
    workers,
)
