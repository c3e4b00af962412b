"""The admin's form for a staff account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from school.accounts.forms import EMAIL_PATTERN, LongEnough, strip
from school.accounts.models import Role
from school.forms import SchoolForm


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(SchoolForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)], filters=[strip])
    email = StringField(
        _l("E-mail address"),
        validators=[
            DataRequired(),
            Length(max=254),
            Regexp(EMAIL_PATTERN, message=_l("Enter an e-mail address like name@school.be.")),
        ],
        filters=[strip],
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
