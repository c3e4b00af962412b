"""Follow-up and threshold forms."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from school import schoolyear
from school.forms import DayField, SchoolForm, TokenRequired, whole_numbers
from school.ids import parse_id
from school.visibility.models import Approach, FollowUpStatus
from school.visibility.signals import CODES, LIMITS, SIGNAL_TITLES

NOTE_MAX = 2000
# Beside a colleague in the owner list whom choosing would give the family (care and the director).
NOT_SEEING_YET = _l("does not see this family yet")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class DueDate:
    """A due date from today up to a year ahead (a plan, so never in the past)."""

    def __call__(self, form, field):
        if field.data is None:
            return
        today = schoolyear.today()
        if field.data < today:
            raise ValidationError(_l("Choose today or a later day."))
        if field.data > today + dt.timedelta(days=366):
            raise ValidationError(_l("Choose a day within a year from today."))


class FollowUpForm(TokenRequired, SchoolForm):
    token_error_field = "signal_code"
    signal_code = SelectField(_l("Because of"), choices=[], validate_choice=True)
    # A select always sends one of its choices (checked by validate_choice); a
    # `required` flag would ask the browser for a placeholder option it never needs.
    owner = SelectField(_l("Who follows up"), coerce=int, choices=[])
    approach = SelectField(_l("Approach"), choices=[])
    due_on = DayField(
        _l("Due date"), validators=[Optional(), DueDate()],
        render_kw={"autocomplete": "off"},
    )
    note = TextAreaField(
        _l("Plan (optional)"), validators=[Optional(), Length(max=NOTE_MAX)], filters=[_strip],
        render_kw={"rows": 3},
    )

    def __init__(self, *args, owners=(), not_seeing=frozenset(), **kwargs):
        """`owners`: who may be chosen; `not_seeing`: the ids of those among them who do not see the
        family yet (choosing one entrusts it to them, which the option says)."""
        super().__init__(*args, **kwargs)
        self.owner.choices = [
            (u.id, f"{u.name} · {u.role.label}" + (f" · {NOT_SEEING_YET}" if u.id in not_seeing else ""))
            for u in owners
        ]
        self.approach.choices = [(a.value, a.label) for a in Approach]
        self.signal_code.choices = [("", _l("no particular signal"))] + [
            (code, SIGNAL_TITLES[code]) for code in CODES
        ]


STATUS_CHOICES = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS, FollowUpStatus.CLOSED)


class FollowUpEditForm(FollowUpForm):
    submission_token = None  # an edit changes a saved follow-up (its `version` guards it): no token
    status = SelectField(_l("Status"), choices=[])
    closing_reason = TextAreaField(
        _l("Reason for closing"), validators=[Length(max=NOTE_MAX)], filters=[_strip], render_kw={"rows": 2},
    )
    version = HiddenField()

    def __init__(self, *args, current_status: FollowUpStatus | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        statuses = list(STATUS_CHOICES)
        if current_status is FollowUpStatus.DONE:
            statuses.insert(2, FollowUpStatus.DONE)
        self.status.choices = [(s.value, s.label) for s in statuses]
        # A plan for a day that has passed may keep its date while it is edited.
        self.due_on.validators = [Optional()]

    def validate_closing_reason(self, field):
        if self.status.data == FollowUpStatus.CLOSED.value and not field.data:
            raise ValidationError(_l("Say why the follow-up is closed without a contact."))

    def validate_version(self, field):
        if parse_id(field.data) is None:  # a row version: an INTEGER column, as ids are
            raise ValidationError(_l("Reload the page and try again."))


@whole_numbers(LIMITS)
class ThresholdsForm(SchoolForm):
    """One number per threshold; the labels and reasons are in the template."""
