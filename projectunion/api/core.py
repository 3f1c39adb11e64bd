"""Declaring API operations: one decorator registers the Flask route and the
operation's entry in the OpenAPI document, and does for every call what every
call needs — bearer-token sign-in, the user's language, validation of the
query, body or form by their pydantic models, and writing the answer through
its response model."""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import flask_babel
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, current_app, g, request
from pydantic import BaseModel, Field

from projectunion.api import bp
from projectunion.api.schema import (
    MAX_ID,
    QUERY_MESSAGES,
    Answer,
    Id,
    Integer,
    Listing,
    Query,
    Request,
    Text,
    described,
    validate,
)
from projectunion.db import get_session
from projectunion.exceptions import NotFound, ValidationError
from projectunion.i18n import _, _l
from projectunion.models import User
from projectunion.services import users


class ErrorBody(Answer, extra="allow", json_schema_serialization_defaults_required=False):
    code: Text() = Field(description=_l("Stable machine-readable code, e.g. `validation_error`."))
    message: Text(multiline=True) = Field(description=_l("What went wrong, in the user's language."))
    fields: dict[str, str] | None = Field(None, description=_l("Validation errors: a message per field."))
    allowed: list[Text()] | None = Field(None, description=_l("For `invalid_transition`: the events allowed now."))
    union_id: Id | None = Field(None, description=_l("For `already_member`: the union the worker is in."))


class Error(Answer, json_schema_extra=described(_l("Every error answer has this form."))):
    error: ErrorBody


STATUS_TEXT = {
    400: _l("The input is not valid; `fields` says what to correct."),
    401: _l("No valid bearer token was sent."),
    403: _l("The token's user may not do this."),
    404: _l("Not found, or outside the token user's scope."),
    409: _l("Refused in the current state (`invalid_transition` with `allowed`, `already_member`, ...)."),
}


@dataclass
class Operation:
    """One route of the API, as the OpenAPI document describes it."""

    method: str
    path: str
    endpoint: str
    tag: str
    summary: Any
    description: Any
    response: type[BaseModel] | None
    status: int
    body: type[Request] | None
    query: type[Query] | None
    form: type[Request] | None
    errors: tuple[int, ...]
    public: bool
    media: str
    path_params: list[str] = field(default_factory=list)


OPERATIONS: list[Operation] = []


def operation(
    method: str,
    path: str,
    *,
    tag: str,
    summary: Any,
    response: type[BaseModel] | None = None,
    status: int = 200,
    body: type[Request] | None = None,
    query: type[Query] | None = None,
    form: type[Request] | None = None,
    errors: tuple[int, ...] = (),
    public: bool = False,
    description: Any = None,
    media: str = "application/json",
) -> Callable:
    """Register ``view`` at ``path`` (relative to /api/v1, ``{name}`` for ids).

    The view receives the path ids, ``actor`` (the token's user) unless
    public, and ``query`` / ``body`` / ``form`` as validated models; it
    returns what ``response`` reads (an ORM object, a ``Listing``, a model)
    and writes out, or, without ``response``, a finished Flask response.
    """
    path_params = re.findall(r"{(\w+)}", path)
    rule = re.sub(r"{(\w+)}", r"<int:\1>", path)
    implied = (401,) if not public else ()
    implied += (400,)  # a malformed body, or any unknown query parameter
    implied += (404,) if path_params else ()

    def decorate(view: Callable) -> Callable:
        op = Operation(
            method=method.upper(),
            path=path,
            endpoint=f"{bp.name}.{view.__name__}",
            tag=tag,
            summary=summary,
            description=description,
            response=response,
            status=status,
            body=body,
            query=query,
            form=form,
            errors=tuple(sorted(set(implied + errors))),
            public=public,
            media=media,
            path_params=path_params,
        )

        @functools.wraps(view)
        def handle(**ids: int):
            if not all(1 <= value <= MAX_ID for value in ids.values()):
                raise NotFound()
            kwargs: dict[str, Any] = dict(ids)
            if not public:
                actor = g.pop(ACTOR, None) or authenticate()  # the permission gate has read the token
                if isinstance(actor, Response):
                    return actor
                kwargs["actor"] = actor
            args = _query(query or Query)
            if query is not None:
                kwargs["query"] = args
            if body is not None:
                kwargs["body"] = validate(body, _json_body())
            if form is not None:
                kwargs["form"] = validate(form, _form())
            result = view(**kwargs)
            if response is None:
                return result
            answer = response.model_validate(result).model_dump_json(by_alias=True)
            return Response(answer, status=status, mimetype="application/json")

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=handle, methods=[op.method])
        OPERATIONS.append(op)
        return view

    return decorate


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status=status, headers=headers, mimetype="application/json")


