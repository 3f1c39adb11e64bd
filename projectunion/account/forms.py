from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired

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
