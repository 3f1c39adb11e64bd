from __future__ import annotations

from flask import render_template
from flask_login import current_user

from projectunion import diagrams
from projectunion.db import get_session
from projectunion.main import bp, queries


@bp.get("/")
def index():
    session = get_session()
    user = current_user
    context = {"attention": None, "my_unions": [], "overview": None, "projects": []}
    if user.role != "contractor":
        context["attention"] = queries.attention(session, user)
    if user.role == "officer":
        context["my_unions"] = queries.my_unions(session, user)
    else:
        context["overview"] = queries.overview(session, user)
    context["projects"] = queries.recent_projects(session, user)
    return render_template("main/index.html", **context)


@bp.get("/lifecycles")
def lifecycles():
    return render_template(
        "main/lifecycles.html",
        figures=[(name, diagrams.figure(name)) for name in ("project", "union", "membership", "wage_case")],
    )
