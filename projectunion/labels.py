"""Human words for the codes stored in the database (states, events, kinds, roles).

The database and the lifecycle declarations speak in stable English codes;
people read these labels, translated. One table per kind of code, so a page,
a diagram and an error message always call the same thing by the same name.
"""

from __future__ import annotations

from typing import Any

from projectunion.i18n import _l

STATES: dict[str, dict[str, Any]] = {
    "project": {
        "planned": _l("Planned"),
        "under_construction": _l("Under construction"),
        "halted": _l("Halted"),
        "completed": _l("Completed"),
        "cancelled": _l("Cancelled"),
    },
    "union": {
        "preparing": _l("Preparing"),
        "active": _l("Active"),
        "suspended": _l("Suspended"),
        "dissolving": _l("Dissolving"),
        "dissolved": _l("Dissolved"),
    },
    "membership": {
        "pending": _l("Pending"),
        "active": _l("Active member"),
        "rejected": _l("Rejected"),
        "ended": _l("Ended"),
        "transferred": _l("Transferred"),
        "handed_on": _l("Handed on"),
    },
    "wage_case": {
        "open": _l("Opened"),
        "mediating": _l("Mediating"),
        "escalated": _l("Escalated"),
        "resolved": _l("Resolved"),
    },
    "crew": {"open": _l("Open"), "closed": _l("Closed")},
}

EVENTS: dict[str, dict[str, Any]] = {
    "project": {
        "start": _l("Start construction"),
        "halt": _l("Halt construction"),
        "resume": _l("Resume construction"),
        "complete": _l("Complete the project"),
        "cancel": _l("Cancel the project"),
    },
    "union": {
        "found": _l("Found the union"),
        "suspend": _l("Suspend"),
        "resume": _l("Resume"),
        "begin_dissolution": _l("Begin dissolution"),
        "dissolve": _l("Dissolve"),
        "abandon": _l("Abandon (never founded)"),
    },
    "membership": {
        "approve": _l("Approve"),
        "reject": _l("Reject"),
        "hand_on": _l("Hand on to the successor union"),
        "end": _l("End membership"),
        "transfer": _l("Transfer"),
    },
    "wage_case": {
        "mediate": _l("Start mediation"),
        "escalate": _l("Escalate to arbitration or court"),
        "resolve": _l("Resolve"),
    },
    "crew": {"close": _l("Close the crew")},
}

#: Short verbs for the diagrams' arrows, where the button label is too long.
EDGE_LABELS: dict[str, dict[str, Any]] = {
    "project": {
        "start": _l("start"),
        "halt": _l("halt"),
        "resume": _l("resume work"),
        "complete": _l("complete"),
        "cancel": _l("cancel"),
    },
    "union": {
        "found": _l("found"),
        "suspend": _l("suspend"),
        "resume": _l("resume"),
        "begin_dissolution": _l("begin dissolution"),
        "dissolve": _l("dissolve"),
        "abandon": _l("abandon"),
    },
    "membership": {
        "approve": _l("approve"),
        "reject": _l("reject"),
        "hand_on": _l("hand on"),
        "end": _l("end"),
        "transfer": _l("transfer"),
    },
    "wage_case": {
        "mediate": _l("mediate"),
        "escalate": _l("escalate"),
        "resolve": _l("resolve"),
    },
    "crew": {"close": _l("close")},
}

MACHINES = {
    "project": _l("Project"),
    "union": _l("Union"),
    "membership": _l("Membership"),
    "wage_case": _l("Wage case"),
    "crew": _l("Crew"),
}

END_REASONS = {
    "left_site": _l("Left the site"),
    "project_completed": _l("Project completed"),
    "withdrew": _l("Withdrew"),
    "deceased": _l("Deceased"),
    "other": _l("Other reason"),
}

ROLES = {
    "officer": _l("Site union officer"),
    "union_staff": _l("District / town union staff"),
    "contractor": _l("Contractor"),
    "city_staff": _l("City union staff"),
    "admin": _l("Administrator"),
}

UNION_KINDS = {
    "project": _l("Project union"),
    "regional": _l("Regional union"),
    "industry": _l("Industry union"),
}

SERVICE_KINDS = {
    "training": _l("Skills training"),
    "hardship_aid": _l("Hardship aid"),
    "student_aid": _l("Student aid"),
    "legal_aid": _l("Legal aid"),
    "holiday_visit": _l("Holiday visit"),
}

GENDERS = {"M": _l("Male"), "F": _l("Female")}

SOURCES = {
    "officer": _l("Enrolled by an officer"),
    "application": _l("Own application"),
    "crew": _l("Enrolled from a crew"),
    "transfer": _l("Transfer"),
    "dissolution": _l("Handed on at dissolution"),
    "import": _l("Imported"),
}

CONTRACTOR_KINDS = {
    "general": _l("General contractor"),
    "subcontractor": _l("Subcontractor"),
    "labor_service": _l("Labour-service company"),
}

#: Where a crew member stands with the union (the company's workers page, enrolling a crew).
UNION_STANDING = {
    "member": _l("Member"),
    "member_here": _l("Member here"),
    "applied": _l("Applied"),
    "applied_here": _l("Applied by QR code"),
    "active_elsewhere": _l("Member elsewhere"),
    "none": _l("Not a member"),
}

LEVELS = {"city": _l("City"), "district": _l("District"), "town": _l("Town / street")}


def state(machine: str, code: str | None) -> Any:
    return STATES[machine].get(code, code) if code else ""


def event(machine: str, code: str) -> Any:
    return EVENTS[machine].get(code, code)


def lookup(table: dict[str, Any], code: str | None) -> Any:
    return table.get(code, code) if code else ""


#: What confirming an event will do, shown on its confirmation page.
EVENT_HELP: dict[str, dict[str, Any]] = {
    "project": {
        "start": _l(
            "Construction starts on this date. The project's union opens in preparation: "
            "enroll the workers, then found it with a chair."
        ),
        "halt": _l("Construction stops. The union is suspended: nobody can be enrolled until construction resumes."),
        "resume": _l("Construction resumes and the union is active again."),
        "complete": _l(
            "The project is completed. Its union begins dissolution: close open wage cases and pending "
            "applications, then dissolve it and hand every member on."
        ),
        "cancel": _l("The project will not be built. This cannot be undone."),
    },
    "union": {
        "found": _l("The union is founded on this date, with the chair you choose among its active members."),
        "suspend": _l("Enrollment closes until the union is resumed."),
        "resume": _l("The union is active again and can enroll workers."),
        "begin_dissolution": _l("The union stops enrolling and is prepared for dissolution."),
    },
    "wage_case": {
        "mediate": _l("The union mediates between the workers and the employer."),
        "escalate": _l("The case goes to labour arbitration or to court."),
        "resolve": _l("The case is closed. Record the wages recovered for the workers."),
    },
    "crew": {
        "close": _l("The crew is closed on this date: its current members are recorded as having left."),
    },
}

#: The event a state usually waits for: its button is the page's primary one.
USUAL_NEXT: dict[str, dict[str, str]] = {
    "project": {"planned": "start", "halted": "resume"},
}

#: Events that cannot be taken back: their button is drawn as a warning.
DANGEROUS = {"cancel", "complete", "dissolve", "abandon", "reject", "end", "begin_dissolution"}
