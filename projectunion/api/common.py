"""What several resources share: looking objects up, references in bodies, and history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so
from pydantic import Field

from projectunion import models as orm
from projectunion import permissions
from projectunion.api.core import ListQuery, operation, paginate
from projectunion.api.schema import Answer, AnyObject, Date, Id, Page, Text, Timestamp, described
from projectunion.db import get_session
from projectunion.exceptions import NotFound, ValidationError
from projectunion.i18n import _l
from projectunion.models import Jurisdiction, Union, User
from projectunion.services import jurisdictions

T = TypeVar("T")


def get_or_404(model: type[T], object_id: int, *options: Any) -> T:
    obj = get_session().get(model, object_id, options=options)
    if obj is None:
        raise NotFound()
    return obj


def union_ref(actor: User, union_id: int | None, field: str) -> Union | None:
    """A union named in a body: unknown and out-of-scope look the same (existence is private)."""
    if union_id is None:
        return None
    union = get_session().get(Union, union_id)
    if union is None or not permissions.can_view_union(actor, union):
        raise ValidationError({field: _l("There is no such union within your scope.")})
    return union


def event_data(**values: Any) -> dict[str, Any]:
    """The optional data of an event: only what the client sent."""
    return {k: v for k, v in values.items() if v is not None}


def jurisdiction_filter(session: so.Session, code: str, field: str, column: Any) -> sa.ColumnElement[bool]:
    """Rows whose jurisdiction is ``code`` or below it."""
    node = jurisdictions.by_code(session, code)
    if node is None:
        raise ValidationError({field: _l("Unknown jurisdiction code.")})
    return column.in_(sa.select(Jurisdiction.id).where(Jurisdiction.path.startswith(node.path, autoescape=True)))


class StateChange(Answer, json_schema_extra=described(_l("One transition of a lifecycle."))):
    id: Id
    event: Text()
    from_state: Text() | None = Field(description=_l("Null when the object was created."))
    to_state: Text()
    on: Date = Field(description=_l("The date the event happened (city calendar)."))
    at: Timestamp = Field(description=_l("When it was recorded (UTC)."))
    actor_id: Id | None
    data: AnyObject = Field(description=_l("What the event carried, e.g. the chair or the end reason."))


def history_operation(path: str, tag: str, machine: str, load: Callable[[so.Session, User, int], Any]) -> None:
    """``GET <path>/history``: every transition of one object, oldest first."""

    def view(actor: User, query: ListQuery, **ids: int):
        session = get_session()
        obj = load(session, actor, *ids.values())
        stmt = sa.select(orm.StateChange).where(orm.StateChange.machine == machine, orm.StateChange.object_id == obj.id)
        return paginate(session, stmt, orm.StateChange.id, query)

    view.__name__ = f"{machine}_history"
    operation(
        "GET",
        f"{path}/history",
        tag=tag,
        summary=_l("History: every state change, oldest first"),
        response=Page[StateChange],
        query=ListQuery,
    )(view)
