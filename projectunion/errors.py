"""Friendly error pages, and domain errors turned into the right status."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from projectunion.exceptions import DomainError
from projectunion.i18n import _l


def _wants_json() -> bool:
    return request.path.startswith("/api/")


#: Messages for HTTP errors from the routing under /api/ (unknown route, wrong method).
API_MESSAGES = {
    404: _l("There is no such route in the API; see /api/v1/docs."),
    405: _l("This method is not allowed here; the Allow header lists the allowed ones."),
}


def _api_http_error(exc: HTTPException, status: int):
    """JSON for HTTP errors under /api/, keeping their headers (Allow on 405)."""
    headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
    message = str(API_MESSAGES.get(status, exc.description))
    return {"error": {"code": exc.name.lower().replace(" ", "_"), "message": message}}, status, headers


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        if _wants_json():
            return {"error": exc.as_dict()}, exc.status
        return render_template("errors/error.html", status=exc.status, message=str(exc.message)), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        if _wants_json():
            return _api_http_error(exc, status)
        return render_template("errors/error.html", status=status, message=None), status

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("Unhandled error")
        if _wants_json():
            return {"error": {"code": "internal_error", "message": "Internal error"}}, 500
        return render_template("errors/error.html", status=500, message=None), 500
