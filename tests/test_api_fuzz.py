"""Schemathesis over the whole OpenAPI document, against the app on the test database.

Every operation gets generated valid and invalid requests (bounded so the
run stays well under a minute); every answer must be a documented status,
never a 500, and match its documented schema and content type, and invalid
input must be refused.
"""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks

from projectunion import create_app
from projectunion.services import users
from tests.conftest import TEST_CONFIG

CONFIG = schemathesis.Config.from_dict(
    {
        # The coverage phase (boundary values, wrong types and methods) is fixed in size; the
        # random fuzzing phase is bounded so the whole run stays well under a minute.
        "generation": {"mode": "all", "max-examples": 10, "deterministic": True, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
    }
)

CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
    checks.ignored_auth,
]


def _document_app():
    """An app only to serve the document at collection time; the tests call the test database's app."""
    return create_app({**TEST_CONFIG, "DATABASE_URL": "sqlite://"})


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _document_app(), config=CONFIG)


@pytest.fixture
def token(f, db_session):
    """An administrator's token, with some data in place for the generated ids to find."""
    f.active_union(members=3, on=dt.date(2024, 3, 1))
    f.regional_union()
    return users.create_token(db_session, None, f.admin, "fuzz")


@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None, database=None)
def test_every_operation_conforms_to_the_document(app, case, token):
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


def test_the_document_is_valid_openapi_3_1():
    schema.validate()  # against the OpenAPI 3.1 meta-schema
    assert schema.raw_schema["openapi"] == "3.1.0"
