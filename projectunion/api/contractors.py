"""Contractors, their crews and rosters, and crews entering and leaving sites (进场 / 退场)."""

from __future__ import annotations

from flask import Response
from pydantic import Field

from projectunion.api.core import operation
from projectunion.api.schema import (
    Answer,
    Boolean,
    Choice,
    Count,
    Date,
    Facts,
    Id,
    Integer,
    Request,
    Text,
    Upload,
    described,
)
from projectunion.db import get_session
from projectunion.exceptions import NotFound, ValidationError
from projectunion.i18n import _l
from projectunion.models import Crew as CrewRow
from projectunion.models import User, Worker
from projectunion.models.contractors import CONTRACTOR_KINDS, CREW_STATES
from projectunion.services import contractors, crews, rosters, site_entries

ContractorKind = Choice(CONTRACTOR_KINDS)
DEFAULT_TODAY = _l("Default today.")


class Contractor(Answer, json_schema_extra=described(_l("A construction or labour-service company (施工/劳务企业)."))):
    id: Id
    name: Text(200)
    uscc: Text(18) = Field(description=_l("Unified social credit code."))
    kind: ContractorKind


class ContractorCreate(Request):
    name: Text(200)
    uscc: Text(40) = Field(description=_l("The 18-character unified social credit code."))
    kind: ContractorKind


class Crew(
    Answer,
    json_schema_extra=described(_l("A contractor's team (班组). Being in a crew does not make anyone a union member.")),
):
    id: Id
    contractor_id: Id
    name: Text(100)
    state: Choice(CREW_STATES)
    created_on: Date
    closed_on: Date | None
    leader_worker_id: Id | None
    members: Count = Field(description=_l("Current members."))

    @classmethod
    def of(cls, crew: CrewRow) -> Crew:
        members = crews.member_counts(get_session(), [crew.id]).get(crew.id, 0)
        return cls.model_validate(Facts(crew, members=members))


class CrewCreate(Request):
    name: Text(100)
    created_on: Date | None = Field(None, description=DEFAULT_TODAY)


class RosterUpload(Request):
    file: Upload = Field(
        description=_l(
            "XLSX, XLS, ODS or CSV (UTF-8, UTF-8 with BOM or GB18030) with Chinese or English headers. "
            "A template with the expected headers: `GET /crews/roster-template.xlsx` (also on the roster page)."
        )
    )
    dry_run: Choice(("true", "false")) = Field(
        "true", description=_l("`true` (default) only checks the file; `false` commits the valid rows at once.")
    )
    whole_crew: Choice(("true", "false")) = Field(
        "false",
        description=_l(
            "`false` (default): the file adds and updates only. `true`: the file is the whole crew, and the "
            "current members missing from it are recorded as having left (see `left`)."
        ),
    )
    confirm_left: Integer(0, from_text=True) | None = Field(
        None,
        description=_l(
            "With `whole_crew=true` and `dry_run=false`: the number of people a dry run said would be recorded "
            "as having left. A commit that would record any other number is refused (400, `leavers_not_confirmed`)."
        ),
    )


class RosterRowError(Answer):
    row: Count = Field(description=_l("Row number as the spreadsheet shows it (0: the file)."))
    column: Text()
    code: Text()
    message: Text(multiline=True)


class RosterColumns(Answer):
    header_row: Count = Field(description=_l("The row taken as the header (0: none)."))
    read: dict[str, Text()] = Field(description=_l("Roster field → the header cell it was read from."))
    found: list[Text()] = Field(description=_l("Every header cell, with its column letter."))
    ignored: list[Text()] = Field(description=_l("Header cells that name no roster field."))
    missing: list[Text()] = Field(description=_l("Required fields the header does not name."))
    required: list[Text()]


class RosterResult(
    Answer, json_schema_extra=described(_l("What a roster import found and did (or, in a dry run, would do)."))
):
    rows: Count = Field(description=_l("Data rows read."))
    valid: Count
    errors: list[RosterRowError]
    committed: Boolean
    created: Count = Field(description=_l("Workers who joined the crew."))
    updated: Count = Field(description=_l("Workers whose phone or trade changed."))
    left: Count = Field(
        description=_l("Workers no longer in the file, recorded as having left (only with whole_crew).")
    )
    unchanged: Count
    new_workers: Count = Field(description=_l("People not known to the system before."))
    leavers_unknown: Boolean
    whole_crew: Boolean
    absent: Count = Field(description=_l("Current members not in the file (they stay unless whole_crew)."))
    columns: RosterColumns


class SiteEntry(
    Answer,
    json_schema_extra=described(
        _l("A crew (or one of its workers) on a project site, from entry (进场) to exit (退场).")
    ),
):
    id: Id
    project_id: Id
    crew_id: Id | None
    worker_id: Id | None = Field(description=_l("Set when one worker entered alone."))
    entered_on: Date
    exited_on: Date | None


