"""Friendly error pages, and domain errors turned into the right status."""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from projectunion.exceptions import DomainError


def _wants_json() -> bool:
    return request.path.startswith("/api/")


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
            return {"error": {"code": exc.name.lower().replace(" ", "_"), "message": exc.description}}, status
        return render_template("errors/error.html", status=status, message=None), status

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("Unhandled error")
        if _wants_json():
            return {"error": {"code": "internal_error", "message": "Internal error"}}, 500
        return render_template("errors/error.html", status=500, message=None), 500
