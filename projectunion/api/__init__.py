"""The JSON API v1 under /api/v1: bearer tokens, the same services as the web
pages, and an OpenAPI 3.1 document generated from the declared shapes."""

from flask import Blueprint

from projectunion.auth import csrf
from projectunion.join import limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, never cookies: no cross-site request can carry them
limiter.exempt(bp)  # the limits guard the public join form and sign-in; a token is not guessable

from projectunion.api import (  # noqa: E402,F401
    cases,
    contractors,
    core,
    meta,
    projects,
    stats,
    unions,
    workers,
)
