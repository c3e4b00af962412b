"""The intake / family form (three parts on one page), topics, roster import."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from markupsafe import Markup
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, Select, html_params

from school.families import intake
from school.families.inputs import AgreementInput, CaregiverInput, ChildInput, HouseholdInput
from school.families.models import Kinship
from school.forms import TOKEN_PATTERN, DayField, IdField, SchoolForm, SchoolSubForm, TokenRequired
from school.grid import Mediator
from school.schoolyear import today

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PHONE_PATTERN = r"^[0-9+()./\s-]{6,40}$"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class GroupedSelect(Select):
    """A select with optgroups, where the group named "" holds loose options (the empty choice)."""

    def __call__(self, field, **kwargs):
        if not field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for group, choices in field.iter_groups():
            if group:
                html.append(f"<optgroup {html_params(label=group)}>")
            for value, label, selected, render_kw in choices:
                html.append(self.render_option(value, label, selected, **render_kw))
            if group:
                html.append("</optgroup>")
        html.append("</select>")
        # Safe as WTForms' own widgets are: html_params() and render_option() escape every value.
        return Markup("".join(html))  # nosec


class NotInFuture:
    def __call__(self, form, field):
        if field.data and field.data > today():
            raise ValidationError(_l("A date in the future is not possible here."))


class _Entry(SchoolSubForm):
    """A row of a FieldList."""


# A row's id is sent back by the form; one that cannot be an id makes the row a new one.
class CaregiverEntry(_Entry):
    id = IdField(invalid_as_blank=True)
    first_name = StringField(_l("First name"), [Optional(), Length(max=100)], filters=[_strip])
    last_name = StringField(_l("Last name"), [Optional(), Length(max=100)], filters=[_strip])
    kinship = SelectField(_l("Relationship to the child"), choices=[], default="")
    phone = StringField(
        _l("Phone"),
        [
            Optional(),
            Regexp(PHONE_PATTERN, message=_l("Type a phone number with digits, like 0470 12 34 56.")),
        ],
        filters=[_strip],
    )
    email = StringField(
        _l("E-mail address"),
        [
            Optional(),
            Length(max=254),
            Regexp(EMAIL_PATTERN, message=_l("Enter an e-mail address like name@example.be.")),
        ],
        filters=[_strip],
    )
    contact_language = SelectField(_l("Own language for contact"), choices=[], default="")
    remove = BooleanField(_l("Remove this caregiver"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinship.choices = [("", _l("choose"))] + [(k.value, k.label) for k in Kinship]
        self.contact_language.choices = intake.language_choices(_l("the same as the family"))

    def is_blank(self) -> bool:
        return not any((self.first_name.data, self.last_name.data, self.phone.data, self.email.data))


class ChildEntry(_Entry):
    pupil_id = IdField(invalid_as_blank=True)
    first_name = StringField(_l("First name"), [Optional(), Length(max=100)], filters=[_strip])
    last_name = StringField(_l("Last name"), [Optional(), Length(max=100)], filters=[_strip])
    birth_date = DayField(_l("Date of birth"), [Optional(), NotInFuture()])
    class_id = SelectField(_l("Class"), coerce=_int_or_none, choices=[])
    external_key = StringField(
        _l("Pupil number in the school administration (optional)"),
        [Optional(), Length(max=64)],
        filters=[_strip],
    )
    remove = BooleanField(_l("Does not live in this household"))

    def is_blank(self) -> bool:
        return not any(
            (self.pupil_id.data, self.first_name.data, self.last_name.data, self.external_key.data)
        )


class AgreementEntry(_Entry):
    id = IdField(invalid_as_blank=True)
    form_id = SelectField(_l("Form of contact"), coerce=_int_or_none, choices=[], widget=GroupedSelect())
    every_days = SelectField(_l("How often"), coerce=_int_or_none, choices=[])
    occasion = StringField(
        _l("Or on which occasion"),
        [Optional(), Length(max=160)],
        filters=[_strip],
    )
    remove = BooleanField(_l("Remove this agreement"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.every_days.choices = [("", _l("not a fixed rhythm"))] + [
            (str(days), label) for days, label in intake.RHYTHMS.items()
        ]

    def is_blank(self) -> bool:
        return not any((self.form_id.data, self.every_days.data, self.occasion.data))


TRISTATE = (("yes", _l("yes")), ("no", _l("no")), ("", _l("not known yet")))


class FamilyForm(SchoolForm):
    """Relatie, informatie, administratie, the agreement, contact person and consent."""

    submission_token = HiddenField(validators=[Optional(), Regexp(TOKEN_PATTERN)])
    version = HiddenField()
    duplicates_ack = HiddenField()
    known_pupils_ack = HiddenField()  # the children who are already pupils were shown once

    display_name = StringField(_l("Family name in lists"), [Optional(), Length(max=160)], filters=[_strip])

    # 1. relatie
    about_child = TextAreaField(
        _l("What should the school know about the child?"), [Optional(), Length(max=4000)]
    )
    needs_from_school = TextAreaField(
        _l("What do the parents need from the school?"), [Optional(), Length(max=4000)]
    )
    contact_language = SelectField(_l("Language for contact"), choices=[], default="")
    interpreter_needed = BooleanField(_l("An interpreter is needed"))
    interpreter_language = SelectField(_l("Interpreter for which language"), choices=[], default="")
    written_ok = RadioField(_l("Do written messages work for them?"), choices=TRISTATE, default="")
    digital_ok = RadioField(
        _l("Do digital messages (app, e-mail, platform) work for them?"), choices=TRISTATE, default=""
    )
    preferred_channels = MultiCheckboxField(_l("Preferred ways of contact"), choices=[])
    preferred_times = MultiCheckboxField(_l("Times that suit them"), choices=[])
    contact_note = TextAreaField(_l("Other agreements about contact"), [Optional(), Length(max=2000)])
    help_offer = TextAreaField(_l("What would they like to help with?"), [Optional(), Length(max=2000)])

    # 2. informatie
    info_explained = MultiCheckboxField(_l("What the school explained"), coerce=int, choices=[])

    # 3. administratie
    # max_entries: the rows a new family's form takes; a saved family's form takes its saved rows
    # plus one (rows_for), however many it has (the roster import may give it more).
    caregivers = FieldList(FormField(CaregiverEntry), min_entries=2, max_entries=8)
    children = FieldList(FormField(ChildEntry), min_entries=1, max_entries=10)
    pupil_query = StringField(
        _l("Find a child who is already at our school"), [Optional(), Length(max=100)], filters=[_strip]
    )

    # the agreement, the contact person, consent
    agreements = FieldList(FormField(AgreementEntry), min_entries=1, max_entries=10)
    contact_person_id = SelectField(_l("Fixed contact person"), coerce=_int_or_none, choices=[])
    consent_external = BooleanField(
        _l("The parents agree that the school shares with external partners (CLB, brugfiguur organisation)")
    )
    intake_mediator = SelectField(_l("Who helped during this conversation"), choices=[], default="none")

    def __init__(
        self, *args, household=None, class_choices=(), form_choices=(), person_choices=(), topic_choices=(),
        **kwargs,
    ):
        # Before super().__init__: it processes the posted rows, up to each list's max_entries.
        self._saved_rows = saved_rows(household)
        super().__init__(*args, **kwargs)
        self._class_choices = [("", _l("choose a class"))] + list(class_choices)
        self._form_choices = form_choices or [("", _l("choose a form of contact"))]
        self.contact_language.choices = intake.language_choices(_l("not recorded"))
        self.interpreter_language.choices = intake.language_choices(_l("choose a language"))
        self.preferred_channels.choices = [(code, label) for code, label in intake.CHANNELS.items()]
        self.preferred_times.choices = [(code, label) for code, label in intake.TIMES.items()]
        self.info_explained.choices = list(topic_choices)
        self.contact_person_id.choices = [("", _l("the class teacher of the youngest child"))] + list(
            person_choices
        )
        self.intake_mediator.choices = [(m.value, m.label) for m in Mediator]
        self.apply_entry_choices()

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        """Each list takes the household's saved rows and one more (a new family: its default)."""
        for name, saved in self._saved_rows.items():
            self[name].max_entries = max(self[name].max_entries or 0, saved + 1)
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)

    def apply_entry_choices(self) -> None:
        """Entries are built by FieldList; give each the choices of this request."""
        for entry in self.children:
            entry.form.class_id.choices = self._class_choices
        for entry in self.agreements:
            entry.form.form_id.choices = self._form_choices

    # --- checks the field validators cannot make -----------------------------

    def check(self, finishing: bool) -> bool:
        """Whole-form rules; `finishing` asks for a complete intake. Adds errors in place."""
        ok = True

        def fail(field, message):
            nonlocal ok
            field.errors = list(field.errors) + [message]
            ok = False

        caregivers = [e.form for e in self.caregivers if not e.form.is_blank() and not e.form.remove.data]
        children = [e.form for e in self.children if not e.form.is_blank() and not e.form.remove.data]
        for entry in caregivers:
            if not entry.first_name.data:
                fail(entry.first_name, _("Type the caregiver's first name."))
            if not entry.kinship.data:
                fail(entry.kinship, _("Choose how this person is related to the child."))
        for entry in children:
            if entry.pupil_id.data or entry.external_key.data:
                continue
            if not entry.first_name.data:
                fail(entry.first_name, _("Type the child's first name."))
            if not entry.last_name.data:
                fail(entry.last_name, _("Type the child's last name."))
            if finishing and entry.class_id.data is None:
                fail(entry.class_id, _("Choose the child's class."))
        if not (self.display_name.data or caregivers or children):
            fail(self.display_name, _("Type at least one name: a caregiver, a child or the family name."))
        if self.interpreter_needed.data and not self.interpreter_language.data:
            fail(self.interpreter_language, _("Choose the language the interpreter should speak."))
        for entry in (e.form for e in self.agreements if not e.form.is_blank() and not e.form.remove.data):
            if entry.form_id.data is None:
                fail(entry.form_id, _("Choose a form of contact from the list."))
            if finishing and entry.every_days.data is None and not entry.occasion.data:
                fail(entry.occasion, _("Say how often, or on which occasion."))
        if finishing:
            if not caregivers:
                fail(self.caregivers[0].form.first_name, _("An intake needs at least one caregiver."))
            if not children:
                fail(self.children[0].form.first_name, _("An intake needs at least one child."))
        return ok

    def error_count(self) -> int:
        def count(form) -> int:
            total = 0
            for field in form:
                if isinstance(field, FieldList):
                    total += sum(count(entry.form) for entry in field)
                elif isinstance(field, FormField):
                    total += count(field.form)
                else:
                    total += len(field.errors)
            return total

        return count(self)

    ROW_LABELS = {"caregivers": _l("Caregiver %(num)d"), "children": _l("Child %(num)d"),
                  "agreements": _l("Agreement %(num)d")}

    def error_list(self) -> list[tuple[str, str, str]]:
        """(id to jump to, which field, its first message) for every field with an error, in form order."""
        found: list[tuple[str, str, str]] = []
        for field in self:
            if isinstance(field, FieldList):
                for number, entry in enumerate(field, start=1):
                    row = str(self.ROW_LABELS.get(field.name, "%(num)d")) % {"num": number}
                    for sub in entry.form:
                        if sub.errors:
                            found.append((_target(sub), f"{row}: {sub.label.text}", str(sub.errors[0])))
            elif field.errors and not isinstance(field, HiddenField):
                found.append((_target(field), str(field.label.text), str(field.errors[0])))
        return found

    # --- to and from the service's plain data ---------------------------------

    def to_input(self) -> HouseholdInput:
        def tri(value: str | None) -> bool | None:
            return {"yes": True, "no": False}.get(value or "")

        return HouseholdInput(
            display_name=self.display_name.data or "",
            about_child=self.about_child.data or None,
            needs_from_school=self.needs_from_school.data or None,
            contact_language=self.contact_language.data or None,
            interpreter_needed=bool(self.interpreter_needed.data),
            interpreter_language=(self.interpreter_language.data or None)
            if self.interpreter_needed.data
            else None,
            written_ok=tri(self.written_ok.data),
            digital_ok=tri(self.digital_ok.data),
            preferred_channels=list(self.preferred_channels.data or []),
            preferred_times=list(self.preferred_times.data or []),
            contact_note=self.contact_note.data or None,
            help_offer=self.help_offer.data or None,
            info_explained=list(self.info_explained.data or []),
            contact_person_id=self.contact_person_id.data,
            consent_external=bool(self.consent_external.data),
            intake_mediator=Mediator(self.intake_mediator.data or Mediator.NONE.value),
            caregivers=[
                CaregiverInput(
                    id=e.form.id.data,
                    first_name=e.form.first_name.data or "",
                    last_name=e.form.last_name.data or "",
                    kinship=Kinship(e.form.kinship.data or Kinship.OTHER.value),
                    phone=e.form.phone.data or None,
                    email=(e.form.email.data or "").lower() or None,
                    contact_language=e.form.contact_language.data or None,
                    remove=bool(e.form.remove.data),
                )
                for e in self.caregivers
                if not e.form.is_blank() or e.form.id.data
            ],
            children=[
                ChildInput(
                    pupil_id=e.form.pupil_id.data,
                    first_name=e.form.first_name.data or "",
                    last_name=e.form.last_name.data or "",
                    birth_date=e.form.birth_date.data,
                    class_id=e.form.class_id.data,
                    external_key=e.form.external_key.data or None,
                    remove=bool(e.form.remove.data),
                )
                for e in self.children
                if not e.form.is_blank()
            ],
            agreements=[
                AgreementInput(
                    id=e.form.id.data,
                    form_id=e.form.form_id.data,
                    every_days=e.form.every_days.data,
                    occasion=e.form.occasion.data or None,
                    remove=bool(e.form.remove.data),
                )
                for e in self.agreements
                if not e.form.is_blank() or e.form.id.data
            ],
        )

    def fill_from(self, household) -> None:
        """Put a saved household in the form (for editing)."""

        def tri(value: bool | None) -> str:
            return "" if value is None else ("yes" if value else "no")

        self.version.data = str(household.version)
        self.display_name.data = household.display_name
        self.about_child.data = household.about_child or ""
        self.needs_from_school.data = household.needs_from_school or ""
        self.contact_language.data = household.contact_language or ""
        self.interpreter_needed.data = household.interpreter_needed
        self.interpreter_language.data = household.interpreter_language or ""
        self.written_ok.data = tri(household.written_ok)
        self.digital_ok.data = tri(household.digital_ok)
        self.preferred_channels.data = list(household.preferred_channels or [])
        self.preferred_times.data = list(household.preferred_times or [])
        self.contact_note.data = household.contact_note or ""
        self.help_offer.data = household.help_offer or ""
        self.info_explained.data = [int(i) for i in household.info_explained or []]
        self.contact_person_id.data = household.contact_person_id
        self.consent_external.data = household.consent_external
        self.intake_mediator.data = (household.intake_mediator or Mediator.NONE).value
        _fill_list(
            self.caregivers,
            [
                {
                    "id": c.id,
                    "first_name": c.first_name,
                    "last_name": c.last_name,
                    "kinship": c.kinship.value,
                    "phone": c.phone or "",
                    "email": c.email or "",
                    "contact_language": c.contact_language or "",
                }
                for c in household.caregivers
            ],
            spare=1,
        )
        _fill_list(
            self.children,
            [
                {
                    "pupil_id": p.id,
                    "first_name": p.first_name,
                    "last_name": p.last_name,
                    "birth_date": p.birth_date,
                    "class_id": p.school_class_id,
                    "external_key": p.external_key or "",
                }
                for p in household.pupils
            ],
            spare=1,
        )
        _fill_list(
            self.agreements,
            [
                {
                    "id": a.id,
                    "form_id": a.form_id,
                    "every_days": a.every_days,
                    "occasion": a.occasion or "",
                }
                for a in household.agreements
                if a.active
            ],
            spare=1,
        )
        self.apply_entry_choices()


