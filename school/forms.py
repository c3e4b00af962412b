"""The base of every form: text is stored as it was accepted, in NFC.

Each text field (StringField and its kinds: TextAreaField, EmailField, ...)
gets one filter before its own: Unicode NFC, so "Zoë" typed with a combining
accent and "Zoë" typed precomposed are the same name. Validation then refuses
text that no database can keep faithfully - NUL and the other control
characters (tab and line breaks are fine) - with a message in the user's
language, instead of failing at the database (PostgreSQL rejects NUL).
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form
from wtforms.fields import FieldList, FormField, StringField
from wtforms.meta import DefaultMeta

UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
UNSTORABLE_MESSAGE = _l("This text contains an invisible control character that cannot be saved. "
                        "Remove it (retyping the text helps) and try again.")


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
        return refuse_unstorable(self) and valid


class SchoolSubForm(Form):
    """The same for a form nested in another (FormField, FieldList of FormField),
    with WTForms' own messages in the user's language as in a FlaskForm."""

    class Meta(DefaultMeta):
        bind_field = _bind_text_field

        def get_translations(self, form):
            from flask_wtf.i18n import translations

            return translations
