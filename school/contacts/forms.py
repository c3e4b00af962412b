"""Forms for logging contact moments, group contacts and editing the catalogue.

Radio choices are plain strings (the value sent by the browser); the views turn
them into model values with the `cleaned_*` helpers. Choices that depend on the
family (its caregivers and children) or on the user (their classes) are passed
in by the view, so a value outside them is refused with a clear message.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from school import schoolyear
from school.catalogue import ContactLevel
from school.contacts.models import Initiative, Mediator, Reach, Tone
from school.forms import DayField, SchoolForm, TokenRequired
from school.grid import QUADRANTS

NOTE_MAX = 1000
AUTO = ""  # the reach that follows from the form (oral: conversation, written: message)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _blank_to_none(value):
    value = _strip(value)
    return value or None


# --- the date of a contact ----------------------------------------------------

class ContactDay:
    """Today or earlier, and inside the current school year (an unchanged old date may stay)."""

    def __init__(self, keep: dt.date | None = None):
        self.keep = keep

    def __call__(self, form, field):
        if field.process_errors:
            return  # the "not a date" message says it already
        day = field.data
        if day is None:
            raise ValidationError(_("Enter the date of the contact."))
        if self.keep is not None and day == self.keep:
            return
        today = schoolyear.today()
        if day > today:
            raise ValidationError(_("That date lies in the future: log a contact once it has happened."))
        span = schoolyear.span_for(today)
        if day not in span:
            raise ValidationError(
                _(
                    "Only dates in this school year can be logged (%(start)s to %(end)s).",
                    start=format_date(span.start, "short"),
                    end=format_date(today, "short"),
                )
            )


def date_bounds() -> dict[str, str]:
    """min/max for the date input: this school year, up to today."""
    today = schoolyear.today()
    return {"min": schoolyear.span_for(today).start.isoformat(), "max": today.isoformat()}


# --- choices -------------------------------------------------------------------


class OneOfChoices:
    """The value must be one of the field's choices (with our own, translated message)."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        values = {str(value) for value, *_rest in field.choices}
        data = field.data
        if isinstance(data, list):
            bad = [d for d in data if str(d) not in values]
        else:
            bad = [] if str(data if data is not None else "") in values else [data]
        if bad:
            raise ValidationError(str(self.message))


def _radio(label, message, **kwargs) -> RadioField:
    return RadioField(label, validate_choice=False, validators=[OneOfChoices(message)], **kwargs)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def enum_choices(enum_cls) -> list[tuple[str, str]]:
    return [(member.value, member.label) for member in enum_cls]


# --- one moment (one family, or several at once) -------------------------------


