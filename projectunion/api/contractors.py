"""Contractors, their crews and rosters, and crews entering and leaving sites (进场 / 退场)."""

from __future__ import annotations

from typing import Any

from projectunion.api.core import operation
from projectunion.api.schema import Boolean, Choice, Date, Field, Id, Integer, List, Shape, Text, Upload
from projectunion.db import get_session
from projectunion.exceptions import NotFound, ValidationError
from projectunion.i18n import _l
from projectunion.models import Contractor, Crew, SiteEntry, User, Worker
from projectunion.models.contractors import CONTRACTOR_KINDS, CREW_STATES
from projectunion.services import contractors, crews, rosters, site_entries

CONTRACTOR = Shape(
    "Contractor",
    {
        "id": Field(Id()),
        "name": Field(Text(max_length=200)),
        "uscc": Field(Text(max_length=18), description=_l("Unified social credit code.")),
        "kind": Field(Choice(CONTRACTOR_KINDS)),
    },
    description=_l("A construction or labour-service company (施工/劳务企业)."),
)

CONTRACTOR_CREATE = Shape(
    "ContractorCreate",
    {
        "name": Field(Text(max_length=200)),
        "uscc": Field(Text(max_length=40), description=_l("The 18-character unified social credit code.")),
        "kind": Field(Choice(CONTRACTOR_KINDS)),
    },
)

CREW = Shape(
    "Crew",
    {
        "id": Field(Id()),
        "contractor_id": Field(Id()),
        "name": Field(Text(max_length=100)),
        "state": Field(Choice(CREW_STATES)),
        "created_on": Field(Date()),
        "closed_on": Field(Date(), nullable=True),
        "leader_worker_id": Field(Id(), nullable=True),
        "members": Field(Integer(minimum=0), description=_l("Current members.")),
    },
    description=_l("A contractor's team (班组). Being in a crew does not make anyone a union member."),
)

CREW_CREATE = Shape(
    "CrewCreate",
    {
        "name": Field(Text(max_length=100)),
        "created_on": Field(Date(), required=False, nullable=True, description=_l("Default today.")),
    },
)

ROSTER_UPLOAD = Shape(
    "RosterUpload",
    {
        "file": Field(
            Upload(),
            description=_l("XLSX or CSV (UTF-8, UTF-8 with BOM or GB18030) with Chinese or English headers."),
        ),
        "dry_run": Field(
            Choice(("true", "false")),
            required=False,
            description=_l("`true` (default) only checks the file; `false` commits the valid rows at once."),
        ),
    },
)

ROW_ERROR = Shape(
    "RosterRowError",
    {
        "row": Field(Integer(minimum=0), description=_l("Row number as the spreadsheet shows it (0: the file).")),
        "column": Field(Text()),
        "code": Field(Text()),
        "message": Field(Text(multiline=True)),
    },
)

ROSTER_RESULT = Shape(
    "RosterResult",
    {
        "rows": Field(Integer(minimum=0), description=_l("Data rows read.")),
        "valid": Field(Integer(minimum=0)),
        "errors": Field(List(ROW_ERROR)),
        "committed": Field(Boolean()),
        "created": Field(Integer(minimum=0), description=_l("Workers who joined the crew.")),
        "updated": Field(Integer(minimum=0), description=_l("Workers whose phone or trade changed.")),
        "left": Field(Integer(minimum=0), description=_l("Workers no longer in the file, recorded as having left.")),
        "unchanged": Field(Integer(minimum=0)),
        "new_workers": Field(Integer(minimum=0), description=_l("People not known to the system before.")),
    },
    description=_l("What a roster import found and did (or, in a dry run, would do)."),
)

SITE_ENTRY = Shape(
    "SiteEntry",
    {
        "id": Field(Id()),
        "project_id": Field(Id()),
        "crew_id": Field(Id(), nullable=True),
        "worker_id": Field(Id(), nullable=True, description=_l("Set when one worker entered alone.")),
        "entered_on": Field(Date()),
        "exited_on": Field(Date(), nullable=True),
    },
    description=_l("A crew (or one of its workers) on a project site, from entry (进场) to exit (退场)."),
)

SITE_ENTRY_CREATE = Shape(
    "SiteEntryCreate",
    {
        "crew_id": Field(Id()),
        "entered_on": Field(Date(), required=False, nullable=True, description=_l("Default today.")),
        "worker_id": Field(
            Id(), required=False, nullable=True, description=_l("Only this current member of the crew enters.")
        ),
    },
)

SITE_EXIT = Shape(
    "SiteExit",
    {"exited_on": Field(Date(), required=False, nullable=True, description=_l("Default today."))},
)


