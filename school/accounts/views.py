"""Login, logout, own account, language, and the admin's user pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from school.accounts import service
from school.accounts.auth import public, roles_required, signed_in, start_session
from school.accounts.forms import LoginForm, NewUserForm, PasswordChangeForm, PasswordResetForm, UserForm
from school.accounts.models import Role, User
from school.extensions import db
from school.web import render

bp = Blueprint("accounts", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")

# Each role starts where its work is.
HOME_ENDPOINTS = {
    Role.TEACHER: "contacts.quick_log",
    Role.RECEPTION: "families.index",
    Role.CARE: "visibility.follow_ups",
    Role.DIRECTOR: "dashboard.index",
    Role.ADMIN: "admin.users",
}


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host, never '//host'."""
    if not target:
        return None
    # Browsers drop tabs and newlines from URLs: "/\t/host" would become "//host".
    if any(ord(c) < 33 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


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
            user = service.authenticate(form.email.data, form.password.data)
        except service.Throttled as throttled:
            form.password.errors.append(_(
                "Too many attempts with this e-mail address. Wait %(minutes)d minutes and try again, "
                "or ask the administrator for a new password.", minutes=throttled.minutes,
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


# --- admin: accounts, roles and classes -------------------------------------


@admin_bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    return render("accounts/users.html", users=service.list_users())


@admin_bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    form = NewUserForm(class_choices=service.class_choices())
    if form.validate_on_submit():
        try:
            service.create_user(
                name=form.name.data, email=form.email.data, role=Role(form.role.data),
                password=form.password.data, locale=form.locale.data,
                class_ids=form.classes.data, active=form.active.data,
            )
        except service.EmailTaken:
            form.email.errors.append(_("Another account already uses this e-mail address."))
        else:
            flash(_("Account created for %(name)s.", name=form.name.data), "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render("accounts/user_form.html", form=form, user=None, status=status)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@admin_bp.route("/users/<id:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int):
    user = _user_or_404(user_id)
    form = UserForm(obj=user, class_choices=service.class_choices())
    if request.method == "GET":
        form.classes.data = [c.id for c in user.classes]
        form.locale.data = user.locale or ""
        form.role.data = user.role.value
    if form.validate_on_submit():
        if user.id == current_user.id and (not form.active.data or form.role.data != Role.ADMIN.value):
            form.role.errors.append(_("You cannot take away your own administrator access."))
        else:
            try:
                service.update_user(
                    user, name=form.name.data, email=form.email.data, role=Role(form.role.data),
                    locale=form.locale.data, class_ids=form.classes.data, active=form.active.data,
                )
            except service.EmailTaken:
                form.email.errors.append(_("Another account already uses this e-mail address."))
            else:
                flash(_("Changes to %(name)s saved.", name=user.name), "success")
                return redirect(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render(
        "accounts/user_form.html", form=form, user=user, reset_form=PasswordResetForm(), status=status
    )


@admin_bp.post("/users/<id:user_id>/password")
@roles_required(Role.ADMIN)
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    reset_form = PasswordResetForm()
    if reset_form.validate_on_submit():
        service.reset_password(user, reset_form.new.data)
        flash(_("New password set for %(name)s; their other sessions have ended.", name=user.name), "success")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    form = UserForm(obj=user, class_choices=service.class_choices())
    form.classes.data = [c.id for c in user.classes]
    form.role.data = user.role.value
    form.locale.data = user.locale or ""
    return render(
        "accounts/user_form.html", form=form, user=user, reset_form=reset_form, status=422
    )