class MomentFields(TokenRequired, SchoolForm):
    """What every contact moment records; the fact-only entry needs only the form."""

    form_id = _radio(_l("How were you in contact?"), _l("Choose how you were in contact."))
    occurred_on = DayField(_l("Date"))
    tone = _radio(_l("Tone"), _l("Choose a tone."), default=Tone.NEUTRAL.value)
    reach = _radio(_l("Did it reach the family?"), _l("Choose whether it reached the family."), default=AUTO)
    initiative = _radio(
        _l("Who took the initiative?"), _l("Choose who took the initiative."), default=Initiative.SCHOOL.value
    )
    mediator = _radio(_l("Who helped?"), _l("Choose who helped."), default=Mediator.NONE.value)
    note = TextAreaField(
        _l("Short note (optional)"), validators=[Length(max=NOTE_MAX)], filters=[_blank_to_none]
    )
    confidential = BooleanField(_l("Confidential note (only you, care staff and the director can read it)"))

    def __init__(self, *args, form_choices=(), keep_day: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.form_id.choices = [(str(f.id), f.label) for f in form_choices]
        self.tone.choices = enum_choices(Tone)
        self.reach.choices = [(AUTO, _l("as usual for this form"))] + enum_choices(Reach)
        self.initiative.choices = enum_choices(Initiative)
        self.mediator.choices = enum_choices(Mediator)
        self.occurred_on.validators = [ContactDay(keep=keep_day)]
        if self.occurred_on.data is None and not self.occurred_on.raw_data:
            self.occurred_on.data = schoolyear.today()

    # Model values, once validated.
    def cleaned(self) -> dict:
        return {
            "form_id": int(self.form_id.data),
            "occurred_on": self.occurred_on.data,
            "tone": Tone(self.tone.data),
            "reach": Reach(self.reach.data) if self.reach.data else None,
            "initiative": Initiative(self.initiative.data),
            "mediator": Mediator(self.mediator.data),
            "note": self.note.data,
            "confidential": bool(self.confidential.data) and bool(self.note.data),
        }


class MomentForm(MomentFields):
    """One family: also which adult and which child it was about."""

    caregiver_id = _radio(
        _l("Who did you speak to?"), _l("Choose one of this family's caregivers."), default=""
    )
    pupil_id = _radio(_l("About which child?"), _l("Choose one of this family's children."), default="")

    def __init__(self, *args, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        caregivers = household.caregivers if household is not None else []
        pupils = [p for p in household.pupils if p.left_on is None] if household is not None else []
        self.caregiver_id.choices = [("", _l("not noted"))] + [
            (str(c.id), f"{c.full_name} ({c.kinship.label})") for c in caregivers
        ]
        self.pupil_id.choices = [("", _l("not about one child"))] + [
            (str(p.id), p.first_name) for p in pupils
        ]

    def cleaned(self) -> dict:
        data = super().cleaned()
        data["caregiver_id"] = int(self.caregiver_id.data) if self.caregiver_id.data else None
        data["pupil_id"] = int(self.pupil_id.data) if self.pupil_id.data else None
        return data


class EditMomentForm(MomentForm):
    version = HiddenField()
    submission_token = HiddenField()  # edits change a saved moment; no new token


class SeveralForm(MomentFields):
    """Several families at once: one submission, one moment per family."""

    household_ids = MultiCheckboxField(_l("Families"), coerce=int, validate_choice=False)

    def __init__(self, *args, household_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.household_ids.choices = list(household_choices)
        self.household_ids.validators = [OneOfChoices(_l("Choose families from the list."))]

    def validate_household_ids(self, field):
        if not field.data:
            raise ValidationError(_("Tick at least one family."))


# --- group contacts -------------------------------------------------------------

WHOLE_SCHOOL = "school"


class GroupFields(TokenRequired, SchoolForm):
    form_id = _radio(_l("What was it?"), _l("Choose what kind of contact it was."))
    audience = SelectField(_l("For"), validate_choice=False)
    occurred_on = DayField(_l("Date"))
    title = StringField(_l("Title (optional)"), validators=[Length(max=160)], filters=[_blank_to_none])
    note = TextAreaField(_l("Note (optional)"), validators=[Length(max=NOTE_MAX)], filters=[_blank_to_none])

    def __init__(self, *args, form_choices=(), audience_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.form_id.choices = [(str(f.id), f.label) for f in form_choices]
        self.audience.choices = list(audience_choices)
        self.audience.validators = [OneOfChoices(_l("Choose one of your classes."))]
        self.occurred_on.validators = [ContactDay()]
        if self.occurred_on.data is None and not self.occurred_on.raw_data:
            self.occurred_on.data = schoolyear.today()

    @property
    def class_id(self) -> int | None:
        value = self.audience.data
        return None if value in (None, "", WHOLE_SCHOOL) else int(value)


class ActivityForm(GroupFields):
    """An activity (infoavond, klasvergadering, oudercafé...) with attendance."""

    came = MultiCheckboxField(_l("Families who came"), coerce=int, validate_choice=False)
    record_absent = BooleanField(_l("Record the invited families who did not come as 'did not reach them'"))

    def __init__(self, *args, household_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.came.choices = list(household_choices)
        self.came.validators = [OneOfChoices(_l("Choose families from the list."))]


class BroadcastForm(GroupFields):
    """A newsletter, a class group post, a letter to every family: logged once."""


# --- the catalogue ----------------------------------------------------------------


class CatalogueForm(SchoolForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)], filters=[_strip])
    quadrant = SelectField(_l("Quadrant of the grid"), validate_choice=False)
    level = SelectField(_l("Level"), validate_choice=False)
    is_broadcast = BooleanField(_l("Broadcast (newsletter, group post): never counts as reaching a family"))
    active = BooleanField(_l("Active (offered when logging)"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.quadrant.choices = [(q.value, q.label) for q in QUADRANTS]
        self.level.choices = enum_choices(ContactLevel)
        self.quadrant.validators = [OneOfChoices(_l("Choose a quadrant."))]
        self.level.validators = [OneOfChoices(_l("Choose a level."))]


class NewCatalogueForm(TokenRequired, CatalogueForm):
    """A form added to the catalogue: once per submission token (an edit changes a saved one)."""

    token_error_field = "name"
