"""The OpenAPI 3.1 document, generated from the declared operations and models.

Nothing here is written by hand beside the code: paths, parameters, bodies,
answers and error statuses all come from ``core.OPERATIONS``, and every
schema from the JSON Schema of the pydantic models that also validate
requests and write answers.
"""

from __future__ import annotations

from typing import Any

from flask_babel.speaklater import LazyString
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from projectunion.api.schema import Id
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


REF = "#/components/schemas/{model}"


def _plain(value: Any) -> Any:
    """The schema with its lazily translated descriptions in the request's language."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return str(value) if isinstance(value, LazyString) else value


def _content(media: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {media: {"schema": schema}}


def _parameters(op) -> list[dict[str, Any]]:
    id_schema = TypeAdapter(Id).json_schema()
    parameters = [{"name": p, "in": "path", "required": True, "schema": id_schema} for p in op.path_params]
    if op.query is None:
        return parameters
    schema = op.query.model_json_schema(ref_template=REF)
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        prop.pop("default", None)
        prop.pop("title", None)
        description = prop.pop("description", None)
        alternatives = [alt for alt in prop.pop("anyOf", []) if alt != {"type": "null"}]
        if alternatives:  # an absent parameter is left out, never null
            prop = {**alternatives[0], **prop}
        required = name in schema.get("required", ())
        param: dict[str, Any] = {"name": name, "in": "query", "required": required, "schema": prop}
        if description is not None:
            param["description"] = description
        parameters.append(param)
    return parameters


def _operation(op, refs: dict[tuple[type[BaseModel], str], dict[str, Any]]) -> dict[str, Any]:
    from projectunion.api.core import STATUS_TEXT, Error

    entry: dict[str, Any] = {
        "operationId": op.endpoint.split(".")[-1],
        "tags": [op.tag],
        "summary": op.summary,
    }
    if op.description is not None:
        entry["description"] = op.description
    parameters = _parameters(op)
    if parameters:
        entry["parameters"] = parameters
    for model, media in ((op.body, "application/json"), (op.form, "multipart/form-data")):
        if model is not None:
            entry["requestBody"] = {"required": True, "content": _content(media, refs[model, "validation"])}
    if op.response is not None:
        answer = refs[op.response, "serialization"]
    else:
        answer = {"type": "object"} if op.media == "application/json" else {"type": "string"}
        if op.media not in ("application/json", "text/html"):
            answer["format"] = "binary"
    responses: dict[str, Any] = {str(op.status): {"description": SUCCESS, "content": _content(op.media, answer)}}
    for code in op.errors:
        responses[str(code)] = {
            "description": STATUS_TEXT[code],
            "content": _content("application/json", refs[Error, "serialization"]),
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
    from projectunion.api.core import OPERATIONS, Error

    models = {(Error, "serialization")}
    for op in OPERATIONS:
        models |= {(m, "validation") for m in (op.body, op.form) if m is not None}
        if op.response is not None:
            models.add((op.response, "serialization"))
    refs, defs = models_json_schema(sorted(models, key=lambda m: (m[0].__name__, m[1])), ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(API_PREFIX + op.path, {})[op.method.lower()] = _operation(op, refs)
    return _plain(
        {
            "openapi": "3.1.0",
            "info": {"title": "projectunion API", "version": "1.0.0", "description": DESCRIPTION},
            "tags": [{"name": name, "description": text} for name, text in TAGS.items()],
            "security": [{"bearerAuth": []}],
            "paths": paths,
            "components": {
                "schemas": dict(sorted(defs.get("$defs", {}).items())),
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            },
        }
    )
