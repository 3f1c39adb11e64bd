"""Who may see and do what, scoped to jurisdiction, unions or contractor.

Every rule is here: routes, templates (as Jinja globals) and services ask a
named question (``can_manage_crew(user, crew)``) and never compare a role
with a string. A ``False`` from a ``can_view_*`` means the object is outside
the user's scope and is answered as 404 (its existence is private); a
``False`` from a ``can_manage_*`` on a visible object is answered as 403.
Which questions each endpoint asks is the data of
:mod:`projectunion.permission_matrix`, asked before every view by
:mod:`projectunion.permission_gate`.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from projectunion.exceptions import NotFound, PermissionDenied
from projectunion.models import (
    Contractor,
    Crew,
    CrewMember,
    Jurisdiction,
    Membership,
    Project,
    SiteEntry,
    Union,
    User,
    Worker,
)
from projectunion.models.users import user_unions

# --- roles: the only place role codes are compared ----------------------------

EVERYTHING_READ = ("admin", "city_staff")
#: Everyone who works for the unions (as opposed to a contractor's account).
UNION_SIDE = ("admin", "city_staff", "union_staff", "officer")
#: Roles that change union-side records (city staff only read).
UNION_EDITORS = ("admin", "union_staff", "officer")
#: Site projects may be opened for entry by these without managing the project.
SEND_ANYWHERE = ("contractor", "admin")


def reads_everything(user: User) -> bool:
    """Administrators and city staff read every record in the city."""
    return user.role in EVERYTHING_READ


def is_read_only(user: User) -> bool:
    return user.role == "city_staff"


def acts_for_contractor(user: User) -> bool:
    """The account speaks for one company: it sees that company's crews, sites and workers only."""
    return user.role == "contractor"


def works_for_unions(user: User) -> bool:
    return user.role in UNION_SIDE


def runs_site_unions(user: User) -> bool:
    """A site union officer: rights follow the unions assigned to the account."""
    return user.role == "officer"


def is_union_staff(user: User) -> bool:
    """District or town union staff: rights follow the account's jurisdiction."""
    return user.role == "union_staff"


def can_act_everywhere(user: User) -> bool:
    """Not limited to a jurisdiction (administrators)."""
    return user.role == "admin"


# What each kind of account carries; a field a role does not use is left empty.


def role_has_jurisdiction(role: str) -> bool:
    return role in ("union_staff", "officer")


def role_needs_jurisdiction(role: str) -> bool:
    return role == "union_staff"


def role_has_contractor(role: str) -> bool:
    return role == "contractor"


def role_has_unions(role: str) -> bool:
    return role == "officer"


def role_may_reveal_id(role: str) -> bool:
    return role in UNION_EDITORS


# --- accounts -----------------------------------------------------------------


def can_manage_users(user: User) -> bool:
    return user.role == "admin"


def can_manage_tokens_of(actor: User, user_id: int | None) -> bool:
    """API tokens: one's own, or anyone's for an administrator."""
    return can_manage_users(actor) or actor.id == user_id


# --- unions and projects --------------------------------------------------------


def _in_jurisdiction(user: User, jurisdiction: Jurisdiction | None) -> bool:
    return user.jurisdiction is not None and user.jurisdiction.contains(jurisdiction)


def can_view_union(user: User, union: Union) -> bool:
    if reads_everything(user):
        return True
    if is_union_staff(user):
        return _in_jurisdiction(user, union.jurisdiction)
    if runs_site_unions(user):
        return union in user.unions or _in_jurisdiction(user, union.jurisdiction) and union.is_standing
    return False


def can_manage_union(user: User, union: Union) -> bool:
    if can_act_everywhere(user):
        return True
    if is_union_staff(user):
        return _in_jurisdiction(user, union.jurisdiction)
    return runs_site_unions(user) and union in user.unions


def can_create_standing_union(user: User, jurisdiction: Jurisdiction | None = None) -> bool:
    """Regional and industry unions: administrators anywhere, union staff in their jurisdiction
    (``jurisdiction`` None asks whether the user may create one anywhere at all)."""
    if can_act_everywhere(user):
        return True
    return is_union_staff(user) and (jurisdiction is None or _in_jurisdiction(user, jurisdiction))


def can_close_standing_union(user: User | None, union: Union) -> bool:
    """Suspending a regional or industry union, or beginning its dissolution: administrators only
    (it receives the members of every dissolved project union around it)."""
    return union.kind == "project" or (user is not None and can_act_everywhere(user))


