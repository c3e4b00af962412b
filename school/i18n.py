"""Languages: the user's own choice, then the browser's, then Dutch."""

from __future__ import annotations

import datetime as dt

from babel import Locale, UnknownLocaleError
from flask import Flask, current_app, request, session
from flask_babel import format_date, format_decimal, format_percent, get_locale, get_translations
from flask_login import current_user

from school.extensions import babel

LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "en": "English"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config[
        "BABEL_DEFAULT_LOCALE"
    ]


def language_name(code: str | None) -> str:
    """A language for contact, named in the interface language (Babel's CLDR data)."""
    if not code:
        return ""
    try:
        return Locale.parse(code).get_display_name(str(get_locale())) or code
    except (ValueError, UnknownLocaleError):
        return code


_PERCENTS: dict[tuple[str, float], str] = {}


def percent(share: float | None) -> str:
    """A share out of 100 as the interface language writes it: 90% in Dutch, 90 % in French.

    Remembered per language (a dashboard writes thousands; Babel takes a while for each).
    """
    if share is None:
        return ""
    key = (str(get_locale()), share)
    written = _PERCENTS.get(key)
    if written is None:
        if len(_PERCENTS) > 10_000:
            _PERCENTS.clear()
        written = _PERCENTS[key] = format_percent(share / 100)
    return written


_NUMBERS: dict[tuple[str, int], str] = {}


def num(value: object) -> str:
    """A count as the interface language writes it: 3.024 in Dutch, 3,024 in English, 3 024 in French.

    Below 1000 every language writes the digits alone (no Babel call: a dashboard writes many).
    """
    if value is None or value == "":
        return ""
    if isinstance(value, int) and -1000 < value < 1000:
        return str(value)
    key = (str(get_locale()), value)
    written = _NUMBERS.get(key)
    if written is None:
        if len(_NUMBERS) > 10_000:
            _NUMBERS.clear()
        written = _NUMBERS[key] = format_decimal(value)
    return written


def _ngettext(singular: str, plural: str, num: int) -> str:
    """Templates' ngettext: the count written the locale's way (3.024 in Dutch, 3 024 in French)."""
    text = get_translations().ungettext(singular, plural, num)
    if isinstance(num, int) and abs(num) >= 1000:
        written = format_decimal(num)
        text = text.replace("%(num)d", written).replace("%(num)s", written)
    return text


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: get_translations().ugettext(s), ngettext=_ngettext, newstyle=True,
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
    )

    @app.template_filter("day")
    def day_filter(value: dt.date | None, fmt: str = "medium") -> str:
        return format_date(value, fmt) if value else ""

    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["num"] = num
    app.jinja_env.globals.update(
        language_name=language_name, LANGUAGE_NAMES=LANGUAGE_NAMES, get_locale=get_locale
    )
