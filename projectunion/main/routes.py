from __future__ import annotations

import sqlalchemy as sa
from flask import render_template

from projectunion.db import get_session
from projectunion.main import bp
from projectunion.models import Project


@bp.get("/")
def index():
    projects = get_session().scalars(sa.select(Project).order_by(Project.id.desc()).limit(100)).all()
    return render_template("main/index.html", projects=projects)
