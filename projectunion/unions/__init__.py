"""Unions: the union page and roster, enrollment, approvals, chair, founding and the dissolution wizard."""

from flask import Blueprint

from projectunion.auth import signed_in_only

bp = signed_in_only(Blueprint("unions", __name__))

from projectunion.unions import dissolution, routes  # noqa: E402,F401
