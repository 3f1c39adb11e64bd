from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import redirect, render_template, request, url_for
from flask_login import current_user

from projectunion import labels, permissions
from projectunion.admin import bp
from projectunion.admin.forms import ActiveForm, ResetPasswordForm, ScopeForm, UserForm
from projectunion.db import get_session
from projectunion.exceptions import DomainError
from projectunion.forms import contractor_choices, int_or_none, jurisdiction_choices
from projectunion.i18n import _, _l
from projectunion.models import Contractor, Union, User
from projectunion.services import accounts, jurisdictions
from projectunion.services import users as user_service
from projectunion.web import apply_errors, flash_done, get_or_404, paginate, refuse


@bp.before_request
def _admins_only():
    permissions.require(permissions.can_manage_users(current_user))


def _union_choices() -> list[tuple[int, str]]:
    rows = get_session().execute(
        sa.select(Union.id, Union.name, Union.state).order_by(
            (Union.state == "dissolved").asc(), (Union.kind != "project").asc(), Union.name
        )
    )
    return [(i, _("%(union)s (%(state)s)", union=name, state=labels.state("union", state))) for i, name, state in rows]


def _prepare(form: ScopeForm) -> None:
    form.jurisdiction.choices = jurisdiction_choices(_l("None"))
    form.contractor.choices = contractor_choices(_l("None"))
    form.union_ids.choices = _union_choices()


def _scope_form(user: User, from_account: bool = False) -> ScopeForm:
    """The scope form, filled from the account unless the user just submitted it."""
    if request.method == "POST" and not from_account:
        form = ScopeForm()
        _prepare(form)
        return form
    form = ScopeForm(formdata=None, display_name=user.display_name, can_reveal_id=user.can_reveal_id)
    _prepare(form)
    form.jurisdiction.data = user.jurisdiction.code if user.jurisdiction else ""
    form.contractor.data = str(user.contractor_id or "")
    form.union_ids.data = [u.id for u in user.unions]
    return form


def _scope(form: ScopeForm) -> dict:
    session = get_session()
    unions = session.scalars(sa.select(Union).where(Union.id.in_(form.union_ids.data or []))).all()
    contractor_id = int_or_none(form.contractor.data)
    return {
        "display_name": form.display_name.data,
        "jurisdiction": jurisdictions.by_code(session, form.jurisdiction.data),
        "contractor": session.get(Contractor, contractor_id) if contractor_id else None,
        "unions": list(unions),
        "can_reveal_id": form.can_reveal_id.data,
    }


@bp.get("/users")
def users():
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    query = sa.select(User).options(so.selectinload(User.jurisdiction)).order_by(User.is_active.desc(), User.username)
    if q:
        query = query.where(sa.or_(User.username.contains(q), User.display_name.contains(q)))
    if role in labels.ROLES:
        query = query.where(User.role == role)
    return render_template("admin/users.html", page=paginate(query), q=q, role=role, active_form=ActiveForm())


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = UserForm()
    _prepare(form)
    if form.validate_on_submit():
        scope = _scope(form)
        try:
            user = user_service.create_user(
                get_session(),
                current_user,
                username=form.username.data,
                password=form.password.data,
                role=form.role.data,
                **scope,
            )
        except DomainError as exc:
            apply_errors(form, exc, {"unions": "union_ids"})
        else:
            flash_done(
                _(
                    "The account %(username)s (%(role)s) is created.",
                    username=user.username,
                    role=labels.ROLES[user.role],
                )
            )
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = get_or_404(User, user_id)
    form = _scope_form(user)
    if form.validate_on_submit():
        try:
            accounts.update_scope(get_session(), current_user, user, **_scope(form))
        except DomainError as exc:
            apply_errors(form, exc, {"unions": "union_ids"})
        else:
            flash_done(_("The account %(username)s is saved.", username=user.username))
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user, password_form=ResetPasswordForm())


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int):
    user = get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(get_session(), current_user, user, form.password.data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash_done(
                _("The password of %(username)s is changed. Tell them the new one in person.", username=user.username)
            )
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template(
        "admin/user_form.html", form=_scope_form(user, from_account=True), user=user, password_form=form
    ), 400


@bp.post("/users/<int:user_id>/active")
def set_active(user_id: int):
    user = get_or_404(User, user_id)
    form = ActiveForm()
    if form.validate_on_submit():
        active = request.form.get("active") == "1"
        try:
            accounts.set_active(get_session(), current_user, user, active)
        except DomainError as exc:
            refuse(exc)
        else:
            if active:
                flash_done(_("The account %(username)s is enabled again.", username=user.username))
            else:
                flash_done(_("The account %(username)s is disabled: it can no longer sign in.", username=user.username))
    return redirect(url_for("admin.users"))