def _json_body() -> Any:
    if not request.is_json:
        raise ValidationError({"body": _l("Send a JSON object with the header Content-Type: application/json.")})
    data = request.get_json(silent=True)
    if data is None:
        raise ValidationError({"body": _l("The request body is not valid JSON.")})
    return data


def _query(model: type[Query]) -> Query:
    """Unknown parameters are refused, so that a misspelt filter never silently lists everything."""
    known = {f.alias or name for name, f in model.model_fields.items()}
    args = request.args.to_dict()
    empty = {name: _l("Give a value or leave the parameter out.") for name in known if args.get(name) == ""}
    try:
        parsed = validate(model, {name: text for name, text in args.items() if name not in empty}, QUERY_MESSAGES)
    except ValidationError as exc:
        raise ValidationError({**exc.fields, **empty}) from None
    if empty:
        raise ValidationError(empty)
    return parsed


def _form() -> dict[str, Any]:
    """A multipart form: files by name, and the other fields' text (an empty field counts as absent)."""
    return {**{name: text for name, text in request.form.items() if text != ""}, **request.files.to_dict()}


# Language ------------------------------------------------------------------


def _accepted_locale() -> str | None:
    """The first language of Accept-Language that we have, matched on its primary tag."""
    languages = current_app.config["LANGUAGES"]
    primary = {code.split("_")[0].lower(): code for code in languages}
    for value, _quality in request.accept_languages:
        code = primary.get(value.replace("_", "-").split("-")[0].lower())
        if code is not None:
            return code
    return None


@bp.before_app_request
def choose_locale() -> None:
    """API answers follow Accept-Language, else the token user's language, else the default (Chinese)."""
    if request.path.startswith("/api/"):
        g.api_locale = _accepted_locale()
    else:
        g.pop("api_locale", None)
    flask_babel.refresh()


# Sign-in -------------------------------------------------------------------


def _unauthorized(message: str, invalid: bool) -> Response:
    challenge = 'Bearer realm="projectunion"' + (', error="invalid_token"' if invalid else "")
    body = {"error": {"code": "invalid_token" if invalid else "unauthorized", "message": message}}
    return json_response(body, 401, {"WWW-Authenticate": challenge})


#: Where :mod:`projectunion.permission_gate` leaves the token's user for the view, so the token is read once.
ACTOR = "api_actor"


def authenticate() -> User | Response:
    """The user of the request's bearer token, or the 401 answer."""
    scheme, _sep, token = request.headers.get("Authorization", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return _unauthorized(_("Send an API token in the header “Authorization: Bearer <token>”."), invalid=False)
    user = users.user_for_token(get_session(), token)
    if user is None:
        return _unauthorized(_("This API token is not valid, has expired or has been revoked."), invalid=True)
    if g.get("api_locale") is None and user.locale in current_app.config["LANGUAGES"]:
        g.api_locale = user.locale
        flask_babel.refresh()
    return user


# Lists ---------------------------------------------------------------------


class ListQuery(Query):
    """The parameters of every list; a list's filters are added by subclassing."""

    cursor: Text(100) | None = Field(None, description=_l("The `next` value of the previous page."))
    limit: Integer(1, 200, from_text=True) | None = Field(
        None, description=_l("Items per page (default 50, at most 200).")
    )


def _encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        match = re.fullmatch(r"after:([0-9]{1,10})", text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        match = None
    if match is None or int(match.group(1)) > MAX_ID:
        raise ValidationError({"cursor": _l("This cursor is not valid; start again from the first page.")})
    return int(match.group(1))


def paginate(session: so.Session, stmt: sa.Select, key: Any, query: ListQuery) -> Listing:
    """Keyset pagination on ``key`` (an increasing id): stable while rows are added."""
    after = _decode_cursor(query.cursor)
    limit = query.limit or current_app.config["PAGE_SIZE"]
    if after is not None:
        stmt = stmt.where(key > after)
    rows = list(session.scalars(stmt.order_by(key).limit(limit + 1)))
    if len(rows) > limit:
        return Listing(rows[:limit], _encode_cursor(rows[limit - 1].id))
    return Listing(rows, None)
