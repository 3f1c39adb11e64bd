from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, refresh
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm

from projectunion import ratelimit
from projectunion.account import bp
from projectunion.account.forms import PasswordForm, SignInForm, TokenForm
from projectunion.db import get_session
from projectunion.exceptions import DomainError
from projectunion.i18n import _
from projectunion.ratelimit import limiter
from projectunion.services import accounts, sign_ins, users
from projectunion.web import apply_errors, flash_done, safe_next


def _sign_in_limit() -> str:
    """Guessing passwords: a few tries a minute per client address is plenty for a person."""
    return current_app.config.get("SIGN_IN_RATE_LIMIT", "10 per minute; 100 per hour")


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        ratelimit.check_account(form.username.data)
        user = accounts.authenticate(get_session(), form.username.data, form.password.data)
        if user is None:
            form.form_errors.append(_("The user name or the password is not right, or the account is disabled."))
        else:
            ratelimit.account_signed_in(form.username.data)
            login_user(sign_ins.start(get_session(), user, remember=form.remember.data), remember=form.remember.data)
            if user.locale:
                session["locale"] = user.locale
            refresh()
            flash_done(_("Welcome, %(name)s.", name=user.display_name))
            return redirect(safe_next(form.next.data, url_for("main.index")))
    return render_template("account/sign_in.html", form=form)


@bp.post("/sign-out")
@login_required
def sign_out():
    sign_ins.end(get_session(), current_user.get_id())
    get_session().commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("account.sign_in"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                get_session(), current_user, current=form.current.data, new=form.new.data, repeat=form.repeat.data
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash_done(_("Your password is changed."))
            return redirect(url_for("account.profile"))
    return render_template("account/profile.html", form=form)


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    """One's API tokens: make one (shown once, on this answer only), see them all, revoke one."""
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            new_token = users.create_token(
                get_session(), current_user, current_user, form.name.data, days=form.days.data
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            form = TokenForm(formdata=None)
    listed = users.tokens_of(get_session(), current_user)
    states = {token.id: users.token_state(token) for token in listed}
    response = current_app.make_response(
        render_template(
            "account/tokens.html", form=form, tokens=listed, states=states, new_token=new_token, revoke=FlaskForm()
        )
    )
    if new_token:
        response.headers["Cache-Control"] = "no-store"  # the clear token must not stay in any cache
    return response


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    form = FlaskForm()
    if form.validate_on_submit():
        token = users.token_by_id(get_session(), current_user, token_id)
        users.revoke_token(get_session(), current_user, token)
        flash_done(_("The token “%(name)s” is revoked: the API refuses it from now on.", name=token.name))
    return redirect(url_for("account.tokens"))


@bp.post("/language")
def language():
    locale = request.form.get("locale", "")
    target = safe_next(request.form.get("next"), url_for("main.index"))
    if locale not in current_app.config["LANGUAGES"]:
        flash(_("Unknown language."), "error")
        return redirect(target)
    if current_user.is_authenticated:
        accounts.set_locale(get_session(), current_user, locale)
    session["locale"] = locale
    with force_locale(locale):
        flash(_("The pages are now shown in this language."), "success")
    return redirect(target)
