"""Friendly error pages in the user's language, and domain errors turned into the right status."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app, g, render_template, request
from flask_babel import force_locale
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from projectunion.exceptions import DomainError
from projectunion.i18n import _l
from projectunion.ratelimit import AccountLocked

TITLES = {
    400: _l("The request was not understood"),
    401: _l("Please sign in"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("The request was not understood"),
    409: _l("Not possible right now"),
    410: _l("No longer held"),
    413: _l("The file is too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Out of service for a moment"),
}

MESSAGES = {
    400: _l("The request was not understood. Go back, check what you entered and try again."),
    401: _l("Please sign in."),
    403: _l("Your account is not allowed to see this page or do this."),
    404: _l("This page does not exist, or it is not within your scope."),
    405: _l("The request was not understood. Go back, check what you entered and try again."),
    409: _l("This cannot be done in the current state."),
    410: _l("This data was anonymised and is no longer held."),
    429: _l("Too many requests: please wait a minute and try again."),
    500: _l("Something went wrong on our side. Please try again later."),
    503: _l("The database cannot be reached just now. Nothing you did is lost; please try again in a minute."),
}

#: The errors of a database that is down, restarting or unreachable (or too busy to hand out a connection).
UNAVAILABLE = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)

#: Seconds a client is asked to wait before trying again after a 503.
RETRY_AFTER = 30


def _wants_json() -> bool:
    return request.path.startswith("/api/")


#: Messages for HTTP errors from the routing under /api/ (unknown route, wrong method).
API_MESSAGES = {
    404: _l("There is no such route in the API; see /api/v1/docs."),
    405: _l("This method is not allowed here; the Allow header lists the allowed ones."),
}


def _too_large_message() -> str:
    limit = current_app.config["MAX_CONTENT_LENGTH"] // 2**20
    return str(_l("What you sent is larger than %(mb)d MB. Split a large roster into several files.", mb=limit))


def _api_http_error(exc: HTTPException, status: int):
    """JSON for HTTP errors under /api/, keeping their headers (Allow on 405)."""
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    message = _too_large_message() if status == 413 else str(API_MESSAGES.get(status, exc.description))
    return {"error": {"code": exc.name.lower().replace(" ", "_"), "message": message}}, status, headers


def render_error(status: int, message: str | None = None):
    status = status if status in TITLES else (500 if status >= 500 else 400)
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=TITLES[status],
            message=message or MESSAGES[status],
        ),
        status,
    )


def _unavailable_message() -> str:
    return str(MESSAGES[503])


def _release_database() -> str | None:
    """Give the broken connection back and keep the page from touching the database.

    Returns the signed-in user's language if it is known without a query: the
    page must not load the user (or its menu) from a database that is down.
    """
    user = g.get("_login_user")
    locale = None
    if user is not None and getattr(user, "is_authenticated", False):
        locale = sa.inspect(user).dict.get("locale")
    session: so.Session | None = g.get("db_session")
    if session is not None:
        try:
            session.close()
        except sa.exc.SQLAlchemyError:
            current_app.logger.warning("Could not close the session of a failed request", exc_info=True)
    from projectunion.auth import login_manager

    g._login_user = login_manager.anonymous_user()
    return locale if locale in current_app.config["LANGUAGES"] else None


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_oversized_body() -> None:
        """Before anyone reads it (sign-in, parsing a form): Werkzeug would only refuse once it is read."""
        limit = app.config["MAX_CONTENT_LENGTH"]
        if limit and (request.content_length or 0) > limit:
            raise RequestEntityTooLarge()

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        if _wants_json():
            return {"error": exc.as_dict()}, exc.status
        from projectunion.web import describe

        return render_error(exc.status, describe(exc) if exc.status not in (403, 404) else None)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        if _wants_json():
            return {"error": {"code": "csrf", "message": exc.description}}, 400
        return render_error(
            400,
            str(_l("The form was open too long or came from another page. Go back, reload the page and try again.")),
        )

    def database_unavailable(exc: Exception):
        app.logger.error("The database is unavailable: %s", exc.__class__.__name__, exc_info=True)
        locale = _release_database()
        headers = {"Retry-After": str(RETRY_AFTER)}
        with force_locale(locale) if locale else contextlib.nullcontext():
            if _wants_json():
                return {"error": {"code": "unavailable", "message": _unavailable_message()}}, 503, headers
            body, status = render_error(503)
        return body, status, headers

    for error in UNAVAILABLE:
        app.register_error_handler(error, database_unavailable)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        if isinstance(exc, AccountLocked):
            return render_error(429, exc.description)
        if _wants_json():
            return _api_http_error(exc, status)
        if status < 400:
            return exc
        return render_error(status, _too_large_message() if status == 413 else None)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("Unhandled error")
        if _wants_json():
            return {"error": {"code": "internal_error", "message": "Internal error"}}, 500
        return render_error(500)
