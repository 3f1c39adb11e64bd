"""Jurisdictions, the token's own account, the OpenAPI document and its docs page."""

from __future__ import annotations

import re

import flask_babel
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import render_template
from markupsafe import Markup, escape
from pydantic import AliasPath, Field

from projectunion.api import bp, openapi
from projectunion.api.core import ListQuery, json_response, operation, paginate
from projectunion.api.schema import Answer, Choice, Id, IdsOf, Page, Text, described
from projectunion.db import get_session
from projectunion.i18n import _l
from projectunion.models import Jurisdiction as JurisdictionRow
from projectunion.models import User
from projectunion.models.jurisdictions import LEVELS
from projectunion.models.users import ROLES
from projectunion.services import jurisdictions


@bp.app_template_filter("inline_code")
def inline_code(text: str) -> Markup:
    """`code` spans of the document's descriptions as <code> (everything else escaped)."""
    parts = re.split(r"`([^`]+)`", str(text))
    return Markup("").join(Markup("<code>{}</code>").format(p) if i % 2 else escape(p) for i, p in enumerate(parts))


class Jurisdiction(Answer, json_schema_extra=described(_l("A node of the city → district → town tree."))):
    code: Text(12)
    name: Text(100)
    name_en: Text(100) | None
    level: Choice(LEVELS)
    parent_code: Text(12) | None = Field(None, validation_alias=AliasPath("parent", "code"))


class JurisdictionQuery(ListQuery):
    level: Choice(LEVELS) | None = None
    parent_code: Text(12) | None = Field(None, description=_l("Only the children of this code."))


@operation(
    "GET",
    "/jurisdictions",
    tag="jurisdictions",
    summary=_l("List jurisdictions (city, districts, towns)"),
    response=Page[Jurisdiction],
    query=JurisdictionQuery,
)
def list_jurisdictions(actor: User, query: JurisdictionQuery):
    session = get_session()
    stmt = sa.select(JurisdictionRow).options(so.selectinload(JurisdictionRow.parent))
    if query.level:
        stmt = stmt.where(JurisdictionRow.level == query.level)
    if query.parent_code:
        parent = jurisdictions.by_code(session, query.parent_code)
        stmt = stmt.where(JurisdictionRow.parent_id == (parent.id if parent else None))
    return paginate(session, stmt, JurisdictionRow.id, query)


class Account(
    Answer, json_schema_extra=described(_l("The account a token belongs to; its scope is the scope of every call."))
):
    id: Id
    username: Text(60)
    display_name: Text(100)
    role: Choice(ROLES)
    locale: Text(16) | None
    jurisdiction_code: Text(12) | None = Field(None, validation_alias=AliasPath("jurisdiction", "code"))
    contractor_id: Id | None
    union_ids: IdsOf = Field(validation_alias="unions", description=_l("The unions an officer runs."))


@operation("GET", "/me", tag="account", summary=_l("The token's account and scope"), response=Account)
def me(actor: User):
    return actor


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
