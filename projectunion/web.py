"""What every page of the web UI shares: loading objects in scope, showing a
domain refusal on a form, pagination, and the template helpers."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, abort, current_app, flash, request, url_for
from flask_babel import format_datetime, format_decimal, get_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape
from wtforms import Form

from projectunion import labels, permissions
from projectunion.db import get_session
from projectunion.exceptions import DomainError, ValidationError
from projectunion.i18n import display_date, redate


def get_or_404(model, object_id: Any):
    obj = get_session().get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def visible_or_404(obj):
    """The object if the signed-in user may see it; else 404 (its existence is private)."""
    permissions.require_visible(current_user, obj, get_session())
    return obj


def relabel(message: Any, machine: str | None = None) -> str:
    """Render a refusal with labels in place of the state, event and machine codes it names."""
    if not isinstance(message, LazyString):
        return str(message)
    kwargs = {key: redate(value) for key, value in message._kwargs.items()}
    if "state" in kwargs:
        kwargs["state"] = labels.state("union" if "union" in kwargs else machine or "union", kwargs["state"])
    if "event" in kwargs and machine:
        kwargs["event"] = labels.event(machine, kwargs["event"])
    if "machine" in kwargs:
        kwargs["machine"] = str(labels.MACHINES.get(kwargs["machine"], kwargs["machine"])).lower()
    return str(message._func(*message._args, **kwargs))


def describe(exc: DomainError) -> str:
    """The refusal in the user's words: states and events by their labels, not their codes."""
    return relabel(exc.message, getattr(exc, "machine", None))


def apply_errors(
    form, exc: DomainError, aliases: dict[str, str] | None = None, rows_prefix: str | None = None
) -> dict[int, str]:
    """Show a refusal on the form: per field where the service named one, else at the top.

    Errors keyed ``<rows_prefix>-<id>`` belong to one row of a table (a member, a worker)
    and are returned by id for the page to show on that row. Not allowed (403) and not
    found (404) are not form errors: they get their page.
    """
    if exc.status in (403, 404):
        raise exc
    aliases = aliases or {}
    fields = getattr(exc, "fields", None) or {}
    rows: dict[int, str] = {}
    placed = False
    for name, message in fields.items():
        head, _sep, tail = name.rpartition("-")
        field = getattr(form, aliases.get(name, name), None)
        if rows_prefix and head == rows_prefix and tail.isdigit():
            rows[int(tail)] = relabel(message)
        elif field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors or ()), relabel(message)]
            placed = True
        else:
            form.form_errors.append(relabel(message))
            placed = True
    if not placed or not isinstance(exc, ValidationError):
        form.form_errors.append(describe(exc))
    return rows


def refuse(exc: DomainError) -> None:
    """A refusal outside any form: flash it; 403/404 are raised to their error pages."""
    if exc.status in (403, 404):
        raise exc
    fields = getattr(exc, "fields", None) or {}
    for message in [relabel(m) for m in fields.values()] or [describe(exc)]:
        flash(message, "error")


def flash_form_errors(form) -> None:
    """A small form posted from a page that does not show it again: its errors become messages."""
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")


def safe_next(target: str | None, default: str) -> str:
    """Only follow a ``next`` that stays on this site: a path, with no control characters or backslashes
    (a newline would break the Location header; browsers read ``/\\host`` as another site)."""
    if target and target.isprintable() and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return default


