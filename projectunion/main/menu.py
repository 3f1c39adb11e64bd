"""The main menu: what each role works with, including pages other blueprints add."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, request
from flask_login import current_user

from projectunion.i18n import _l

# (endpoint, label, roles); endpoints not registered in this app are left out.
MENU: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    ("main.index", _l("Home"), ("officer", "union_staff", "contractor", "city_staff", "admin")),
    ("projects.index", _l("Projects"), ("officer", "union_staff", "contractor", "city_staff", "admin")),
    ("unions.index", _l("Unions"), ("officer", "union_staff", "city_staff", "admin")),
    ("workers.index", _l("Workers"), ("officer", "union_staff", "city_staff", "admin")),
    ("cases.wage_cases", _l("Wage cases"), ("officer", "union_staff", "city_staff", "admin")),
    ("cases.services", _l("Services"), ("officer", "union_staff", "city_staff", "admin")),
    ("contractors.index", _l("Contractors"), ("contractor", "union_staff", "admin")),
    ("contractors.sites", _l("Sites"), ("officer", "union_staff", "contractor", "city_staff", "admin")),
    ("dashboard.index", _l("Totals"), ("union_staff", "city_staff", "admin")),
    ("survey.index", _l("Survey"), ("union_staff", "city_staff", "admin")),
    ("main.lifecycles", _l("Lifecycles"), ("officer", "union_staff", "contractor", "city_staff", "admin")),
    ("admin.users", _l("Users"), ("admin",)),
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
    if blueprint == "main":  # home and the diagrams
        return endpoint == here
    return True


def main_menu(app: Flask) -> list[MenuItem]:
    if not current_user.is_authenticated:
        return []
    return [
        MenuItem(endpoint, label, current=_is_current(endpoint))
        for endpoint, label, roles in MENU
        if current_user.role in roles and endpoint in app.view_functions
    ]


def init_app(app: Flask) -> None:
    @app.context_processor
    def _menu():
        return {"main_menu": lambda: main_menu(app)}
