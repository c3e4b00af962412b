"""The base of every form: text is stored as it was accepted, in NFC.

Each text field (StringField and its kinds: TextAreaField, EmailField, ...)
gets one filter before its own: Unicode NFC, so "Zoë" typed with a combining
accent and "Zoë" typed precomposed are the same name. Validation then refuses
text that no database can keep faithfully - NUL and the other control
characters (tab and line breaks are fine) - with a message in the user's
language, instead of failing at the database (PostgreSQL rejects NUL).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations
from wtforms import Form
from wtforms.fields import Field, FieldList, FormField, HiddenField, IntegerField, StringField
from wtforms.meta import DefaultMeta
from wtforms.validators import DataRequired, InputRequired, NumberRange, Regexp
from wtforms.widgets import DateInput

from school import schoolyear
from school.ids import parse_id
from school.web import database_busy

# What a form's submission token may look like: what new_token() makes, and what the
# database column (64 characters) can keep. \Z: "$" would let a trailing line break through.
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{16,64}\Z"


def new_token() -> str:
    """A fresh submission token: one per rendered form, so a resend saves once."""
    return secrets.token_urlsafe(24)


def token_missing_message() -> str:
    return _("This form arrived without its submission code, so nothing was saved. Check it and save again.")


class TokenRequired:
    """A form that saves a new row once per submission token: a POST without its token (or with a
    malformed one) is refused, so a resend of it cannot save twice. The token is a hidden field, so
    the message goes where the user sees it (the field named by `token_error_field`), and the form
    shown again carries a fresh token to send once the user has checked it.

    A form built on one of these that changes a saved row instead (its `version` guards a resend)
    opts out with `submission_token = None`, or a HiddenField without validators."""

    submission_token = HiddenField(validators=[DataRequired(), Regexp(TOKEN_PATTERN)])
    token_error_field = "form_id"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        token = self._fields.get("submission_token")
        if token is not None and not token.data and not self.is_submitted():
            token.data = new_token()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        token = self._fields.get("submission_token")
        if token is not None and token.errors:
            shown = self[self.token_error_field]
            shown.errors = [*shown.errors, token_missing_message()]
            token.data = new_token()
        return valid

UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
UNSTORABLE_MESSAGE = _l("This text contains an invisible control character that cannot be saved. "
                        "Remove it (retyping the text helps) and try again.")


ID_MESSAGE = _l("This refers to a record that does not exist. Reload the page and try again.")


# --- ids sent back by a form ------------------------------------------------------


class IdField(HiddenField):
    """A row id a form sends back (a hidden input): ASCII digits within what an id
    column holds (school.ids), or blank (None).

    Anything else is refused with a message in the user's language (the form
    answers 422) and never reaches the database. With `invalid_as_blank=True` an
    id that cannot be one is taken as no id at all (for the rows of the family
    form, where a row without an id is a new row, typed anew).
    """

    def __init__(self, label=None, validators=None, *, invalid_as_blank: bool = False,
                 message=ID_MESSAGE, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid_as_blank = invalid_as_blank
        self.message = message

    def _value(self) -> str:
        if self.data is not None:
            return str(self.data)
        # A refused id is shown back as sent; one taken as blank is blank.
        return self.raw_data[0] if self.raw_data and not self.invalid_as_blank else ""

    def process_formdata(self, valuelist):
        text = valuelist[0] if valuelist else ""
        self.data = parse_id(text)
        if self.data is None and text.strip() and not self.invalid_as_blank:
            raise ValueError(str(self.message))


# --- dates as people type them ---------------------------------------------------

_DAY_FORMATS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})$"),
)


def parse_day(text: str) -> dt.date | None:
    """An ISO date (what date inputs send) or a typed dd/mm/yyyy; None if it is no real date."""
    for pattern in _DAY_FORMATS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                return None
    return None


class DayField(Field):
    """A date input that keeps what the user typed when it is not a real date.

    31/04 or 29/02 of a year that is not a leap year gets a message that says so
    and shows how to type a date, where WTForms' DateField only says "invalid".
    """

    widget = DateInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if self.data else ""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not text:
            return
        self.data = parse_day(text)
        if self.data is None:
            example = format_date(schoolyear.today(), "short")
            raise ValueError(
                _("That is not a date that exists. Enter a date like %(example)s.", example=example)
            )


def search_text(value: str | None, limit: int = 100) -> str:
    """Typed letters to look for (a GET parameter, not a form): NFC, without the characters
    no stored name can hold (a NUL would make PostgreSQL fail), at most `limit` long."""
    return UNSTORABLE.sub("", to_nfc(value or ""))[:limit].strip()


def to_nfc(value):
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def _bind_text_field(meta, form, unbound_field, options):
    if issubclass(unbound_field.field_class, StringField):
        # Options override the field's own keyword arguments when it is bound.
        own = options.get("filters", unbound_field.kwargs.get("filters", ()))
        options["filters"] = (to_nfc, *own)
    return DefaultMeta.bind_field(meta, form, unbound_field, options)


def text_fields(form):
    """Every text field of a form, its sub-forms and lists included."""
    for field in form:
        if isinstance(field, FormField):
            yield from text_fields(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    yield from text_fields(entry.form)
                elif isinstance(entry, StringField):
                    yield entry
        elif isinstance(field, StringField):
            yield field


def refuse_unstorable(form) -> bool:
    """Add the message to each text field holding unstorable characters; True when none does."""
    ok = True
    for field in text_fields(form):
        if isinstance(field.data, str) and UNSTORABLE.search(field.data):
            field.errors = [*field.errors, UNSTORABLE_MESSAGE]
            ok = False
    return ok


class SchoolForm(FlaskForm):
    """A Flask-WTF form (CSRF included) with NFC text and no unstorable characters."""

    class Meta(FlaskForm.Meta):
        bind_field = _bind_text_field

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators=extra_validators)
        valid = refuse_unstorable(self) and valid
        # The database was busy: the view shows this form again, with what was
        # typed and any real errors, instead of saving (school.web).
        return valid and not database_busy()


class SchoolSubForm(Form):
    """The same for a form nested in another (FormField, FieldList of FormField),
    with WTForms' own messages in the user's language as in a FlaskForm."""

    class Meta(DefaultMeta):
        bind_field = _bind_text_field

        def get_translations(self, form):
            return translations


def whole_numbers(limits: Mapping[str, tuple[int, int]]) -> Callable[[type[Form]], type[Form]]:
    """A class decorator: one required whole-number field per name, from low to high.

    For the forms of `school.settings.WholeNumbers` settings (the signals'
    thresholds, the school's goals); their labels and reasons are in the
    template (templates/_settings_form.html), so a field is named, not labelled.
    """

    def add_fields(form_class: type[Form]) -> type[Form]:
        for name, (low, high) in limits.items():
            setattr(form_class, name, IntegerField(
                name,
                validators=[
                    InputRequired(message=_l("Fill in a number.")),
                    NumberRange(min=low, max=high, message=_l("Use a number from %(min)s to %(max)s.")),
                ],
                render_kw={"inputmode": "numeric", "min": low, "max": high},
            ))
        return form_class

    return add_fields
