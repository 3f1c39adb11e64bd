"""The permission matrix, enforced: before any view runs, the request's endpoint is looked up in
:data:`projectunion.permission_matrix.MATRIX` and its questions are asked.

- An endpoint the matrix does not cover answers 404 (fails closed) and logs a warning naming it:
  a route added without a row is never served by accident.
- A public endpoint passes; any other needs a signed-in user (the web's sign-in page, the API's
  bearer token and its 401 — the same code the views used, not a copy).
- Each ``view`` question about objects the URL names is asked (404 when refused or when the object
  does not exist), then each ``act`` question (403).

What the URL does not name (an object in the body or the query string, ``Question.in_body``,
``Question.by_view``) is left to the view, and so are the ``act`` questions after such a ``view``
question, so that a route refuses in the order it always has. The views keep asking their own
questions: the gate is the second line, not a replacement. Each URL object is loaded once with
``session.get``; the view's own ``get`` then comes from the identity map.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, abort, current_app, g, request
from flask_login import current_user

from projectunion import models
from projectunion.api import bp as api_bp
from projectunion.api.core import ACTOR, authenticate
from projectunion.api.schema import MAX_ID
from projectunion.auth import login_manager
from projectunion.db import get_session
from projectunion.exceptions import NotFound, PermissionDenied
from projectunion.permission_matrix import ARG_KINDS, MATRIX, Question, about, answer

#: the kind of object a URL argument names → its model
MODELS: dict[str, type] = {
    "union": models.Union,
    "project": models.Project,
    "worker": models.Worker,
    "membership": models.Membership,
    "case": models.WageCase,
    "crew": models.Crew,
    "contractor": models.Contractor,
    "entry": models.SiteEntry,
    "user": models.User,
    "member": models.CrewMember,
}


def _automatic_options() -> bool:
    """Flask answers OPTIONS itself (the allowed methods) without running the view."""
    rule = request.url_rule
    return request.method == "OPTIONS" and bool(getattr(rule, "provide_automatic_options", False))


def _signed_in_user(is_api: bool) -> Any:
    """The user the request acts for, or the answer to someone signed out."""
    if is_api:
        user = authenticate()
        if not isinstance(user, Response):
            setattr(g, ACTOR, user)
        return user
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return current_user._get_current_object()


def check_request() -> Response | None:
    """The ``before_request`` hook: None lets the view run; a response or an error refuses."""
    g.pop(ACTOR, None)
    endpoint = request.endpoint
    if request.routing_exception is not None or endpoint is None:
        return None  # no route: Flask answers 404 / 405 itself
    ask = MATRIX.get(endpoint)
    if ask is None:
        current_app.logger.warning("Endpoint %s has no row in the permission matrix: answered 404", endpoint)
        abort(404)
    if ask.public or _automatic_options():
        return None
    is_api = request.blueprint == api_bp.name
    ids = {kind: value for arg, value in (request.view_args or {}).items() if (kind := ARG_KINDS.get(arg))}
    in_range = all(1 <= value <= MAX_ID for value in ids.values())  # ids are 32-bit: a larger one names nothing
    if is_api and not in_range:
        raise NotFound()  # as the API answers before it reads the token
    user = _signed_in_user(is_api)
    if isinstance(user, Response):
        return user
    if not in_range:
        raise NotFound()
    session = get_session()
    loaded: dict[str, Any] = {}

    def lookup(kind: str) -> Any:
        if kind not in ids:
            return None  # not in the URL: the view finds it
        if kind not in loaded:
            loaded[kind] = session.get(MODELS[kind], ids[kind])
            if loaded[kind] is None:
                raise NotFound()
        return loaded[kind]

    def resolve(question: Question) -> tuple[bool, Any]:
        if question.in_body or question.by_view:
            return False, None
        if question.about is None:
            return True, None
        obj = about(question.about, lookup)
        return obj is not None, obj

    for question in ask.view:
        known, obj = resolve(question)
        if not known:
            return None  # the view asks this one and what follows, in its order
        if not answer(session, user, question, obj):
            raise NotFound(question.refusal)
    for question in ask.act:
        known, obj = resolve(question)
        if known and not answer(session, user, question, obj):
            raise PermissionDenied(question.refusal)
    return None


def init_app(app: Flask) -> None:
    """Registered after the other hooks: an oversized body, CSRF and the API's language come first."""
    app.before_request(check_request)
