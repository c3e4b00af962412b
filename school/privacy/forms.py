"""Forms of the privacy pages: erasure, consent, and the audit trail's filter."""

from __future__ import annotations

import datetime as dt

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from school.forms import DayField, SchoolForm

ERASURE_REASON_LABELS = {
    "request": _l("The parents asked for it (right to erasure)"),
    "left_school": _l("The family has left the school"),
}


class EraseForm(SchoolForm):
    reason = RadioField(
        _l("Why"), choices=list(ERASURE_REASON_LABELS.items()), default="request",
        validators=[DataRequired()],
    )
    confirm = BooleanField(
        _l("Yes, erase this family and everything about them. This cannot be undone."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )


class ConsentForm(SchoolForm):
    """Only the CSRF token: the button pressed says what to record."""


class AuditFilterForm(SchoolForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    family = StringField(_l("Family (name or reference)"), validators=[Optional(), Length(max=100)])
    user = SelectField(_l("Who"), coerce=lambda v: int(v) if v else None, validators=[Optional()])
    action = SelectField(_l("What"), validators=[Optional()])
    date_from = DayField(_l("From"), validators=[Optional()])
    date_to = DayField(_l("Until"), validators=[Optional()])

    def __init__(self, *args, user_choices=(), action_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user.choices = [("", _l("everybody"))] + list(user_choices)
        self.action.choices = [("", _l("every action"))] + list(action_choices)

    def validate_date_from(self, field):
        _within_reason(field)

    def validate_date_to(self, field):
        _within_reason(field)
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date comes before the start date."))


FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def _within_reason(field) -> None:
    """Year 1 or 9999 exists, but not as a day of the audit trail (and cannot be turned into UTC)."""
    if field.data and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(_("Choose a date between %(start)s and %(end)s.",
                                start=format_date(FIRST_DAY, "short"), end=format_date(LAST_DAY, "short")))
