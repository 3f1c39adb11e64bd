"""The jurisdiction a report covers: who may ask for which, and the places a breakdown lists."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion import permissions
from projectunion.exceptions import PermissionDenied, ValidationError
from projectunion.i18n import _l
from projectunion.models import (
    Jurisdiction,
    User,
)


def city(session: so.Session) -> Jurisdiction | None:
    return session.scalars(
        sa.select(Jurisdiction).where(Jurisdiction.parent_id.is_(None)).order_by(Jurisdiction.id)
    ).first()


def resolve_scope(session: so.Session, actor: User | None, code: str | None = None) -> Jurisdiction | None:
    """The jurisdiction whose totals are asked for: by default the actor's own, or the whole city.

    ``actor=None`` is the command line (an operator with access to the database itself).
    """
    if actor is not None and not permissions.can_view_reports(actor):
        raise PermissionDenied(_l("Only union and city staff can see the totals."))
    own = permissions.reports_confined_to(actor)
    code = (code or "").strip()
    if code:
        scope = session.scalars(sa.select(Jurisdiction).where(Jurisdiction.code == code)).first()
        if scope is None:
            raise ValidationError({"jurisdiction": _l("There is no jurisdiction with the code %(code)s.", code=code)})
    else:
        scope = own or city(session)
    if own is not None and not own.contains(scope):
        raise PermissionDenied(_l("You can only see the totals of %(place)s and the places under it.", place=own.name))
    return scope


def within(scope: Jurisdiction | None, path: sa.ColumnElement) -> list[sa.ColumnElement]:
    """The condition that keeps the rows whose jurisdiction ``path`` is in ``scope``: none for the whole city."""
    if scope is None or scope.parent_id is None:
        return []
    return [path.startswith(scope.path, autoescape=True)]


def scope_choices(session: so.Session, actor: User | None) -> list[Jurisdiction]:
    """The jurisdictions the actor may choose, in tree order (city, then each district and its towns)."""
    own = permissions.reports_confined_to(actor)
    query = sa.select(Jurisdiction).order_by(Jurisdiction.path)
    if own is not None:
        query = query.where(Jurisdiction.path.startswith(own.path, autoescape=True))
    return list(session.scalars(query))


def _places(session: so.Session, scope: Jurisdiction | None, level: str) -> list[Jurisdiction]:
    """The districts or towns a breakdown lists: those in the scope, or the scope's own district."""
    if scope is not None and level == "district" and scope.level == "town":
        return [scope.parent] if scope.parent is not None else []
    query = sa.select(Jurisdiction).where(Jurisdiction.level == level).order_by(Jurisdiction.code)
    if scope is not None:
        query = query.where(Jurisdiction.path.startswith(scope.path, autoescape=True))
    return list(session.scalars(query))