def can_register_projects(user: User) -> bool:
    """Whether the user registers projects at all (in which towns: :func:`can_register_project`)."""
    return user.role in UNION_EDITORS


def can_register_project(user: User, town: Jurisdiction) -> bool:
    if can_act_everywhere(user):
        return True
    return can_register_projects(user) and _in_jurisdiction(user, town)


def is_on_project(user: User, project: Project) -> bool:
    """An officer assigned to the project (or who registered it, or runs its union)."""
    return runs_site_unions(user) and (
        project.created_by_id == user.id
        or user in project.officers
        or (project.union is not None and project.union in user.unions)
    )


def is_unassigned_in_jurisdiction(user: User, project: Project) -> bool:
    """A planned project of the officer's town (or district) that no officer has taken up yet."""
    return project.state == "planned" and not project.officers and _in_jurisdiction(user, project.town)


def can_view_project(user: User, project: Project) -> bool:
    if reads_everything(user):
        return True
    if is_union_staff(user):
        return _in_jurisdiction(user, project.town)
    if runs_site_unions(user):
        return is_on_project(user, project) or is_unassigned_in_jurisdiction(user, project)
    if acts_for_contractor(user):
        return project.general_contractor_id == user.contractor_id
    return False


def can_manage_project(user: User, project: Project) -> bool:
    if runs_site_unions(user):
        return is_on_project(user, project)
    return user.role in UNION_EDITORS and can_view_project(user, project)


#: Project states in which officers can still be assigned.
OFFICERS_ASSIGNABLE = ("planned", "under_construction", "halted")


def can_assign_officers(user: User, project: Project) -> bool:
    """Union staff of the project's town (and administrators) put officers on a project and its union."""
    if project.state not in OFFICERS_ASSIGNABLE:
        return False
    return can_act_everywhere(user) or (is_union_staff(user) and _in_jurisdiction(user, project.town))


def can_take_up_project(user: User, project: Project) -> bool:
    """An officer takes up an unassigned planned project of their town."""
    return runs_site_unions(user) and is_unassigned_in_jurisdiction(user, project)


def officer_may_work_in(officer: User, project: Project) -> bool:
    """Whether ``officer`` can be put on ``project``: an officer whose jurisdiction (if any) holds its town."""
    return (
        runs_site_unions(officer)
        and officer.is_active
        and (officer.jurisdiction is None or officer.jurisdiction.contains(project.town))
    )


# --- workers ------------------------------------------------------------------


def can_view_worker(session: so.Session, user: User, worker: Worker) -> bool:
    if reads_everything(user):
        return True
    if acts_for_contractor(user):
        return bool(
            session.scalar(
                sa.select(sa.func.count())
                .select_from(CrewMember)
                .join(Crew)
                .where(CrewMember.worker_id == worker.id, Crew.contractor_id == user.contractor_id)
            )
        )
    query = (
        sa.select(sa.func.count())
        .select_from(Membership)
        .join(Union, Membership.union_id == Union.id)
        .where(Membership.worker_id == worker.id)
    )
    if is_union_staff(user):
        if user.jurisdiction is None:
            return False
        query = query.join(Jurisdiction, Union.jurisdiction_id == Jurisdiction.id).where(
            Jurisdiction.path.startswith(user.jurisdiction.path)
        )
    elif runs_site_unions(user):
        query = query.join(user_unions, user_unions.c.union_id == Union.id).where(user_unions.c.user_id == user.id)
    else:
        return False
    return bool(session.scalar(query))


def _currently_in_scope(session: so.Session, user: User, worker: Worker) -> bool:
    """The worker's current membership (active, or an application waiting) is in a union the user
    manages: rights follow what is current, while the history stays readable (:func:`can_view_worker`)."""
    if can_act_everywhere(user):
        return True
    query = (
        sa.select(sa.func.count())
        .select_from(Membership)
        .join(Union, Membership.union_id == Union.id)
        .where(Membership.worker_id == worker.id, Membership.state.in_(("active", "pending")))
    )
    if is_union_staff(user):
        if user.jurisdiction is None:
            return False
        query = query.join(Jurisdiction, Union.jurisdiction_id == Jurisdiction.id).where(
            Jurisdiction.path.startswith(user.jurisdiction.path)
        )
    elif runs_site_unions(user):
        query = query.join(user_unions, user_unions.c.union_id == Union.id).where(user_unions.c.user_id == user.id)
    else:
        return False
    return bool(session.scalar(query))


