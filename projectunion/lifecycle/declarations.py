"""Every lifecycle, declared once as data.

These declarations drive the machines (``transitions``), the database check
constraints on the state columns, the buttons the UI offers, the API's
``allowed_events`` and the diagrams. Guards and effects are named here and
implemented in the machine's own module.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Transition:
    event: str
    source: tuple[str, ...]
    dest: str
    guards: tuple[str, ...] = ()
    #: run after the guards pass, before the state changes
    prepare: tuple[str, ...] = ()
    #: run after the state changed
    effects: tuple[str, ...] = ()


@dataclass(frozen=True)
class Declaration:
    name: str
    states: tuple[str, ...]
    initial: tuple[str, ...]
    transitions: tuple[Transition, ...]
    final: tuple[str, ...] = field(default=())

    def events(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.event for t in self.transitions))

    def as_dict(self) -> dict:
        """The declaration as plain data (for the API and the diagrams)."""
        return {
            "name": self.name,
            "states": list(self.states),
            "initial": list(self.initial),
            "final": list(self.final),
            "transitions": [
                {"event": t.event, "source": list(t.source), "dest": t.dest, "guards": list(t.guards)}
                for t in self.transitions
            ],
        }


def as_mermaid(declaration: Declaration) -> str:
    """The machine as a Mermaid state diagram (README, docs)."""
    lines = ["stateDiagram-v2"]
    lines += [f"    [*] --> {state}" for state in declaration.initial]
    for t in declaration.transitions:
        guard = f" [{', '.join(t.guards)}]" if t.guards else ""
        lines += [f"    {source} --> {t.dest}: {t.event}{guard}" for source in t.source]
    lines += [f"    {state} --> [*]" for state in declaration.final]
    return "\n".join(lines)


PROJECT = Declaration(
    name="project",
    states=("planned", "under_construction", "halted", "completed", "cancelled"),
    initial=("planned",),
    final=("completed", "cancelled"),
    transitions=(
        Transition("start", ("planned",), "under_construction", effects=("open_union",)),
        Transition("halt", ("under_construction",), "halted", effects=("suspend_union",)),
        Transition("resume", ("halted",), "under_construction", effects=("resume_union",)),
        Transition("complete", ("under_construction",), "completed", effects=("begin_union_dissolution",)),
        Transition("cancel", ("planned",), "cancelled"),
    ),
)

UNION = Declaration(
    name="union",
    states=("preparing", "active", "suspended", "dissolving", "dissolved"),
    initial=("preparing", "active"),  # project unions start preparing; standing unions active
    final=("dissolved",),
    transitions=(
        Transition(
            "found", ("preparing",), "active", guards=("has_active_member", "has_chair"), effects=("record_founding",)
        ),
        # A standing union receives every member at dissolution: only an administrator closes it,
        # and never while it holds active members with no successor to take them.
        Transition(
            "suspend", ("active",), "suspended", guards=("closed_by_admin_if_standing", "successor_before_suspending")
        ),
        Transition("resume", ("suspended",), "active"),
        Transition(
            "begin_dissolution",
            ("active", "suspended"),
            "dissolving",
            guards=("closed_by_admin_if_standing", "successor_before_dissolving"),
        ),
        Transition(
            "dissolve",
            ("dissolving",),
            "dissolved",
            guards=("no_open_wage_case", "no_undecided_application"),
            effects=("hand_on_members",),
        ),
        Transition(
            "abandon",
            ("preparing",),
            "dissolved",
            guards=("no_open_wage_case", "no_undecided_application"),
            effects=("hand_on_members",),
        ),
    ),
)

#: Union states in which workers may be enrolled or apply.
ENROLLMENT_OPEN = ("preparing", "active")

MEMBERSHIP = Declaration(
    name="membership",
    states=("pending", "active", "rejected", "ended", "transferred", "handed_on"),
    initial=("pending", "active"),  # applications start pending; hand-overs start active
    final=("rejected", "ended", "transferred", "handed_on"),
    transitions=(
        Transition(
            "approve",
            ("pending",),
            "active",
            guards=("enrollment_open", "old_enough", "not_active_elsewhere"),
            prepare=("hand_over_current",),
            effects=("record_joining",),
        ),
        Transition("reject", ("pending",), "rejected", guards=("has_reason",)),
        # An application left when its union closed: approved into the successor union instead,
        # the new membership linked to it (``application_id``).
        Transition(
            "hand_on",
            ("pending",),
            "handed_on",
            guards=("union_closed", "successor_open"),
            effects=("approve_in_successor",),
        ),
        Transition("end", ("active",), "ended", guards=("valid_end_reason",), effects=("record_end",)),
        Transition(
            "transfer",
            ("active",),
            "transferred",
            guards=("destination_open",),
            effects=("open_destination_membership",),
        ),
    ),
)

#: Membership states that mean the membership was activated at some point.
ACTIVATED = ("active", "ended", "transferred")
END_REASONS = ("left_site", "project_completed", "withdrew", "deceased", "other")

WAGE_CASE = Declaration(
    name="wage_case",
    states=("open", "mediating", "escalated", "resolved"),
    initial=("open",),
    final=("resolved",),
    transitions=(
        Transition("mediate", ("open",), "mediating"),
        Transition(
            "resolve",
            ("mediating", "escalated"),
            "resolved",
            guards=("valid_recovery",),
            effects=("record_resolution",),
        ),
        Transition("escalate", ("open", "mediating"), "escalated"),
    ),
)

#: Wage-case states that block a union's dissolution.
WAGE_CASE_OPEN = ("open", "mediating", "escalated")

CREW = Declaration(
    name="crew",
    states=("open", "closed"),
    initial=("open",),
    final=("closed",),
    transitions=(
        Transition(
            "close",
            ("open",),
            "closed",
            guards=("not_before_creation", "off_every_site", "not_before_last_joining"),
            effects=("members_leave",),
        ),
    ),
)

ALL = {d.name: d for d in (PROJECT, UNION, MEMBERSHIP, WAGE_CASE, CREW)}
