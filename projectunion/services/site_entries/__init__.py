"""Crews on sites (进场 / 退场), in three parts that each stand on their own:

- :mod:`.entries`: who sees which site, entries and exits;
- :mod:`.exit_decisions`: what an exit means for the union's members (keep, transfer, end);
- :mod:`.crew_enrollment`: enrolling the workers of a crew on the site.
"""

from projectunion.services.site_entries.crew_enrollment import (
    CREW_CONSENTS,
    Candidate,
    enroll_from_crew,
    enrollment_candidates,
)
from projectunion.services.site_entries.entries import (
    ENTRY_OPEN_STATES,
    SiteRow,
    crew_on_site,
    crews_to_send,
    enter_site,
    entries_for_crew,
    entries_for_project,
    exit_site,
    get_entry,
    get_project,
    site_list,
    sites_open_for_entry,
)
from projectunion.services.site_entries.exit_decisions import (
    KEEP_ACTION,
    ExitDecisions,
    affected_members,
    decide_after_exit,
    pending_exit_decisions,
    transfer_destinations,
)

__all__ = [
    "CREW_CONSENTS",
    "ENTRY_OPEN_STATES",
    "KEEP_ACTION",
    "Candidate",
    "ExitDecisions",
    "SiteRow",
    "affected_members",
    "crew_on_site",
    "crews_to_send",
    "decide_after_exit",
    "enroll_from_crew",
    "enrollment_candidates",
    "enter_site",
    "entries_for_crew",
    "entries_for_project",
    "exit_site",
    "get_entry",
    "get_project",
    "pending_exit_decisions",
    "site_list",
    "sites_open_for_entry",
    "transfer_destinations",
]