def this_page() -> str:
    """Where to come back to (after switching the language): this page, or for a page
    answering a form, the page that had the form."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        return referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return url_for("main.index")


def page_number() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.page * self.per_page, self.total)

    def url(self, page: int) -> str:
        args = request.args.to_dict()
        args["page"] = str(page)
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    def window(self, size: int = 2) -> list[int | None]:
        """Page numbers to show, ``None`` for a gap: 1 … 4 5 6 … 20."""
        shown = sorted({1, self.pages, *range(max(1, self.page - size), min(self.pages, self.page + size) + 1)})
        out: list[int | None] = []
        for number in shown:
            if out and number - (out[-1] or 0) > 1:
                out.append(None)
            out.append(number)
        return out


def paginate(query: sa.Select, per_page: int | None = None) -> Page:
    session = get_session()
    per_page = per_page or current_app.config["PAGE_SIZE"]
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    page = min(page_number(), max(1, math.ceil(total / per_page)))
    items = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)


def flash_done(message: str) -> None:
    flash(message, "success")


# Template helpers -----------------------------------------------------------


def confirm_event(
    form,
    obj: Any,
    machine: str,
    event: str,
    *,
    subject: str,
    back: str,
    data=dict,
    done=None,
    template: str = "event_confirm.html",
    **context: Any,
):
    """The confirmation page of one lifecycle event: on a valid POST fire it through the
    service, flash what happened (``done(obj)``, else the event's own sentence) and go
    ``back``; otherwise (or on a refusal) show the form."""
    from flask import redirect, render_template

    from projectunion import lifecycle
    from projectunion.services import events

    if form.validate_on_submit():
        try:
            events.fire_checked_and_commit(get_session(), current_user, obj, event, on=form.on.data, **data())
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash_done(done(obj) if done is not None else events.done_message(machine, event, obj))
            return redirect(back)
    return render_template(
        template,
        form=form,
        machine=machine,
        event=event,
        allowed=event in lifecycle.allowed_events(obj),
        subject=subject,
        state=obj.state,
        cancel_url=back,
        **context,
    )


def _date(value: dt.date | None, fmt: str | None = None) -> str:
    """One display format per language, whatever the template asked for (``fmt`` is kept for old callers)."""
    return display_date(value) if value else "—"


def _datetime(value: dt.datetime | None) -> str:
    return format_datetime(value, "medium") if value else "—"


def _money(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return "¥" + format_decimal(value, format="#,##0.00")


def _badge(code: str | None, machine: str) -> Markup:
    text = labels.state(machine, code)
    return Markup('<span class="badge badge-{0} badge-{1}-{0}">{2}</span>').format(
        escape(code or ""), escape(machine), text
    )


def _place(jurisdiction) -> str:
    if jurisdiction is None:
        return "—"
    if str(get_locale()) == "en" and jurisdiction.name_en:
        return jurisdiction.name_en
    return jurisdiction.name


def _place_path(jurisdiction) -> str:
    """District and town, e.g. 环翠区 羊亭镇."""
    parts = []
    node = jurisdiction
    while node is not None and node.level != "city":
        parts.append(_place(node))
        node = node.parent
    return " · ".join(reversed(parts)) or _place(jurisdiction)


@dataclass
class Problem:
    """One line of the error summary: the message and where on the page it belongs."""

    message: str
    label: str | None = None
    anchor: str | None = None


class Anchored(str):
    """A form's own error that belongs to one place on the page: the summary links there."""

    anchor: str


def anchored(message: Any, anchor: str) -> Anchored:
    """``message`` (translated now) as a form error whose summary line links to the element ``anchor``."""
    out = Anchored(str(message))
    out.anchor = anchor
    return out


def form_anchor(form) -> str:
    """The id of a form's own (not per-field) error list, for the summary to link to."""
    prefix = (getattr(form, "_prefix", "") or "").rstrip("-")
    return "errors-" + (prefix or type(form).__name__.lower())


def form_problems(form) -> list[Problem]:
    """Every error of one form, in the order of its fields, the form's own errors first."""
    problems = [
        Problem(str(message), anchor=getattr(message, "anchor", None) or form_anchor(form))
        for message in form.form_errors
    ]
    for field in form:
        messages = field.errors if isinstance(field.errors, (list, tuple)) else []
        hidden = field.widget.input_type == "hidden" if hasattr(field.widget, "input_type") else False
        for message in messages:
            if not isinstance(message, (dict, list, tuple)):
                label = str(field.label.text)
                # A box whose label is a whole sentence ("I have read…") needs no "label: " before its message.
                label = None if label.endswith((".", "。")) else label
                problems.append(Problem(str(message), label, None if hidden else field.id))
    return problems


@pass_context
def error_summary(context) -> Markup:
    """At the top of every page that answers a form: all its errors at once, each linking to
    its field, so nobody has to find the one error far down a long page."""
    problems: list[Problem] = []
    seen: set[int] = set()
    for value in context.get_all().values():
        if isinstance(value, Form) and id(value) not in seen:
            seen.add(id(value))
            problems.extend(form_problems(value))
    if not problems:
        return Markup("")
    from flask import render_template

    return Markup(render_template("_error_summary.html", problems=problems))  # nosec B704 # an autoescaped template


#: The permission questions templates ask by name: ``can_manage_crew(current_user, crew)``.
QUESTION_PREFIXES = ("can_", "acts_", "reads_", "works_", "runs_", "is_")


def template_questions() -> dict[str, Any]:
    return {
        name: value
        for name, value in vars(permissions).items()
        if name.startswith(QUESTION_PREFIXES) and callable(value) and value.__module__ == permissions.__name__
    }


def init_app(app: Flask) -> None:
    app.add_template_filter(_date, "date")
    app.add_template_filter(_datetime, "datetime")
    app.add_template_filter(_money, "money")
    app.add_template_filter(_place, "place")
    app.add_template_filter(_place_path, "place_path")
    app.add_template_global(_badge, "badge")
    app.add_template_global(error_summary, "error_summary")
    app.add_template_global(form_anchor, "form_anchor")
    app.add_template_global(labels, "labels")
    app.add_template_global(permissions, "permissions")
    for name, question in template_questions().items():
        app.add_template_global(question, name)

    @app.context_processor
    def _globals():
        def has_endpoint(name: str) -> bool:
            return name in app.view_functions

        return {
            "has_endpoint": has_endpoint,
            "this_page": this_page,
            "languages": app.config["LANGUAGES"],
            "current_locale": str(get_locale()),
        }


def state_history(machine: str, object_id: int) -> list:
    """Every transition of one object, oldest first, with who did it."""
    from projectunion.models import StateChange, User

    rows = get_session().execute(
        sa.select(StateChange, User.display_name)
        .outerjoin(User, StateChange.actor_id == User.id)
        .where(StateChange.machine == machine, StateChange.object_id == object_id)
        .order_by(StateChange.id)
    )
    return [(change, actor) for change, actor in rows]