def can_edit_workers(user: User, worker: Worker | None = None, session: so.Session | None = None) -> bool:
    """Contact details and trade: the union side, except read-only city staff; for one ``worker``,
    only where the worker is a member (or applies) now. A contractor never edits the shared record, and
    nobody edits the record of a person anonymised under the retention rule."""
    if user.role not in UNION_EDITORS:
        return False
    if worker is None:
        return True
    if worker.anonymised:
        return False
    assert session is not None
    return _currently_in_scope(session, user, worker)


def can_reveal_id(user: User, worker: Worker | None = None, session: so.Session | None = None) -> bool:
    """Whether the account may reveal full numbers; for one ``worker``, only where the worker is a
    member (or applies) now. The same people see the birth date and the county of origin."""
    allowed = can_act_everywhere(user) or (user.can_reveal_id and user.role in ("officer", "union_staff"))
    if not allowed or worker is None:
        return allowed
    assert session is not None
    return _currently_in_scope(session, user, worker)


def worker_view_confined_to(user: User) -> int | None:
    """The company whose own crew records are all a contractor's account sees of a worker
    (not the memberships, cases and services elsewhere); None: the whole record."""
    return user.contractor_id if acts_for_contractor(user) else None


# --- contractors and crews ------------------------------------------------------


def can_list_contractors(user: User) -> bool:
    """The list of companies: the union side reads every company (they pick crews for sites);
    a contractor's account has only its own."""
    return works_for_unions(user)


def can_look_after_contractors(user: User) -> bool:
    """The contractors' pages in the menu: a company's own account, and the staff who register
    and look after companies (officers reach crews from their sites)."""
    return acts_for_contractor(user) or is_union_staff(user) or can_act_everywhere(user)


def can_view_contractor(user: User, contractor: Contractor) -> bool:
    if acts_for_contractor(user):
        return user.contractor_id == contractor.id
    return works_for_unions(user)


def can_manage_contractor(user: User, contractor: Contractor) -> bool:
    """Only the company itself or an administrator edits a company and its crews."""
    return can_act_everywhere(user) or (acts_for_contractor(user) and user.contractor_id == contractor.id)


def can_see_workers_status(user: User, contractor: Contractor) -> bool:
    """The company's own workers' union status: the company, administrators and city staff
    (officers see members through their unions, not through a company)."""
    return reads_everything(user) or (acts_for_contractor(user) and user.contractor_id == contractor.id)


def can_register_contractor(user: User) -> bool:
    return user.role in UNION_EDITORS


def can_view_crew(user: User, crew: Crew) -> bool:
    return can_view_contractor(user, crew.contractor)


def can_manage_crew(user: User, crew: Crew) -> bool:
    return can_manage_contractor(user, crew.contractor)


def can_view_roster(session: so.Session, user: User, crew: Crew) -> bool:
    """Who may see the people in a crew: the company, administrators and city staff,
    and union officers or staff once the crew has been on a site in their scope."""
    if reads_everything(user) or can_manage_crew(user, crew):
        return True
    if not (runs_site_unions(user) or is_union_staff(user)):
        return False
    query = (
        sa.select(sa.func.count())
        .select_from(SiteEntry)
        .join(Project, SiteEntry.project_id == Project.id)
        .where(SiteEntry.crew_id == crew.id)
    )
    if runs_site_unions(user):
        query = query.outerjoin(Union, Union.project_id == Project.id).where(
            sa.or_(
                Project.created_by_id == user.id,
                Union.id.in_(sa.select(user_unions.c.union_id).where(user_unions.c.user_id == user.id)),
            )
        )
    else:
        if user.jurisdiction is None:
            return False
        query = query.join(Jurisdiction, Project.town_id == Jurisdiction.id).where(
            Jurisdiction.path.startswith(user.jurisdiction.path)
        )
    return bool(session.scalar(query))


# --- sites (进场 / 退场) ------------------------------------------------------


#: Project states in which crews may enter the site.
ENTRY_OPEN_STATES = ("planned", "under_construction")


def can_record_entry(user: User, project: Project, crew: Crew) -> bool:
    """The crew's own company, or whoever manages the project on the union side."""
    if acts_for_contractor(user):
        return can_manage_crew(user, crew)
    return can_manage_project(user, project)


def can_view_entry(user: User, entry: SiteEntry) -> bool:
    if acts_for_contractor(user):
        return entry.crew is not None and can_manage_crew(user, entry.crew)
    return can_view_project(user, entry.project)


