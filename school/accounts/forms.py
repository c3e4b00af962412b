"""Login, account and user administration forms."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from school.accounts.models import Role
from school.forms import SchoolForm

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class LongEnough:
    """At least PASSWORD_MIN_LENGTH characters; no composition rules."""

    def __call__(self, form, field):
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        if len(field.data or "") < minimum:
            raise ValidationError(
                _l("Use at least %(n)d characters; a sentence you remember works well.", n=minimum)
            )


class LoginForm(SchoolForm):
    email = StringField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)], filters=[_strip])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class PasswordChangeForm(SchoolForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), LongEnough(), Length(max=256)])
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))],
    )


class PasswordResetForm(SchoolForm):
    new = PasswordField(_l("New password"), validators=[DataRequired(), LongEnough(), Length(max=256)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(SchoolForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)], filters=[_strip])
    email = StringField(
        _l("E-mail address"),
        validators=[
            DataRequired(),
            Length(max=254),
            Regexp(EMAIL_PATTERN, message=_l("Enter an e-mail address like name@school.be.")),
        ],
        filters=[_strip],
    )
    role = SelectField(_l("Role"), choices=[])
    classes = MultiCheckboxField(_l("Classes"), coerce=int, choices=[])
    locale = SelectField(_l("Interface language"), choices=[])
    active = BooleanField(_l("Account active"), default=True)

    def __init__(self, *args, class_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [(r.value, r.label) for r in Role]
        self.classes.choices = list(class_choices)
        self.locale.choices = [("", _l("Browser language"))] + [
            (code, name) for code, name in (("nl", "Nederlands"), ("fr", "Français"), ("en", "English"))
        ]


class NewUserForm(UserForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(), LongEnough(), Length(max=256)])