def contractor_out(c: Contractor) -> dict[str, Any]:
    return {"id": c.id, "name": c.name, "uscc": c.uscc, "kind": c.kind}


def crew_out(crew: Crew) -> dict[str, Any]:
    return {
        "id": crew.id,
        "contractor_id": crew.contractor_id,
        "name": crew.name,
        "state": crew.state,
        "created_on": crew.created_on,
        "closed_on": crew.closed_on,
        "leader_worker_id": crew.leader_worker_id,
        "members": crews.member_counts(get_session(), [crew.id]).get(crew.id, 0),
    }


def entry_out(e: SiteEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "project_id": e.project_id,
        "crew_id": e.crew_id,
        "worker_id": e.worker_id,
        "entered_on": e.entered_on,
        "exited_on": e.exited_on,
    }


@operation(
    "POST",
    "/contractors",
    tag="contractors",
    summary=_l("Register a contractor"),
    body=CONTRACTOR_CREATE,
    response=CONTRACTOR,
    status=201,
    errors=(403,),
)
def create_contractor(actor: User, body: dict[str, Any]):
    session = get_session()
    return contractor_out(contractors.register_contractor(session, actor, **body))


@operation("GET", "/contractors/{contractor_id}", tag="contractors", summary=_l("One contractor"), response=CONTRACTOR)
def get_contractor(actor: User, contractor_id: int):
    return contractor_out(contractors.get_contractor(get_session(), actor, contractor_id))


@operation(
    "POST",
    "/contractors/{contractor_id}/crews",
    tag="contractors",
    summary=_l("Create a crew of this contractor"),
    body=CREW_CREATE,
    response=CREW,
    status=201,
    errors=(403,),
)
def create_crew(actor: User, contractor_id: int, body: dict[str, Any]):
    session = get_session()
    contractor = contractors.get_contractor(session, actor, contractor_id)
    return crew_out(crews.create_crew(session, actor, contractor, name=body["name"], created_on=body["created_on"]))


@operation("GET", "/crews/{crew_id}", tag="contractors", summary=_l("One crew"), response=CREW)
def get_crew(actor: User, crew_id: int):
    return crew_out(crews.get_crew(get_session(), actor, crew_id))


@operation(
    "POST",
    "/crews/{crew_id}/roster",
    tag="contractors",
    summary=_l("Check or import the crew's roster file"),
    description=_l(
        "Every row is checked (ID number, name, phone, age, duplicates); errors come back by row and column. "
        "With `dry_run=false` the valid rows are committed in one transaction; importing the same file again "
        "changes nothing. A file that cannot be read at all is a 400 with `rows`."
    ),
    form=ROSTER_UPLOAD,
    response=ROSTER_RESULT,
    errors=(403, 409),
)
def import_roster(actor: User, crew_id: int, form: dict[str, Any]):
    session = get_session()
    crew = crews.get_crew(session, actor, crew_id)
    data = form["file"].stream.read(rosters.MAX_BYTES + 1)
    result = rosters.import_roster(session, actor, crew, data, dry_run=form["dry_run"] != "false")
    summary = result.as_dict()
    return {name: summary[name] for name in ROSTER_RESULT.fields}


@operation(
    "POST",
    "/projects/{project_id}/crews",
    tag="contractors",
    summary=_l("A crew enters the project's site (进场)"),
    body=SITE_ENTRY_CREATE,
    response=SITE_ENTRY,
    status=201,
    errors=(403, 409),
)
def enter_site(actor: User, project_id: int, body: dict[str, Any]):
    session = get_session()
    project = site_entries.get_project(session, actor, project_id)
    try:
        crew = crews.get_crew(session, actor, body["crew_id"])
    except NotFound:
        raise ValidationError({"crew_id": _l("There is no such crew within your scope.")}) from None
    worker = None
    if body["worker_id"] is not None:
        worker = session.get(Worker, body["worker_id"])
        if worker is None:
            raise ValidationError({"worker_id": _l("The worker must be a current member of the crew.")})
    entry = site_entries.enter_site(session, actor, project, crew=crew, worker=worker, entered_on=body["entered_on"])
    return entry_out(entry)


@operation(
    "POST",
    "/site-entries/{entry_id}/exit",
    tag="contractors",
    summary=_l("The crew (or worker) leaves the site (退场)"),
    description=_l("The project union's officer then decides the membership of each member who left."),
    body=SITE_EXIT,
    response=SITE_ENTRY,
    errors=(403, 409),
)
def exit_site(actor: User, entry_id: int, body: dict[str, Any]):
    session = get_session()
    entry = site_entries.get_entry(session, actor, entry_id)
    return entry_out(site_entries.exit_site(session, actor, entry, exited_on=body["exited_on"]))
