from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, PasswordField, StringField
from wtforms.validators import InputRequired, NumberRange

from projectunion.forms import max_length
from projectunion.i18n import _l


class SignInForm(FlaskForm):
    username = StringField(_l("User name"), [InputRequired(_l("Enter your user name.")), max_length(60)])
    password = PasswordField(_l("Password"), [InputRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Stay signed in on this device"))
    next = HiddenField()


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), [InputRequired(_l("Enter your current password."))])
    new = PasswordField(_l("New password"), [InputRequired(_l("Enter the new password."))])
    repeat = PasswordField(_l("New password again"), [InputRequired(_l("Enter the new password again."))])


class TokenForm(FlaskForm):
    name = StringField(
        _l("What the token is for"),
        [InputRequired(_l("Give the token a name, e.g. what uses it.")), max_length(100)],
    )
    days = IntegerField(
        _l("Valid for (days)"),
        [InputRequired(_l("Enter for how many days the token is valid.")), NumberRange(1, 365)],
        default=90,
    )
