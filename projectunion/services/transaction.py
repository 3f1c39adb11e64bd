"""One unit of work per service call: commit once, or roll everything back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy.exc as sa_exc
import sqlalchemy.orm as so

from projectunion.exceptions import Conflict
from projectunion.i18n import _l
from projectunion.models import AuditEvent


@contextmanager
def unit_of_work(session: so.Session) -> Iterator[so.Session]:
    """Commit on success; on any error roll back so nothing is half-written.

    A unique-constraint race lost to another connection becomes a 409.
    """
    try:
        yield session
        session.commit()
    except sa_exc.IntegrityError as exc:
        session.rollback()
        raise Conflict(_l("Someone else changed the same record at the same time; nothing was saved.")) from exc
    except BaseException:
        session.rollback()
        raise


def audit(session: so.Session, actor: Any, action: str, obj: Any = None, **data: Any) -> None:
    session.add(
        AuditEvent(
            actor_id=getattr(actor, "id", None),
            action=action,
            object_type=getattr(obj, "__tablename__", "system") if obj is not None else "system",
            object_id=getattr(obj, "id", None),
            data={k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()},
        )
    )
