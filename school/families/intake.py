"""The choices of the intake conversation, as stable codes with translated labels.

Other parts of the app (the family page) show a household's preferred
channels and times with `channel_label()` / `time_label()`.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from school.i18n import language_name

# How the family would like to hear from the school (Household.preferred_channels).
CHANNELS = {
    "gate": _l("A word at the school gate"),
    "phone_call": _l("Phone call"),
    "text_message": _l("Text message"),
    "chat_app": _l("WhatsApp or Signal"),
    "email": _l("E-mail"),
    "platform": _l("The digital platform"),
    "diary": _l("School diary or home-school notebook"),
    "letter": _l("Letter on paper"),
    "appointment": _l("A conversation by appointment"),
}

# When it suits them (Household.preferred_times).
TIMES = {
    "morning_gate": _l("Mornings at the gate"),
    "afternoon_gate": _l("After school at the gate"),
    "daytime": _l("During the day"),
    "evening": _l("In the evening"),
    "wednesday_afternoon": _l("Wednesday afternoon"),
    "weekend": _l("At the weekend"),
}

# Languages for contact offered in the lists (ISO 639-1); names come from CLDR
# in the interface language. The order is the order of the list.
LANGUAGES = (
    "nl",
    "fr",
    "en",
    "de",
    "ar",
    "tr",
    "pl",
    "ro",
    "bg",
    "ru",
    "uk",
    "es",
    "it",
    "pt",
    "sq",
    "so",
    "ti",
    "am",
    "ps",
    "fa",
    "ku",
    "ur",
    "hi",
    "zh",
    "vi",
    "sk",
    "cs",
    "hu",
    "sr",
    "bs",
    "rif",
    "zgh",
)

# A rhythm of contact in days, for the agreement (ContactAgreement.every_days).
RHYTHMS = {
    7: _l("every week"),
    14: _l("every two weeks"),
    30: _l("every month"),
    61: _l("every two months"),
    91: _l("every term"),
}


def channel_label(code: str) -> str:
    label = CHANNELS.get(code)
    return str(label) if label is not None else code


def time_label(code: str) -> str:
    label = TIMES.get(code)
    return str(label) if label is not None else code


def rhythm_label(days: int | None) -> str:
    if days is None:
        return ""
    label = RHYTHMS.get(days)
    if label is not None:
        return str(label)
    return _("every %(days)d days", days=days)


def language_choices(empty_label) -> list[tuple[str, str]]:
    named = sorted(
        ((code, language_name(code) or code) for code in LANGUAGES[3:]), key=lambda c: c[1].lower()
    )
    first = [(code, language_name(code) or code) for code in LANGUAGES[:3]]
    return [("", str(empty_label))] + first + named