class SiteEntryCreate(Request):
    crew_id: Id
    entered_on: Date | None = Field(None, description=DEFAULT_TODAY)
    worker_id: Id | None = Field(None, description=_l("Only this current member of the crew enters."))


class SiteExit(Request):
    exited_on: Date | None = Field(None, description=DEFAULT_TODAY)


@operation(
    "POST",
    "/contractors",
    tag="contractors",
    summary=_l("Register a contractor"),
    body=ContractorCreate,
    response=Contractor,
    status=201,
    errors=(403,),
)
def create_contractor(actor: User, body: ContractorCreate):
    return contractors.register_contractor(get_session(), actor, **body.model_dump())


@operation("GET", "/contractors/{contractor_id}", tag="contractors", summary=_l("One contractor"), response=Contractor)
def get_contractor(actor: User, contractor_id: int):
    return contractors.get_contractor(get_session(), actor, contractor_id)


@operation(
    "POST",
    "/contractors/{contractor_id}/crews",
    tag="contractors",
    summary=_l("Create a crew of this contractor"),
    body=CrewCreate,
    response=Crew,
    status=201,
    errors=(403,),
)
def create_crew(actor: User, contractor_id: int, body: CrewCreate):
    session = get_session()
    contractor = contractors.get_contractor(session, actor, contractor_id)
    return Crew.of(crews.create_crew(session, actor, contractor, name=body.name, created_on=body.created_on))


@operation("GET", "/crews/{crew_id}", tag="contractors", summary=_l("One crew"), response=Crew)
def get_crew(actor: User, crew_id: int):
    return Crew.of(crews.get_crew(get_session(), actor, crew_id))


@operation(
    "POST",
    "/crews/{crew_id}/roster",
    tag="contractors",
    summary=_l("Check or import the crew's roster file"),
    description=_l(
        "Every row is checked (ID number, name, phone, age, duplicates); errors come back by row and column. "
        "With `dry_run=false` the valid rows are committed in one transaction; importing the same file again "
        "changes nothing. By default a file adds and updates only; with `whole_crew=true` the members missing "
        "from it are recorded as having left, and a commit must confirm their number in `confirm_left`. "
        "A file that cannot be read at all (or is unsafe to read: a zip bomb, cells beyond row 30,000 or "
        "column BZ, macros) is a 400 with `rows`."
    ),
    form=RosterUpload,
    response=RosterResult,
    errors=(403, 409),
)
def import_roster(actor: User, crew_id: int, form: RosterUpload):
    session = get_session()
    crew = crews.get_crew(session, actor, crew_id)
    data = form.file.stream.read(rosters.MAX_BYTES + 1)
    return rosters.import_roster(
        session,
        actor,
        crew,
        data,
        dry_run=form.dry_run != "false",
        whole_crew=form.whole_crew == "true",
        confirm_left=form.confirm_left,
        filename=form.file.filename or None,
    ).as_dict()


@operation(
    "GET",
    "/crews/roster-template.xlsx",
    tag="contractors",
    summary=_l("Download the roster template (XLSX)"),
    description=_l(
        "An Excel workbook with the headers the roster import reads (姓名, 身份证号, 手机号, 工种, 进场日期), "
        "the ID-number and phone columns formatted as text, and one example row (refused on import: replace it)."
    ),
    media="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
def roster_template(actor: User):
    return Response(
        rosters.template_xlsx(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="roster-template.xlsx"'},
    )


@operation(
    "POST",
    "/projects/{project_id}/crews",
    tag="contractors",
    summary=_l("A crew enters the project's site (进场)"),
    body=SiteEntryCreate,
    response=SiteEntry,
    status=201,
    errors=(403, 409),
)
def enter_site(actor: User, project_id: int, body: SiteEntryCreate):
    session = get_session()
    project = site_entries.get_project(session, actor, project_id)
    try:
        crew = crews.get_crew(session, actor, body.crew_id)
    except NotFound:
        raise ValidationError({"crew_id": _l("There is no such crew within your scope.")}) from None
    worker = None
    if body.worker_id is not None:
        worker = session.get(Worker, body.worker_id)
        if worker is None:
            raise ValidationError({"worker_id": _l("The worker must be a current member of the crew.")})
    return site_entries.enter_site(session, actor, project, crew=crew, worker=worker, entered_on=body.entered_on)


@operation(
    "POST",
    "/site-entries/{entry_id}/exit",
    tag="contractors",
    summary=_l("The crew (or worker) leaves the site (退场)"),
    description=_l("The project union's officer then decides the membership of each member who left."),
    body=SiteExit,
    response=SiteEntry,
    errors=(403, 409),
)
def exit_site(actor: User, entry_id: int, body: SiteExit):
    session = get_session()
    entry = site_entries.get_entry(session, actor, entry_id)
    return site_entries.exit_site(session, actor, entry, exited_on=body.exited_on)