class IntakeForm(TokenRequired, FamilyForm):
    """The family form for a new family: it saves a new household, once per submission token.
    (An edit is guarded by the household's version instead.)"""

    token_error_field = "display_name"


def saved_rows(household) -> dict[str, int]:
    """How many caregivers, children and (active) agreements the family form shows for a saved
    household; none for a new one."""
    if household is None:
        return {}
    return {
        "caregivers": len(household.caregivers),
        "children": len(household.pupils),
        "agreements": sum(1 for a in household.agreements if a.active),
    }


def _target(field) -> str:
    """The element a link to this field jumps to: the field, or the fieldset of a group of choices."""
    return f"{field.id}-group" if isinstance(field, RadioField | SelectMultipleField) else field.id


def _fill_list(field_list: FieldList, rows: list[dict], spare: int) -> None:
    while len(field_list):
        field_list.pop_entry()
    for row in rows:
        entry = field_list.append_entry()
        for name, value in row.items():
            entry.form[name].data = value
    for _spare in range(spare if len(field_list) < field_list.max_entries else 0):
        field_list.append_entry()
    while len(field_list) < field_list.min_entries:
        field_list.append_entry()


def add_entry(form: FamilyForm, field_list: FieldList) -> bool:
    if field_list.max_entries and len(field_list) >= field_list.max_entries:
        return False
    field_list.append_entry()
    form.apply_entry_choices()
    return True


class TopicRow(_Entry):
    id = IdField(invalid_as_blank=True)
    label = StringField(_l("Text"), [Optional(), Length(max=160)], filters=[_strip])
    active = BooleanField(_l("In use"))
    sort_order = IntegerField(_l("Order"), [Optional(), NumberRange(min=0, max=10000)])


class TopicsForm(TokenRequired, SchoolForm):
    """The 'informatie' checklist: rename, switch off, reorder, add (a new item once per submission
    token)."""

    token_error_field = "new_label"

    topics = FieldList(FormField(TopicRow), min_entries=0, max_entries=100)
    new_label = StringField(_l("New item"), [Optional(), Length(max=160)], filters=[_strip])


class RosterUploadForm(SchoolForm):
    file = FileField(_l("Roster file (CSV or Excel)"))


class RosterImportForm(SchoolForm):
    """Only the CSRF token: the mapping's selects are read from the request (one per field)."""
