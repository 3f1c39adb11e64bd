"""Every allowed and every refused transition of each machine, checked against
DESIGN.md's words (written out below), not against the declaration that builds
the machine."""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale

from projectunion import lifecycle
from projectunion.exceptions import InvalidTransition
from projectunion.lifecycle.declarations import ALL
from projectunion.models import StateChange

#: DESIGN.md, "Lifecycles": (state, event) -> the state it leads to. Anything else is refused.
DESIGN = {
    "project": {
        ("planned", "start"): "under_construction",
        ("under_construction", "halt"): "halted",
        ("halted", "resume"): "under_construction",
        ("under_construction", "complete"): "completed",
        ("planned", "cancel"): "cancelled",
    },
    "union": {
        ("preparing", "found"): "active",
        ("active", "suspend"): "suspended",
        ("suspended", "resume"): "active",
        ("active", "begin_dissolution"): "dissolving",
        ("suspended", "begin_dissolution"): "dissolving",
        ("dissolving", "dissolve"): "dissolved",
        ("preparing", "abandon"): "dissolved",
    },
    "membership": {
        ("pending", "approve"): "active",
        ("pending", "reject"): "rejected",
        # "decided in the dissolution wizard: handed on (approved into the successor union)"
        ("pending", "hand_on"): "handed_on",
        ("active", "end"): "ended",
        ("active", "transfer"): "transferred",
    },
    "wage_case": {
        ("open", "mediate"): "mediating",
        ("mediating", "resolve"): "resolved",
        ("open", "escalate"): "escalated",
        ("mediating", "escalate"): "escalated",
        ("escalated", "resolve"): "resolved",
    },
    # A crew closes once it is off every site (contractors' crews, 班组).
    "crew": {("open", "close"): "closed"},
}
STATES = {
    "project": {"planned", "under_construction", "halted", "completed", "cancelled"},
    "union": {"preparing", "active", "suspended", "dissolving", "dissolved"},
    "membership": {"pending", "active", "rejected", "ended", "transferred", "handed_on"},
    "wage_case": {"open", "mediating", "escalated", "resolved"},
    "crew": {"open", "closed"},
}


def _pairs(name):
    """(state, event, destination or None if refused) for every state × event DESIGN names."""
    events = sorted({event for _state, event in DESIGN[name]})
    for state in sorted(STATES[name]):
        for event in events:
            yield state, event, DESIGN[name].get((state, event))


class Plain:
    """A stand-in object in a given state, for the bare machine (no guards needed here)."""

    __tablename__ = ""

    def __init__(self, state):
        self.state = state
        self.id = 1


def test_every_machine_of_the_design_exists_with_its_states_and_events():
    assert set(ALL) == set(DESIGN)
    for name, declaration in ALL.items():
        assert set(declaration.states) == STATES[name], name
        assert set(declaration.events()) == {event for _state, event in DESIGN[name]}, name


@pytest.mark.parametrize(
    ("name", "state", "event", "dest"), [(name, *pair) for name in sorted(DESIGN) for pair in _pairs(name)]
)
def test_each_machine_offers_exactly_the_events_the_design_allows(name, state, event, dest):
    assert (event in lifecycle.lifecycle_of(name).allowed_events(Plain(state))) == (dest is not None)


def test_allowed_events_follow_the_design():
    def allowed(name, state):
        return lifecycle.lifecycle_of(name).allowed_events(Plain(state))

    assert allowed("project", "planned") == ["start", "cancel"]
    assert allowed("project", "under_construction") == ["halt", "complete"]
    assert allowed("project", "halted") == ["resume"]
    assert allowed("project", "completed") == []
    assert allowed("union", "preparing") == ["found", "abandon"]
    assert allowed("union", "active") == ["suspend", "begin_dissolution"]
    assert allowed("union", "suspended") == ["resume", "begin_dissolution"]
    assert allowed("union", "dissolving") == ["dissolve"]
    assert allowed("union", "dissolved") == []
    assert allowed("membership", "pending") == ["approve", "reject", "hand_on"]
    assert allowed("membership", "active") == ["end", "transfer"]
    assert allowed("membership", "transferred") == []
    assert allowed("wage_case", "open") == ["mediate", "escalate"]
    assert allowed("wage_case", "mediating") == ["resolve", "escalate"]
    assert allowed("wage_case", "escalated") == ["resolve"]
    assert allowed("wage_case", "resolved") == []


# --- the project machine on real rows ---------------------------------------------------


@pytest.mark.parametrize(("state", "event", "dest"), list(_pairs("project")))
def test_project_transition_on_a_real_project(f, db_session, state, event, dest):
    project = f.project()
    path = {
        "planned": [],
        "under_construction": ["start"],
        "halted": ["start", "halt"],
        "completed": ["start", "complete"],
        "cancelled": ["cancel"],
    }[state]
    for step in path:
        f.fire(project, step, on=dt.date(2024, 1, 1))
    assert project.state == state
    if dest is None:
        with pytest.raises(InvalidTransition) as info:
            f.fire(project, event, on=dt.date(2024, 2, 1))
        assert info.value.allowed == lifecycle.allowed_events(project)
        assert project.state == state
    else:
        f.fire(project, event, on=dt.date(2024, 2, 1))
        assert project.state == dest
        last = (
            db_session.query(StateChange)
            .filter_by(machine="project", object_id=project.id)
            .order_by(StateChange.id.desc())
            .first()
        )
        assert (last.event, last.from_state, last.to_state, last.on) == (event, state, dest, dt.date(2024, 2, 1))


