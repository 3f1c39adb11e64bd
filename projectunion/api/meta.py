"""Jurisdictions, the token's own account, the OpenAPI document and its docs page."""

from __future__ import annotations

import re
from typing import Any

import flask_babel
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import render_template
from markupsafe import Markup, escape

from projectunion.api import bp, openapi
from projectunion.api.core import json_response, list_params, operation, paginate
from projectunion.api.schema import Choice, Field, Id, List, Shape, Text, page_of
from projectunion.db import get_session
from projectunion.i18n import _l
from projectunion.models import Jurisdiction, User
from projectunion.models.jurisdictions import LEVELS
from projectunion.models.users import ROLES
from projectunion.services import jurisdictions


@bp.app_template_filter("inline_code")
def inline_code(text: str) -> Markup:
    """`code` spans of the document's descriptions as <code> (everything else escaped)."""
    parts = re.split(r"`([^`]+)`", str(text))
    return Markup("").join(Markup("<code>{}</code>").format(p) if i % 2 else escape(p) for i, p in enumerate(parts))


JURISDICTION = Shape(
    "Jurisdiction",
    {
        "code": Field(Text(max_length=12)),
        "name": Field(Text(max_length=100)),
        "name_en": Field(Text(max_length=100), nullable=True),
        "level": Field(Choice(LEVELS)),
        "parent_code": Field(Text(max_length=12), nullable=True),
    },
    description=_l("A node of the city → district → town tree."),
)


@operation(
    "GET",
    "/jurisdictions",
    tag="jurisdictions",
    summary=_l("List jurisdictions (city, districts, towns)"),
    response=page_of(JURISDICTION),
    query=list_params(
        level=Field(Choice(LEVELS), required=False),
        parent_code=Field(Text(max_length=12), required=False, description=_l("Only the children of this code.")),
    ),
)
def list_jurisdictions(actor: User, query: dict[str, Any]):
    session = get_session()
    stmt = sa.select(Jurisdiction).options(so.selectinload(Jurisdiction.parent))
    if query["level"]:
        stmt = stmt.where(Jurisdiction.level == query["level"])
    if query["parent_code"]:
        parent = jurisdictions.by_code(session, query["parent_code"])
        stmt = stmt.where(Jurisdiction.parent_id == (parent.id if parent else None))
    items, nxt = paginate(session, stmt, Jurisdiction.id, query)
    return {
        "items": [
            {
                "code": j.code,
                "name": j.name,
                "name_en": j.name_en,
                "level": j.level,
                "parent_code": j.parent.code if j.parent else None,
            }
            for j in items
        ],
        "next": nxt,
    }


ACCOUNT = Shape(
    "Account",
    {
        "id": Field(Id()),
        "username": Field(Text(max_length=60)),
        "display_name": Field(Text(max_length=100)),
        "role": Field(Choice(ROLES)),
        "locale": Field(Text(max_length=16), nullable=True),
        "jurisdiction_code": Field(Text(max_length=12), nullable=True),
        "contractor_id": Field(Id(), nullable=True),
        "union_ids": Field(List(Id()), description=_l("The unions an officer runs.")),
    },
    description=_l("The account a token belongs to; its scope is the scope of every call."),
)


@operation("GET", "/me", tag="account", summary=_l("The token's account and scope"), response=ACCOUNT)
def me(actor: User):
    return {
        "id": actor.id,
        "username": actor.username,
        "display_name": actor.display_name,
        "role": actor.role,
        "locale": actor.locale,
        "jurisdiction_code": actor.jurisdiction.code if actor.jurisdiction else None,
        "contractor_id": actor.contractor_id,
        "union_ids": sorted(u.id for u in actor.unions),
    }


@operation(
    "GET",
    "/openapi.json",
    tag="documentation",
    summary=_l("This API's OpenAPI 3.1 document"),
    public=True,
    description=_l("Generated from the code that validates requests and writes answers."),
)
def openapi_json():
    return json_response(openapi.document())


@operation(
    "GET",
    "/docs",
    tag="documentation",
    summary=_l("This API's documentation page"),
    public=True,
    media="text/html",
)
def docs():
    """The document as a page: server-rendered, no script and nothing fetched from elsewhere."""
    lang = "zh-CN" if str(flask_babel.get_locale()).startswith("zh") else str(flask_babel.get_locale())
    return render_template("api/docs.html", doc=openapi.document(), lang=lang)