def can_view_site(session: so.Session, user: User, project: Project) -> bool:
    """A project's site page: the project in scope; for a contractor also a site open for
    entry or one its crews have been on."""
    if can_view_project(user, project):
        return True
    if not acts_for_contractor(user):
        return False
    if project.state in ENTRY_OPEN_STATES:
        return True
    return bool(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(SiteEntry)
            .join(Crew, SiteEntry.crew_id == Crew.id)
            .where(SiteEntry.project_id == project.id, Crew.contractor_id == user.contractor_id)
        )
    )


def can_send_crews_to(user: User, project: Project) -> bool:
    """Whether ``project`` is offered as a destination: a company sends its crews onto any
    open site, an administrator records any entry, the union side where it manages the project."""
    return user.role in SEND_ANYWHERE or can_manage_project(user, project)


# --- refusing -------------------------------------------------------------------


def require(allowed: bool, *, private: bool = False) -> None:
    """Refuse: 404 where existence itself is private, else 403."""
    if not allowed:
        raise NotFound() if private else PermissionDenied()


def require_visible(user: User, obj: Any, session: so.Session | None = None) -> None:
    if isinstance(obj, Union):
        require(can_view_union(user, obj), private=True)
    elif isinstance(obj, Project):
        require(can_view_project(user, obj), private=True)
    elif isinstance(obj, Worker):
        assert session is not None
        require(can_view_worker(session, user, obj), private=True)
    else:
        raise TypeError(type(obj))


REPORT_ROLES = ("union_staff", "city_staff", "admin")


def can_view_reports(user: User | None) -> bool:
    """City staff and administrators see every total; district and town staff those of their jurisdiction."""
    if user is None:
        return False
    if user.role == "union_staff":
        return user.jurisdiction is not None
    return user.role in REPORT_ROLES


def reports_confined_to(user: User | None) -> Jurisdiction | None:
    """The jurisdiction a user's totals are limited to (district and town staff); None: the whole city."""
    return user.jurisdiction if user is not None and is_union_staff(user) else None


def can_export_roster(user: User, crew: Crew) -> bool:
    """The company itself and administrators only: the export carries full ID numbers.

    The rule (issue 12): a company keeps its own real-name register (实名制 is the general
    contractor's and the company's legal duty, and the numbers came from its own rosters), so
    the export of its OWN crew gives the full numbers — the Excel round trip depends on it. It
    holds only what the crew's own records hold: name, ID number, the crew record's phone and
    trade, the day of joining the crew; never the birth date, the county, union memberships or a
    phone or trade entered by others, and nobody who left or is in another crew. Every export is
    written to the audit trail (who, which crew, how many rows, the format; never a number).
    Every page shown to the company keeps the numbers masked. Union officers and staff read a
    crew that was on their site but never export it; another company's crew is not found (404).
    """
    return can_manage_crew(user, crew)


# --- the survey (摸排): worklists, the site's not-yet-enrolled workers, targets ------------------


def can_view_survey(user: User | None, jurisdiction: Jurisdiction | None = None) -> bool:
    """The survey's worklists and rates: city staff and administrators everywhere, district and town
    staff in their own jurisdiction (``jurisdiction=None``: whether they see any)."""
    if user is None:
        return False
    if reads_everything(user):
        return True
    if is_union_staff(user):
        return user.jurisdiction is not None and (jurisdiction is None or user.jurisdiction.contains(jurisdiction))
    return False


def can_view_site_survey(user: User, project: Project) -> bool:
    """A site's workers on site and who among them is not yet a member: the union side of the project."""
    return works_for_unions(user) and can_view_project(user, project)


def can_work_site_survey(user: User, project: Project) -> bool:
    """Enroll, mark declined, print forms: who manages the site's union."""
    return project.union is not None and can_manage_union(user, project.union)


def can_set_enrollment_target(user: User, jurisdiction: Jurisdiction) -> bool:
    """City and district staff set yearly targets for their jurisdiction and those under it."""
    if user.role in EVERYTHING_READ:
        return True
    return (
        user.role == "union_staff"
        and user.jurisdiction is not None
        and user.jurisdiction.level in ("city", "district")
        and user.jurisdiction.contains(jurisdiction)
    )


# --- access requests: a person's data report -------------------------------------------


def can_answer_access_requests(user: User) -> bool:
    """Everything held about one person, full ID number included: administrators only."""
    return can_act_everywhere(user)
