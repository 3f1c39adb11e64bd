"""Form pieces the web UI's blueprints share: dates, choices from the database, the event form."""

from __future__ import annotations

import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import DateField, SelectMultipleField, StringField
from wtforms import SelectField as _SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from projectunion import permissions, scopes
from projectunion.dates import today
from projectunion.db import get_session
from projectunion.i18n import _l
from projectunion.lifecycle.declarations import ENROLLMENT_OPEN
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


def _choices(value):
    """Plain ``(value, label)`` pairs, or ``{group: pairs}`` for ``<optgroup>``s, as SelectChoice objects."""
    if value is None or callable(value):
        return value
    if isinstance(value, dict):
        return [SelectChoice(v, label, optgroup=group) for group, pairs in value.items() for v, label in pairs]
    return [c if isinstance(c, SelectChoice) else SelectChoice(*c) for c in value]


class _Choices:
    """Choices given as pairs (the way the rest of the code thinks of them)."""

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, choices=_choices(choices), **kwargs)

    @property
    def choices(self):
        return super().choices

    @choices.setter
    def choices(self, value):
        _SelectField.choices.fset(self, _choices(value))

    def known_values(self) -> set[str]:
        return {str(c.value) for c in self.choices or ()}


class SelectField(_Choices, _SelectField):
    """A drop-down whose refusal of an unknown value is in the user's language."""

    def pre_validate(self, form):
        if self.data not in (None, "") and str(self.data) not in self.known_values():
            raise ValidationError(str(_l("Choose one of the options shown.")))


class CheckboxesField(_Choices, SelectMultipleField):
    """Several choices as checkboxes (a multiple select is unusable on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        known = self.known_values()
        for value in self.data or ():
            if str(value) not in known:
                raise ValidationError(str(_l("Choose among the options shown.")))


def max_length(n: int) -> Length:
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


class Needed:
    """Marks a field as needed (the label gets its star) while the service checks it,
    together with the other fields, so that every mistake is reported at once."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        return None


def needed() -> Needed:
    return Needed()


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
    if not permissions.can_act_everywhere(user):
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


def jurisdiction_choices(empty_label=None, within: Jurisdiction | None = None) -> list:
    """The tree (or the part ``within`` a jurisdiction), indented: for staff and standing unions."""
    session = get_session()
    choices: list = [("", str(empty_label))] if empty_label is not None else []
    indent = {"city": "", "district": "\u00a0\u00a0\u00a0", "town": "\u00a0" * 6}
    query = sa.select(Jurisdiction).order_by(Jurisdiction.path)
    if within is not None:
        query = query.where(Jurisdiction.path.startswith(within.path))
    for node in session.scalars(query):
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
        .where(scopes.visible_unions(user), Union.state.in_(ENROLLMENT_OPEN))
        .order_by((Union.kind == "project").asc(), Union.name)
    )
    if exclude is not None:
        query = query.where(Union.id != exclude.id)
    choices: list = [("", str(empty_label))] if empty_label is not None else []
    for union in session.scalars(query.limit(500)):
        choices.append((str(union.id), union.name))
    return choices


def chosen_id(value) -> int | None:
    """``coerce`` for a select whose first option is "please choose" (the empty value)."""
    if value in (None, ""):
        return None
    return int(value)


def int_or_none(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class SearchForm(FlaskForm):
    """A search box that may hold an ID number or a phone: POSTed, see :mod:`projectunion.searches`."""

    q = StringField(_l("Search"), [optional(), max_length(60)])
