"""The OpenAPI 3.1 document, generated from the declared operations and shapes.

Nothing here is written by hand beside the code: paths, parameters, bodies,
answers and error statuses all come from ``core.OPERATIONS``, and every
schema from the shapes that also validate requests and write answers.
"""

from __future__ import annotations

from typing import Any

from projectunion.api.schema import Id, Shape
from projectunion.i18n import _l

API_PREFIX = "/api/v1"

TAGS = {
    "account": _l("The account behind a token."),
    "jurisdictions": _l("The city's districts and towns."),
    "projects": _l("Construction projects and their lifecycle; starting a project opens its union."),
    "unions": _l("Project and standing unions: founding, suspension, dissolution, members."),
    "memberships": _l("Members over time: approval, ending, transfer."),
    "workers": _l("Real-name workers, found by their full ID number."),
    "contractors": _l("Contractors, their crews and rosters, and crews entering sites."),
    "services": _l("Wage-arrears cases and service records."),
    "stats": _l("The city's totals."),
    "documentation": _l("This document and its page."),
}

SUCCESS = _l("Done.")

DESCRIPTION = _l(
    "Every call except the documentation needs the header `Authorization: Bearer <token>`; "
    "an administrator creates tokens with `projectunion users token USERNAME`. A token acts with "
    'its user\'s scope. Errors are always `{"error": {"code", "message", ...}}` in the language '
    "of `Accept-Language` (else the user's, else Chinese). Dates are `YYYY-MM-DD`; money is a string "
    'with two decimals. Lists are `{"items": [...], "next": cursor-or-null}`.'
)


def _collect(shape: Shape, found: dict[str, Shape]) -> None:
    if shape.name in found:
        if found[shape.name] is not shape:
            raise RuntimeError(f"two different shapes are named {shape.name}")
        return
    found[shape.name] = shape
    for inner in shape.shapes():
        _collect(inner, found)


def _content(media: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {media: {"schema": schema}}


def _operation(op, shapes: dict[str, Shape]) -> dict[str, Any]:
    from projectunion.api.core import ERROR, STATUS_TEXT

    entry: dict[str, Any] = {
        "operationId": op.endpoint.split(".")[-1],
        "tags": [op.tag],
        "summary": str(op.summary),
    }
    if op.description is not None:
        entry["description"] = str(op.description)
    parameters = [{"name": p, "in": "path", "required": True, "schema": Id().json_schema()} for p in op.path_params]
    if op.query is not None:
        for name, f in op.query.fields.items():
            param: dict[str, Any] = {
                "name": name,
                "in": "query",
                "required": f.required,
                "schema": f.type.json_schema(),
            }
            if f.description is not None:
                param["description"] = str(f.description)
            parameters.append(param)
    if parameters:
        entry["parameters"] = parameters
    for shape, media in ((op.body, "application/json"), (op.form, "multipart/form-data")):
        if shape is not None:
            _collect(shape, shapes)
            entry["requestBody"] = {"required": True, "content": _content(media, shape.json_schema())}
    if op.response is not None:
        _collect(op.response, shapes)
        answer = op.response.json_schema()
    else:
        answer = {"type": "string"} if op.media == "text/html" else {"type": "object"}
    responses: dict[str, Any] = {str(op.status): {"description": str(SUCCESS), "content": _content(op.media, answer)}}
    for code in op.errors:
        responses[str(code)] = {
            "description": str(STATUS_TEXT[code]),
            "content": _content("application/json", ERROR.json_schema()),
        }
    if 401 in op.errors:
        responses["401"]["headers"] = {
            "WWW-Authenticate": {"required": True, "schema": {"type": "string", "pattern": "^Bearer"}}
        }
    entry["responses"] = responses
    if op.public:
        entry["security"] = []
    return entry


def document() -> dict[str, Any]:
    from projectunion.api.core import ERROR, OPERATIONS

    shapes: dict[str, Shape] = {}
    _collect(ERROR, shapes)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(API_PREFIX + op.path, {})[op.method.lower()] = _operation(op, shapes)
    return {
        "openapi": "3.1.0",
        "info": {"title": "projectunion API", "version": "1.0.0", "description": str(DESCRIPTION)},
        "tags": [{"name": name, "description": str(text)} for name, text in TAGS.items()],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "schemas": {name: shapes[name].component() for name in sorted(shapes)},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }
