"""Login, own account and password forms."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from school.forms import SchoolForm

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def strip(value):
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
    email = StringField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)], filters=[strip])
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
