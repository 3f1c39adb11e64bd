from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField

from projectunion import labels
from projectunion.forms import CheckboxesField, SelectField, needed, optional
from projectunion.i18n import _l


class ScopeForm(FlaskForm):
    display_name = StringField(_l("Person's name"), [needed()])
    jurisdiction = SelectField(
        _l("Jurisdiction"),
        [optional()],
        description=_l("Union staff see this jurisdiction and everything below; officers register projects here."),
    )
    union_ids = CheckboxesField(_l("Unions the officer runs"), coerce=int)
    contractor = SelectField(_l("Company"), [optional()], description=_l("For contractor accounts."))
    can_reveal_id = BooleanField(_l("May reveal full ID numbers (every reveal is recorded)"))


class UserForm(ScopeForm):
    username = StringField(_l("User name"), [needed()])
    password = PasswordField(_l("Password"), [needed()], description=_l("At least 10 characters."))
    role = SelectField(_l("Role"), [needed()], choices=[("", _l("Choose…"))] + list(labels.ROLES.items()))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), [needed()])


class ActiveForm(FlaskForm):
    pass
