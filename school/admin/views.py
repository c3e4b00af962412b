"""The admin's pages for staff accounts: roles, classes, activation and passwords.

Above both accounts (the user) and families (the classes a teacher has), so it
composes the two without either importing the other.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from school.access import roles_required
from school.accounts import service as accounts
from school.accounts.forms import PasswordResetForm
from school.accounts.models import Role, User
from school.admin.forms import NewUserForm, UserForm
from school.extensions import db
from school.families.queries import current_classes
from school.web import render

bp = Blueprint("admin", __name__, url_prefix="/admin")


def class_choices() -> list[tuple[int, str]]:
    """This school year's classes, for a teacher's account."""
    return [(c.id, c.name) for c in current_classes()]


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    # A teacher's classes of this school year (her earlier years' classes stay linked, unlisted).
    this_year = {c.id for c in current_classes()}
    return render("admin/users.html", users=accounts.list_users(), this_year=this_year)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    form = NewUserForm(class_choices=class_choices())
    if form.validate_on_submit():
        try:
            accounts.create_user(
                name=form.name.data, email=form.email.data, role=Role(form.role.data),
                password=form.password.data, locale=form.locale.data,
                class_ids=form.classes.data, active=form.active.data,
            )
        except accounts.EmailTaken:
            form.email.errors.append(_("Another account already uses this e-mail address."))
        else:
            flash(_("Account created for %(name)s.", name=form.name.data), "success")
            return redirect(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render("admin/user_form.html", form=form, user=None, status=status)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int):
    user = _user_or_404(user_id)
    form = UserForm(obj=user, class_choices=class_choices())
    if request.method == "GET":
        form.classes.data = [c.id for c in user.classes]
        form.locale.data = user.locale or ""
        form.role.data = user.role.value
    if form.validate_on_submit():
        if user.id == current_user.id and (not form.active.data or form.role.data != Role.ADMIN.value):
            form.role.errors.append(_("You cannot take away your own administrator access."))
        else:
            # The form offers this year's classes: the earlier years' stay as they were.
            offered = {value for value, _label in form.classes.choices}
            earlier = [c.id for c in user.classes if c.id not in offered]
            try:
                accounts.update_user(
                    user, name=form.name.data, email=form.email.data, role=Role(form.role.data),
                    locale=form.locale.data, class_ids=form.classes.data + earlier, active=form.active.data,
                )
            except accounts.EmailTaken:
                form.email.errors.append(_("Another account already uses this e-mail address."))
            else:
                flash(_("Changes to %(name)s saved.", name=user.name), "success")
                return redirect(url_for("admin.users"))
    status = 422 if form.is_submitted() else 200
    return render(
        "admin/user_form.html", form=form, user=user, reset_form=PasswordResetForm(), status=status
    )


@bp.post("/users/<id:user_id>/password")
@roles_required(Role.ADMIN)
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    reset_form = PasswordResetForm()
    if reset_form.validate_on_submit():
        accounts.reset_password(user, reset_form.new.data)
        flash(_("New password set for %(name)s; their other sessions have ended.", name=user.name), "success")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    form = UserForm(obj=user, class_choices=class_choices())
    form.classes.data = [c.id for c in user.classes]
    form.role.data = user.role.value
    form.locale.data = user.locale or ""
    return render(
        "admin/user_form.html", form=form, user=user, reset_form=reset_form, status=422
    )
