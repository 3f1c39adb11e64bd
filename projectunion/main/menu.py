"""The main menu: what each user works with (by the permission questions), including pages other blueprints add."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, request
from flask_login import current_user

from projectunion import permissions
from projectunion.i18n import _l


def _everyone(user) -> bool:
    return True


def _reports(user) -> bool:
    return permissions.can_view_reports(user)


# (endpoint, label, who sees it); endpoints not registered in this app are left out.
MENU: tuple[tuple[str, Any, Callable[[Any], bool]], ...] = (
    ("main.index", _l("Home"), _everyone),
    ("projects.index", _l("Projects"), _everyone),
    ("unions.index", _l("Unions"), permissions.works_for_unions),
    ("workers.index", _l("Workers"), permissions.works_for_unions),
    ("cases.wage_cases", _l("Wage cases"), permissions.works_for_unions),
    ("cases.services", _l("Services"), permissions.works_for_unions),
    ("contractors.index", _l("Contractors"), permissions.can_look_after_contractors),
    ("contractors.sites", _l("Sites"), _everyone),
    ("dashboard.index", _l("Totals"), _reports),
    ("survey.index", _l("Survey"), permissions.can_view_survey),
    ("admin.users", _l("Users"), permissions.can_manage_users),
)


@dataclass
class MenuItem:
    endpoint: str
    label: Any
    current: bool


# Blueprints that hold two menu entries: (the second entry, the pages that belong to it).
SHARED = {
    "cases": ("cases.services", lambda here: "service" in here),
    "contractors": (
        "contractors.sites",
        lambda here: here.split(".")[1] in {"sites", "site", "exit_site", "decisions", "enroll_crew"},
    ),
}


def _is_current(endpoint: str) -> bool:
    here = request.endpoint or ""
    blueprint = endpoint.split(".")[0]
    if blueprint != here.split(".")[0]:
        return False
    if blueprint in SHARED:
        second, belongs = SHARED[blueprint]
        return (endpoint == second) == belongs(here)
    if blueprint == "main":  # home and the help page
        return endpoint == here
    return True


def main_menu(app: Flask) -> list[MenuItem]:
    if not current_user.is_authenticated:
        return []
    return [
        MenuItem(endpoint, label, current=_is_current(endpoint))
        for endpoint, label, sees in MENU
        if sees(current_user) and endpoint in app.view_functions
    ]


def init_app(app: Flask) -> None:
    @app.context_processor
    def _menu():
        return {"main_menu": lambda: main_menu(app)}
