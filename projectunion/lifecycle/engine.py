"""Firing events on the machines, and recording every transition.

One ``transitions`` machine per kind is built once at import and never
attached to instances (see CONVENTIONS.md). Guards raise
:class:`InvalidTransition` with their reason; effects run in the caller's
transaction and never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from transitions import Machine

from projectunion import labels
from projectunion.dates import today
from projectunion.exceptions import DomainError, InvalidTransition, ValidationError
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import Declaration


@dataclass
class Context:
    """What a transition's guards and effects may use: where, who, when, and the event's data."""

    session: so.Session
    actor: Any
    on: dt.date
    data: dict[str, Any] = field(default_factory=dict)
    #: what a guard found and a later step of the same transition reuses (not recorded)
    found: dict[str, Any] = field(default_factory=dict)


Guard = Callable[[Any, Context], None]
Effect = Callable[[Any, Context], None]


class Lifecycle:
    """A declaration bound to its guard and effect implementations."""

    def __init__(self, declaration: Declaration, guards: dict[str, Guard], effects: dict[str, Effect]):
        self.declaration = declaration
        self.guards = guards
        self.effects = effects
        missing = {g for t in declaration.transitions for g in t.guards} - guards.keys()
        missing |= {e for t in declaration.transitions for e in (*t.prepare, *t.effects)} - effects.keys()
        if missing:
            raise RuntimeError(f"{declaration.name}: no implementation for {sorted(missing)}")
        self.machine = Machine(
            model=None,
            states=list(declaration.states),
            initial=None,
            auto_transitions=False,
            send_event=True,
            model_attribute="state",
        )
        for t in declaration.transitions:
            self.machine.add_transition(
                t.event,
                list(t.source),
                t.dest,
                # The date rule comes last, so a machine's own, more specific refusal speaks first.
                conditions=[*(self._guard(t.event, name) for name in t.guards), self._in_date_order],
                before=[self._effect(name) for name in t.prepare],
                after=[self._effect(name) for name in t.effects],
            )

    def _guard(self, event: str, name: str):
        def check(event_data) -> bool:
            self.guards[name](event_data.model, event_data.kwargs["ctx"])
            return True

        check.__name__ = f"guard_{name}"
        return check

    def _effect(self, name: str):
        def run(event_data) -> None:
            self.effects[name](event_data.model, event_data.kwargs["ctx"])

        run.__name__ = f"effect_{name}"
        return run

    def _in_date_order(self, event_data) -> bool:
        not_before_previous(self.declaration.name, event_data.model, event_data.kwargs["ctx"])
        return True

    def allowed_events(self, obj) -> list[str]:
        return [e for e in self.declaration.events() if e in self.machine.get_triggers(obj.state)]

    def refusal(self, obj, event: str, ctx: Context, data_free: frozenset[str]) -> DomainError | None:
        """Why ``event`` would be refused now, judged by the guards among ``data_free`` (those that
        need no event data); None when it would not be refused for that."""
        if event not in self.allowed_events(obj):
            return self.refuse(obj, event)
        refused = self._data_free_refusal(obj, event, ctx, data_free)
        return refused[1] if refused else None

    def _data_free_refusal(
        self, obj, event: str, ctx: Context, data_free: frozenset[str]
    ) -> tuple[str, DomainError] | None:
        """The first data-free guard of ``event`` that refuses now, with its refusal."""
        for t in self.declaration.transitions:
            if t.event != event or obj.state not in t.source:
                continue
            for name in t.guards:
                if name in data_free:
                    try:
                        self.guards[name](obj, ctx)
                    except DomainError as exc:
                        return name, exc
        return None

    def withheld_events(self, obj, ctx: Context, data_free: frozenset[str]) -> dict[str, tuple[str, DomainError]]:
        """The events the state allows but a data-free guard refuses now: ``{event: (guard, refusal)}``.
        A page shows the refusal (what is needed first) where the button would have been."""
        out = {}
        for event in self.allowed_events(obj):
            if refused := self._data_free_refusal(obj, event, ctx, data_free):
                out[event] = refused
        return out

    def offered_events(self, obj, ctx: Context, data_free: frozenset[str]) -> list[str]:
        """The buttons a page may offer: the allowed events none of whose data-free guards refuses."""
        return [e for e in self.allowed_events(obj) if self.refusal(obj, e, ctx, data_free) is None]

    def refuse(self, obj, event: str, reason: Any = None) -> InvalidTransition:
        return InvalidTransition(self.declaration.name, event, obj.state, self.allowed_events(obj), reason)

    def fire(self, obj, event: str, ctx: Context) -> None:
        if event not in self.allowed_events(obj):
            raise self.refuse(obj, event)
        before = obj.state
        if not self.machine.events[event].trigger(obj, ctx=ctx):
            raise self.refuse(obj, event)
        _record(ctx, self.declaration.name, obj, event, before)


#: Refusals of a date before the object's creation, per machine (and the state it was created in).
_BEFORE_CREATION: dict[str, Callable[[str], Any]] = {
    "project": lambda date: _l("The date cannot be before %(date)s, the day the project was registered.", date=date),
    "union": lambda date: _l(
        "The date cannot be before %(date)s, the day construction started and the union was opened.", date=date
    ),
    "union:active": lambda date: _l("The date cannot be before %(date)s, the day the union was created.", date=date),
    "membership:pending": lambda date: _l("The date cannot be before %(date)s, the day the worker applied.", date=date),
    "membership": lambda date: _l("A membership cannot end before it began (%(date)s).", date=date),
    "wage_case": lambda date: _l("The date cannot be before %(date)s, the day the case was opened.", date=date),
    "crew": lambda date: _l("The date cannot be before %(date)s, the day the crew was created.", date=date),
}


def not_before_previous(machine: str, obj, ctx: Context) -> None:
    """No transition is dated before the object's previous one (DESIGN.md, event dates).

    A membership's previous transition is the day it began, so this is also
    the rule that no membership ends (or moves) before it began; a project
    union's first transition is its opening by the project's start.
    """
    from projectunion.models.history import StateChange

    previous = ctx.session.execute(
        sa.select(StateChange.on, StateChange.event, StateChange.from_state, StateChange.to_state)
        .where(StateChange.machine == machine, StateChange.object_id == obj.id)
        .order_by(StateChange.on.desc(), StateChange.id.desc())
        .limit(1)
    ).first()
    if previous is None or ctx.on >= previous.on:
        return
    date = previous.on.isoformat()
    if machine == "membership" and previous.to_state == "active":
        message = _BEFORE_CREATION["membership"](date)
    elif previous.from_state is None:
        message = _BEFORE_CREATION.get(f"{machine}:{previous.to_state}", _BEFORE_CREATION[machine])(date)
    else:
        message = _l(
            "The date cannot be before %(date)s, the date of the previous event (%(event)s).",
            date=date,
            event=labels.event(machine, previous.event),
        )
    raise ValidationError({"on": message}, message)


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, dict):
            value = _jsonable({str(k): v for k, v in value.items()})
        elif not isinstance(value, (str, int, float, bool, list, type(None))):
            value = str(value)
        out[key] = value
    return out


def context(session: so.Session, actor: Any, on: dt.date | None = None, **data: Any) -> Context:
    return Context(session=session, actor=actor, on=on or today(), data=data)


def record_creation(session: so.Session, machine: str, obj, ctx: Context, event: str = "create") -> None:
    """Record how an object came into its initial state (it has no 'from')."""
    session.flush()
    _record(ctx, machine, obj, event, None)


def _record(ctx: Context, machine: str, obj, event: str, before: str | None) -> None:
    from projectunion.models.history import StateChange

    ctx.session.add(
        StateChange(
            machine=machine,
            object_id=obj.id,
            event=event,
            from_state=before,
            to_state=obj.state,
            on=ctx.on,
            actor_id=getattr(ctx.actor, "id", None),
            data=_jsonable(ctx.data),
        )
    )
