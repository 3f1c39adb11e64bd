from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.db import Base
from projectunion.lifecycle.declarations import ALL
from projectunion.models._columns import Timestamp, choice, utcnow


class StateChange(Base):
    """One transition of one machine: who, when, from, to, which event, with what data.

    ``on`` is the calendar date the event happened (given by the user, may be in
    the past); ``at`` is when it was recorded (UTC).
    """

    __tablename__ = "state_changes"
    __table_args__ = (
        sa.Index("ix_state_changes_object", "machine", "object_id", "id"),
        sa.Index("ix_state_changes_event_on", "machine", "event", "on"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    machine: so.Mapped[str] = so.mapped_column(choice("machine_name", tuple(ALL)))
    object_id: so.Mapped[int]
    event: so.Mapped[str] = so.mapped_column(sa.String(40))
    from_state: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    to_state: so.Mapped[str] = so.mapped_column(sa.String(40))
    on: so.Mapped[dt.date]
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    at: so.Mapped[dt.datetime] = so.mapped_column(Timestamp, default=utcnow)
    data: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    # Sealed at commit by projectunion.audit_chain: position in the chain and hash over content + previous hash.
    chain_seq: so.Mapped[int | None] = so.mapped_column(unique=True)
    chain_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64))


class AuditEvent(Base):
    """Every write that is not a transition, and every reveal of a full ID number."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    at: so.Mapped[dt.datetime] = so.mapped_column(Timestamp, default=utcnow)
    action: so.Mapped[str] = so.mapped_column(sa.String(60))
    object_type: so.Mapped[str] = so.mapped_column(sa.String(40))
    object_id: so.Mapped[int | None]
    data: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    chain_seq: so.Mapped[int | None] = so.mapped_column(unique=True)
    chain_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64))
