"""Form pieces the web UI's blueprints share: dates, choices from the database, the event form."""

from __future__ import annotations

import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import DateField, SelectMultipleField
from wtforms import SelectField as _SelectField
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from projectunion import scopes
from projectunion.dates import today
from projectunion.db import get_session
from projectunion.i18n import _l
from projectunion.models import Contractor, Jurisdiction, Union, User
from projectunion.web import _place


class DayField(DateField):
    """A calendar date (``<input type=date>``) with a message in the user's language."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(str(_l("Enter a date like 2024-03-01."))) from None


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (a multiple select is unusable on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        known = {value for value, _label in self.choices or ()}
        for value in self.data or ():
            if value not in known:
                raise ValidationError(str(_l("Choose among the options shown.")))


class SelectField(_SelectField):
    """A drop-down whose refusal of an unknown value is in the user's language."""

    def pre_validate(self, form):
        if self.data not in {str(value) for value, _label in self._flat_choices()} and self.data not in (None, ""):
            raise ValidationError(str(_l("Choose one of the options shown.")))

    def _flat_choices(self):
        choices = self.choices or ()
        if isinstance(choices, dict):
            return [c for group in choices.values() for c in group]
        return list(choices)


def max_length(n: int) -> Length:
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


def required(message=None):
    return InputRequired(message or _l("This field is required."))


def optional():
    return Optional()


class EventForm(FlaskForm):
    """Confirming one lifecycle event: the calendar date it happened."""

    on = DayField(_l("Date it happened"), [required(_l("Enter the date it happened."))], default=today)


def town_choices(user: User) -> dict[str, list[tuple[str, str]]]:
    """Towns grouped by district (``<optgroup>``), limited to where the user may register projects."""
    session = get_session()
    query = sa.select(Jurisdiction).where(Jurisdiction.level == "town").order_by(Jurisdiction.code)
    if user.role != "admin":
        if user.jurisdiction is None:
            return {}
        query = query.where(Jurisdiction.path.startswith(user.jurisdiction.path))
    groups: dict[str, list[tuple[str, str]]] = {}
    for town in session.scalars(query):
        groups.setdefault(_place(town.parent), []).append((town.code, _place(town)))
    return groups


def place_choices(empty_label) -> list:
    """Districts and their towns, for filters: a district means everything in it."""
    session = get_session()
    choices: list = [("", str(empty_label))]
    for district in session.scalars(
        sa.select(Jurisdiction).where(Jurisdiction.level == "district").order_by(Jurisdiction.code)
    ):
        choices.append((district.code, _place(district)))
        choices.extend((town.code, "\u00a0\u00a0\u00a0" + _place(town)) for town in district.children)
    return choices


def jurisdiction_choices(empty_label=None) -> list:
    """The whole tree, indented: for a staff member's or a standing union's jurisdiction."""
    session = get_session()
    choices: list = [("", str(empty_label))] if empty_label is not None else []
    indent = {"city": "", "district": "\u00a0\u00a0\u00a0", "town": "\u00a0" * 6}
    for node in session.scalars(sa.select(Jurisdiction).order_by(Jurisdiction.path)):
        choices.append((node.code, indent[node.level] + _place(node)))
    return choices


def contractor_choices(empty_label) -> list:
    session = get_session()
    rows = session.execute(sa.select(Contractor.id, Contractor.name).order_by(Contractor.name)).all()
    return [("", str(empty_label))] + [(str(i), name) for i, name in rows]


def open_union_choices(user: User, exclude: Union | None = None, empty_label=None) -> list:
    """Unions in scope that take members now (transfer destinations, successors)."""
    session = get_session()
    query = (
        sa.select(Union)
        .where(scopes.visible_unions(user), Union.state.in_(("preparing", "active")))
        .order_by((Union.kind == "project").asc(), Union.name)
    )
    if exclude is not None:
        query = query.where(Union.id != exclude.id)
    choices: list = [("", str(empty_label))] if empty_label is not None else []
    for union in session.scalars(query.limit(500)):
        choices.append((str(union.id), union.name))
    return choices


def int_or_none(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
