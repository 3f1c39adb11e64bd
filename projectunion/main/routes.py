from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user

from projectunion import diagrams, permissions
from projectunion.db import get_session
from projectunion.lifecycle.declarations import ENROLLMENT_OPEN
from projectunion.main import bp, queries
from projectunion.services import site_entries


@bp.get("/")
def index():
    session = get_session()
    user = current_user
    context = {"attention": None, "my_unions": [], "exit_decisions": [], "overview": None, "projects": []}
    if permissions.works_for_unions(user):
        context["attention"] = queries.attention(session, user)
    if permissions.runs_site_unions(user):
        context["my_unions"] = queries.my_unions(session, user)
        context["exit_decisions"] = [
            waiting
            for union, _active, _pending in context["my_unions"]
            if union.state in ENROLLMENT_OPEN + ("suspended", "dissolving")
            for waiting in site_entries.pending_exit_decisions(session, user, union)
        ]
    else:
        context["overview"] = queries.overview(session, user)
    context["projects"] = queries.recent_projects(session, user)
    return render_template("main/index.html", **context)


@bp.get("/help")
def help():
    """How a project union works, in words first; the state diagrams are folded at the end."""
    return render_template(
        "main/help.html",
        figures=[(name, diagrams.figure(name)) for name in ("project", "union", "membership", "wage_case", "crew")],
    )


@bp.get("/lifecycles")
def lifecycles():
    """The old address of the diagrams, which now live on the help page."""
    return redirect(url_for("main.help", _anchor="diagrams"), code=301)
