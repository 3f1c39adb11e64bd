"""The services side: wage-arrears cases and service records (training, aid, visits)."""

from flask import Blueprint

from projectunion.auth import signed_in_only

bp = signed_in_only(Blueprint("cases", __name__))

from projectunion.cases import routes  # noqa: E402,F401
