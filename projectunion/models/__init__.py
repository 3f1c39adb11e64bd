"""Every model, one module per aggregate; importing this registers them all."""

from projectunion.models.contractors import Contractor, Crew, CrewMember, SiteEntry
from projectunion.models.history import AuditEvent, StateChange
from projectunion.models.jurisdictions import Jurisdiction
from projectunion.models.memberships import Membership
from projectunion.models.projects import Project
from projectunion.models.service_records import ServiceRecord
from projectunion.models.survey import EnrollmentTarget, SurveyDecline
from projectunion.models.unions import Union
from projectunion.models.users import ApiToken, SignIn, User, project_officers, user_unions
from projectunion.models.wage_cases import WageCase, wage_case_workers
from projectunion.models.workers import Worker

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Contractor",
    "Crew",
    "CrewMember",
    "EnrollmentTarget",
    "Jurisdiction",
    "Membership",
    "Project",
    "ServiceRecord",
    "SignIn",
    "SiteEntry",
    "StateChange",
    "SurveyDecline",
    "Union",
    "User",
    "WageCase",
    "Worker",
    "project_officers",
    "user_unions",
    "wage_case_workers",
]
