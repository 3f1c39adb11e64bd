"""The permission matrix as data: every endpoint of the web UI and the API, and the named questions of
:mod:`projectunion.permissions` it asks, about which object.

The rules themselves stay in ``permissions.py``; this table says which rule
each route applies, so that role × action × scope can be read in one place.
It is consulted on every request: :mod:`projectunion.permission_gate` asks a
route's questions about the objects its URL names before the view runs, and
answers 404 for an endpoint this table does not cover (it fails closed). The
views still ask their own questions (the gate is the second line), and
``tests/test_permission_matrix.py`` walks every route of the URL map for
every role, with an object in the role's scope and one outside it, and checks
the route answers as the table says.

How a route answers (the convention of ``permissions.py``):

- ``view`` false → 404: the object is outside the user's scope, its existence is private
  (400 when the API reads the object's id from the body: ``Question.in_body``);
- ``act`` false on a visible object → 403: seen, but not the user's to do;
- :data:`SIGNED_IN`: any account; what the page lists is confined by :mod:`projectunion.scopes`;
- :data:`PUBLIC`: no account needed (the QR join pages, sign-in, health, API docs).

``about`` names the object a question is asked about: a URL argument's kind
(``union``, ``project``, ``worker``, ``membership``, ``case``, ``crew``,
``contractor``, ``entry``, ``user``, ``member``: :data:`ARG_KINDS`), optionally
followed by attributes (``case.union``: the wage case's union); ``project,crew``
asks about both; a question about no object (``can_view_reports``) has
``about`` None. :func:`about` reads such a path, :func:`answer` asks the question.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy.orm as so

from projectunion import permissions
from projectunion.i18n import _l
from projectunion.models import User


@dataclass(frozen=True)
class Question:
    name: str
    about: str | None = None
    #: the object is named in the request body, not the URL: the API answers 400 ("no such … within
    #: your scope"), the same as for an id that does not exist
    in_body: bool = False
    #: the question depends on more than the objects the URL names (the query string, the action in the
    #: path): the view asks it, the gate does not
    by_view: bool = False
    #: what the refusal says where the route says more than "not allowed" (the API's JSON shows it)
    refusal: Any = None


@dataclass(frozen=True)
class Ask:
    """What one endpoint asks before it answers."""

    view: tuple[Question, ...] = ()
    act: tuple[Question, ...] = ()
    public: bool = False
    #: the query string the route needs to get as far as asking ("{union}": that object's id)
    query: dict[str, Any] = field(default_factory=dict)
    #: the form or JSON body the route validates before it asks (same placeholders)
    body: dict[str, Any] | None = None


PUBLIC = Ask(public=True)
SIGNED_IN = Ask()


def sees(name: str, about: str | None = None, **kw: Any) -> Ask:
    return Ask(view=(Question(name, about),), **kw)


def does(
    name: str, about: str | None = None, *, seen: tuple[str, str] | None = None, refusal: Any = None, **kw: Any
) -> Ask:
    view = (Question(*seen),) if seen else ()
    return Ask(view=view, act=(Question(name, about, refusal=refusal),), **kw)


def manages_union(about: str = "union", **kw: Any) -> Ask:
    return does("can_manage_union", about, seen=("can_view_union", about), **kw)


def manages_crew(**kw: Any) -> Ask:
    return does("can_manage_crew", "crew", seen=("can_view_crew", "crew"), **kw)


def manages_project(**kw: Any) -> Ask:
    return does("can_manage_project", "project", seen=("can_view_project", "project"), **kw)


def works_site_survey(**kw: Any) -> Ask:
    view = (Question("can_view_project", "project"), Question("can_view_site_survey", "project"))
    return Ask(view=view, act=(Question("can_work_site_survey", "project"),), **kw)


MANAGE_USERS = does("can_manage_users")
REPORTS = does("can_view_reports", refusal=_l("Only union and city staff can see the totals."))
SURVEY = does("can_view_survey", refusal=_l("Only union and city staff can see the survey."))

#: endpoint → what it asks
MATRIX: dict[str, Ask] = {
    # accounts
    "account.language": PUBLIC,
    "account.profile": SIGNED_IN,
    "account.sign_in": PUBLIC,
    "account.sign_out": SIGNED_IN,
    "account.tokens": SIGNED_IN,
    "account.revoke_token": SIGNED_IN,
    "admin.users": MANAGE_USERS,
    "admin.new_user": MANAGE_USERS,
    "admin.edit_user": MANAGE_USERS,
    "admin.reset_password": MANAGE_USERS,
    "admin.set_active": MANAGE_USERS,
    "admin.data_report_page": does("can_answer_access_requests"),
    "main.index": SIGNED_IN,
    "main.lifecycles": SIGNED_IN,
    "main.help": SIGNED_IN,
    "health.healthz": PUBLIC,
    "static": PUBLIC,
    # projects
    "projects.index": SIGNED_IN,
    "projects.new": does("can_register_projects"),
    "projects.show": sees("can_view_project", "project"),
    "projects.edit": manages_project(),
    "projects.fire": manages_project(),
    # taking a project up (the action "take-up") asks can_take_up_project instead: the view decides
    "projects.officers": Ask(
        view=(Question("can_view_project", "project"),),
        act=(Question("can_assign_officers", "project", by_view=True),),
    ),
    # unions and memberships
    "unions.index": SIGNED_IN,
    "unions.new": does("can_create_standing_union"),
    "unions.show": sees("can_view_union", "union"),
    "unions.enroll": manages_union(),
    "unions.decide": manages_union(),
    "unions.set_chair": manages_union(body={"membership_id": "{membership}"}),
    "unions.fire": manages_union(),
    "unions.dissolve": manages_union(),
    "unions.end": manages_union("membership.union"),
    "unions.transfer": manages_union("membership.union"),
    "unions.reject": manages_union("membership.union"),
    # workers
    "workers.index": SIGNED_IN,
    "workers.show": sees("can_view_worker", "worker"),
    "workers.contact": does("can_edit_workers", seen=("can_view_worker", "worker")),
    "workers.reveal": does("can_reveal_id", seen=("can_view_worker", "worker")),
    # wage cases and services
    "cases.wage_cases": SIGNED_IN,
    "cases.services": SIGNED_IN,
    "cases.wage_case": sees("can_view_union", "case.union"),
    "cases.wage_case_event": manages_union("case.union"),
    "cases.new_wage_case": manages_union(query={"union_id": "{union}"}),
    "cases.new_service": does(
        "can_manage_union", "membership.union", seen=("can_view_worker", "worker"), query={"worker_id": "{worker}"}
    ),
    # QR join: the anonymous pages and the officer's tools
    "join.apply": PUBLIC,
    "join.status": PUBLIC,
    "join.card": PUBLIC,
    "join.verify": PUBLIC,
    "join.manage": manages_union(),
    "join.rotate": manages_union(),
    "join.expiry": manages_union(),
    "join.poster": manages_union(),
    "join.qr": manages_union(),
    "join.member_card": sees("can_view_union", "membership.union"),
    # contractors, crews and sites
    "contractors.index": SIGNED_IN,
    "contractors.register": does("can_register_contractor"),
    "contractors.company": sees("can_view_contractor", "contractor"),
    "contractors.edit_company": does("can_manage_contractor", "contractor", seen=("can_view_contractor", "contractor")),
    "contractors.new_crew": does("can_manage_contractor", "contractor", seen=("can_view_contractor", "contractor")),
    "contractors.workers": does("can_see_workers_status", "contractor", seen=("can_view_contractor", "contractor")),
    "contractors.crew": sees("can_view_crew", "crew"),
    "contractors.rename_crew": manages_crew(),
    "contractors.set_leader": manages_crew(),
    "contractors.close_crew": manages_crew(),
    "contractors.member_leaves": manages_crew(),
    "contractors.roster_template": SIGNED_IN,
    "contractors.roster": manages_crew(),
    "contractors.commit_roster": manages_crew(),
    "contractors.enter_site": manages_crew(),
    "contractors.export_roster": does("can_export_roster", "crew", seen=("can_view_crew", "crew")),
    "contractors.sites": SIGNED_IN,
    "contractors.site": sees("can_view_site", "project"),
    "contractors.exit_site": does(
        "can_record_entry", "entry.project,entry.crew", seen=("can_view_entry", "entry"), body={"on": "2024-04-05"}
    ),
    "contractors.decisions": does("can_manage_union", "entry.project.union", seen=("can_view_entry", "entry")),
    "contractors.enroll_crew": Ask(
        view=(Question("can_view_site", "project"), Question("can_view_crew", "crew")),
        act=(Question("can_manage_union", "project.union"),),
    ),
    # the totals and the survey
    "dashboard.index": REPORTS,
    "dashboard.table": REPORTS,
    "dashboard.table_export": REPORTS,
    "dashboard.listing": does("can_view_reports", query={"metric": "active_members"}),
    "dashboard.listing_export": does("can_view_reports", query={"metric": "active_members"}),
    "survey.index": SURVEY,
    "survey.rates": SURVEY,
    "survey.rates_export": SURVEY,
    "survey.listing": does("can_view_survey", query={"metric": "sites_under_construction"}),
    "survey.listing_export": does("can_view_survey", query={"metric": "sites_under_construction"}),
    "survey.worklist_export": SURVEY,
    "survey.targets": SURVEY,
    "survey.site": Ask(view=(Question("can_view_project", "project"), Question("can_view_site_survey", "project"))),
    "survey.site_export": Ask(
        view=(Question("can_view_project", "project"), Question("can_view_site_survey", "project"))
    ),
    "survey.forms": works_site_survey(),
    "survey.enroll": works_site_survey(
        body={"worker_id": "{worker}", "consent": "paper", "confirmed": "y", "joined_on": "2024-04-01"}
    ),
    "survey.decline": works_site_survey(body={"worker_id": "{worker}", "declined_on": "2024-04-01"}),
    # the JSON API: the same questions, asked by the same services
    "api.openapi_json": PUBLIC,
    "api.docs": PUBLIC,
    "api.me": SIGNED_IN,
    "api.list_jurisdictions": SIGNED_IN,
    "api.list_projects": SIGNED_IN,
    "api.list_unions": SIGNED_IN,
    "api.find_worker": SIGNED_IN,
    # an officer may ask for their own site (?project_id=): the view decides
    "api.get_coverage": Ask(act=(Question("can_view_survey", by_view=True),)),
    "api.stats": REPORTS,
    "api.create_project": does(
        "can_register_projects", body={"name": "新项目", "permit_no": "371002202699999", "town_code": "371002005"}
    ),
    "api.get_project": sees("can_view_project", "project"),
    "api.project_history": sees("can_view_project", "project"),
    "api.project_event": manages_project(body={"event": "halt", "on": "2024-04-01"}),
    "api.create_union": does(
        "can_create_standing_union", body={"kind": "regional", "name": "新区域工会", "jurisdiction_code": "371002005"}
    ),
    "api.get_union": sees("can_view_union", "union"),
    "api.union_history": sees("can_view_union", "union"),
    "api.list_members": sees("can_view_union", "union"),
    "api.dissolution_preview": sees("can_view_union", "union"),
    "api.union_event": manages_union(body={"event": "suspend", "on": "2024-04-01"}),
    "api.enroll": manages_union(body={"name": "张三", "id_number": "11010519491231002X", "joined_on": "2024-03-05"}),
    "api.get_membership": sees("can_view_union", "membership.union"),
    "api.membership_history": sees("can_view_union", "membership.union"),
    "api.membership_event": manages_union(
        "membership.union", body={"event": "end", "on": "2024-04-01", "reason": "withdrew"}
    ),
    "api.get_worker": sees("can_view_worker", "worker"),
    "api.get_wage_case": sees("can_view_union", "case.union"),
    "api.wage_case_history": sees("can_view_union", "case.union"),
    "api.wage_case_event": manages_union("case.union", body={"event": "mediate", "on": "2024-04-01"}),
    "api.create_wage_case": Ask(
        view=(Question("can_view_union", "union", in_body=True),),
        act=(Question("can_manage_union", "union"),),
        body={"union_id": "{union}", "summary": "欠薪", "amount_claimed": "100", "worker_ids": ["{worker}"]},
    ),
    "api.create_service_record": Ask(
        view=(Question("can_view_worker", "worker", in_body=True), Question("can_view_union", "union", in_body=True)),
        act=(Question("can_manage_union", "union"),),
        body={"union_id": "{union}", "worker_id": "{worker}", "kind": "training", "served_on": "2024-04-01"},
    ),
    "api.create_contractor": does(
        "can_register_contractor", body={"name": "新公司", "uscc": "91371000MA99999992", "kind": "general"}
    ),
    "api.get_contractor": sees("can_view_contractor", "contractor"),
    "api.create_crew": does(
        "can_manage_contractor",
        "contractor",
        seen=("can_view_contractor", "contractor"),
        body={"name": "木工一班", "created_on": "2024-04-01"},
    ),
    "api.get_crew": sees("can_view_crew", "crew"),
    "api.import_roster": manages_crew(body={"file": "@roster.csv"}),
    "api.roster_template": SIGNED_IN,
    "api.enter_site": Ask(
        view=(Question("can_view_site", "project"), Question("can_view_crew", "crew", in_body=True)),
        act=(Question("can_record_entry", "project,crew"),),
        body={"crew_id": "{crew}", "entered_on": "2024-04-01"},
    ),
    "api.exit_site": does(
        "can_record_entry",
        "entry.project,entry.crew",
        seen=("can_view_entry", "entry"),
        body={"exited_on": "2024-04-02"},
    ),
}


#: URL argument → the kind of object it names (what ``about`` starts with)
ARG_KINDS = {
    "union_id": "union",
    "project_id": "project",
    "worker_id": "worker",
    "membership_id": "membership",
    "case_id": "case",
    "crew_id": "crew",
    "contractor_id": "contractor",
    "entry_id": "entry",
    "user_id": "user",
    "member_id": "member",
}


def ask(endpoint: str) -> Ask:
    """What ``endpoint`` asks; KeyError for an endpoint the matrix does not cover."""
    return MATRIX[endpoint]


def about(path: str, lookup: Callable[[str], Any]) -> Any:
    """The object ``path`` names, given ``lookup(kind)``: ``case.union`` → the case's union,
    ``project,crew`` → (project, crew). None when ``lookup`` has no such object or an
    attribute on the way is empty (a site entry's project without a union)."""
    if "," in path:
        objects = tuple(about(p, lookup) for p in path.split(","))
        return None if None in objects else objects
    kind, *attributes = path.split(".")
    obj = lookup(kind)
    for attribute in attributes:
        if obj is None:
            break
        obj = getattr(obj, attribute)
    return obj


@functools.cache
def _takes_session(name: str) -> bool:
    return next(iter(inspect.signature(getattr(permissions, name)).parameters)) == "session"


def answer(session: so.Session, user: User, question: Question, obj: Any = None) -> bool:
    """Ask ``permissions.<question.name>`` about ``obj`` (what :func:`about` found; a tuple for
    several objects, None for a question about no object), as the route does."""
    args: list[Any] = [session] if _takes_session(question.name) else []
    args.append(user)
    if question.about is not None:
        args.extend(obj if isinstance(obj, tuple) else (obj,))
    return bool(getattr(permissions, question.name)(*args))