def test_refused_transition_names_the_allowed_events(f):
    project = f.project()
    with pytest.raises(InvalidTransition) as info:
        f.fire(project, "complete")
    assert info.value.code == "invalid_transition"
    assert info.value.allowed == ["start", "cancel"]
    assert info.value.status == 409


def test_unknown_event_is_refused_like_any_other(f):
    project = f.project()
    with pytest.raises(InvalidTransition):
        f.fire(project, "explode")


# --- union ---------------------------------------------------------------------------------


def _union_in(f, state):
    union = f.started_union(on=dt.date(2024, 1, 1))
    if state == "preparing":
        return union
    if state == "dissolved":
        f.fire(union, "abandon", on=dt.date(2024, 1, 2))
        return union
    chair = f.enroll(union, on=dt.date(2024, 1, 1))
    f.fire(union, "found", on=dt.date(2024, 1, 1), chair_membership_id=chair.id)
    if state == "suspended":
        f.fire(union, "suspend", on=dt.date(2024, 1, 2))
    if state == "dissolving":
        f.fire(union, "begin_dissolution", on=dt.date(2024, 1, 2))
    return union


@pytest.mark.parametrize(("state", "event", "dest"), list(_pairs("union")))
def test_union_transition_on_a_real_union(f, state, event, dest):
    f.regional_union()
    union = _union_in(f, state)
    assert union.state == state
    data = {"chair_membership_id": union.chair_membership_id} if event == "found" else {}
    if event == "found" and state == "preparing":
        data["chair_membership_id"] = f.enroll(union, on=dt.date(2024, 1, 1)).id
    if dest is None:
        with pytest.raises(InvalidTransition) as info:
            f.fire(union, event, on=dt.date(2024, 2, 1), **data)
        assert union.state == state
        assert info.value.allowed == lifecycle.allowed_events(union)
    else:
        f.fire(union, event, on=dt.date(2024, 2, 1), **data)
        assert union.state == dest


def test_found_refused_without_a_chair(f):
    union = f.started_union()
    f.enroll(union)
    with pytest.raises(InvalidTransition) as info:
        f.fire(union, "found")
    with force_locale("en"):  # the messages are Chinese by default
        assert "chair" in str(info.value.message)
    assert union.state == "preparing"


def test_found_refused_when_chair_is_a_member_of_another_union(f):
    other = f.started_union()
    outsider = f.enroll(other)
    union = f.started_union()
    with pytest.raises(InvalidTransition):
        f.fire(union, "found", chair_membership_id=outsider.id)


def test_found_records_chair_and_date(f):
    union = f.started_union(on=dt.date(2024, 5, 1))
    chair = f.enroll(union, on=dt.date(2024, 5, 2))
    f.fire(union, "found", on=dt.date(2024, 5, 3), chair_membership_id=chair.id)
    assert union.chair_membership_id == chair.id
    assert union.founded_on == dt.date(2024, 5, 3)


# --- membership ------------------------------------------------------------------------------


def test_end_requires_a_known_reason(f):
    union = f.active_union(members=2)
    m = f.enroll(union)
    from projectunion.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        f.fire(m, "end", reason="bored")
    assert "reason" in info.value.fields
    f.fire(m, "end", on=dt.date(2024, 6, 1), reason="left_site")
    assert (m.state, m.ended_on, m.end_reason) == ("ended", dt.date(2024, 6, 1), "left_site")


def test_ended_membership_cannot_be_ended_again(f):
    union = f.active_union(members=2)
    m = f.enroll(union)
    f.fire(m, "end", reason="withdrew", on=dt.date(2024, 6, 1))
    with pytest.raises(InvalidTransition) as info:
        f.fire(m, "end", reason="withdrew")
    assert info.value.allowed == []


def test_every_transition_writes_a_state_change_with_actor(f, db_session):
    union = f.active_union(members=1)
    changes = (
        db_session.query(StateChange).filter_by(machine="union", object_id=union.id).order_by(StateChange.id).all()
    )
    assert [(c.event, c.from_state, c.to_state) for c in changes] == [
        ("create", None, "preparing"),
        ("found", "preparing", "active"),
    ]
    assert all(c.actor_id == f.admin.id for c in changes)
    assert changes[1].data["chair_membership_id"] is not None


def test_diagram_declaration_is_plain_data():
    data = lifecycle.declaration_of("union").as_dict()
    assert data["states"][0] == "preparing"
    found = {"event": "found", "source": ["preparing"], "dest": "active", "guards": ["has_active_member", "has_chair"]}
    assert found in data["transitions"]
