"""Login, logout, own account and language."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from school.access import public, signed_in
from school.accounts import service
from school.accounts.auth import start_session
from school.accounts.forms import LoginForm, PasswordChangeForm
from school.accounts.models import Role
from school.web import render, safe_next

bp = Blueprint("accounts", __name__)

# Each role starts where its work is.
HOME_ENDPOINTS = {
    Role.TEACHER: "contacts.quick_log",
    Role.RECEPTION: "families.index",
    Role.CARE: "visibility.follow_ups",
    Role.DIRECTOR: "dashboard.index",
    Role.ADMIN: "admin.users",
}



@bp.get("/")
@signed_in
def index():
    return redirect(url_for(HOME_ENDPOINTS[current_user.role]))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.index"))
    form = LoginForm()
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        try:
            user = service.authenticate(form.email.data, form.password.data, request.remote_addr)
        except service.Throttled as throttled:
            form.password.errors.append(_(
                "Too many failed attempts from this device or network. Wait %(minutes)d minutes "
                "and try again.", minutes=throttled.minutes,
            ))
            return render("accounts/login.html", form=form, status=429)
        if user is not None:
            # A language chosen on the login page is the user's choice from now on.
            chosen = session.get("locale")
            session.clear()
            if chosen in current_app.config["LANGUAGES"] and chosen != user.locale:
                service.set_locale(user, chosen)
            login_user(user)
            start_session()
            return redirect(safe_next(request.args.get("next")) or url_for("accounts.index"))
        form.password.errors.append(_("That e-mail address and password do not match an active account."))
    return render("accounts/login.html", form=form, status=status)


@bp.post("/logout")
@signed_in
def logout():
    service.logout(current_user._get_current_object())
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account", methods=["GET", "POST"])
@signed_in
def account():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if service.change_password(user, form.current.data, form.new.data):
            login_user(user)  # this session carries on with the new version
            flash(_("Your password is changed. Other sessions have been logged out."), "success")
            return redirect(url_for("accounts.account"))
        form.current.errors.append(_("This is not your current password."))
    status = 422 if form.is_submitted() else 200
    return render("accounts/account.html", form=form, status=status)


@bp.post("/language")
@public
def language():
    code = request.form.get("locale", "")
    if code not in current_app.config["LANGUAGES"]:
        abort(400)
    session["locale"] = code
    if current_user.is_authenticated:
        service.set_locale(current_user._get_current_object(), code)
    return redirect(safe_next(request.form.get("next")) or url_for("accounts.index"))
