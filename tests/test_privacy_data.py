"""Data we do not keep (DOMAIN.md): no column, no form field, no input for it; and the words."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from wtforms.fields.core import UnboundField

import school

ROOT = Path(__file__).resolve().parent.parent

# Nationality, religion, ethnicity, health or diagnoses, debts or unpaid bills, flight
# history, judgements about parenting, a "home language" label: in English, Dutch and French.
NOT_KEPT = re.compile(
    r"nationalit|citizenship|religio|faith|godsdienst|geloof|confession|ethnic|etnic|ethni|afkomst|herkomst"
    r"|origine|race\b|health|medical|gezondheid|medisch|santé|médical|diagnos|disabilit|handicap|debt|schuld"
    r"|dette|unpaid|onbetaald|impayé|bill\b|invoice|factu|refugee|vlucht|réfugié|asylum|asiel|asile"
    r"|parenting|opvoedingsstijl|parentalit|judg(e)?ment|oordeel|jugement|home.?language|thuistaal"
    r"|mother.?tongue|moedertaal|langue maternelle",
    re.I,
)


def _models_columns():
    import school.models  # noqa: F401 - every table
    from school.extensions import db

    for table in db.metadata.sorted_tables:
        for column in table.columns:
            yield f"{table.name}.{column.name}"


def test_no_column_for_what_we_do_not_keep():
    assert [c for c in _models_columns() if NOT_KEPT.search(c)] == []


def _form_classes():
    """Every form of the app, the sub-forms of repeated rows (caregivers, children) included."""
    from wtforms import Form

    for info in pkgutil.walk_packages(school.__path__, "school."):
        if info.name.endswith(".forms"):
            module = importlib.import_module(info.name)
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, Form)
                    and value.__module__ == module.__name__
                ):
                    yield value


def _fields(form_class):
    for klass in form_class.__mro__:
        for name, value in vars(klass).items():
            if isinstance(value, UnboundField):
                yield name, value.kwargs.get("label", value.args[0] if value.args else "")


@pytest.mark.parametrize("locale", ["en", "nl", "fr"])
def test_no_form_offers_a_field_for_what_we_do_not_keep(app, locale):
    forms = list(_form_classes())
    assert len(forms) >= 10
    problems = []
    with app.test_request_context(headers={"Accept-Language": locale}):
        for form_class in forms:
            for name, label in _fields(form_class):
                text = f"{name} {label}"
                if NOT_KEPT.search(text):
                    problems.append(f"{form_class.__name__}.{name}: {label}")
    assert problems == []


def test_no_template_input_for_what_we_do_not_keep():
    problems = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for name in re.findall(r'\bname="([^"{]+)"', path.read_text(encoding="utf-8")):
            if NOT_KEPT.search(name):
                problems.append(f"{path.name}: {name}")
    assert problems == []


# DOMAIN.md: flags describe the school's contact, never the family; "or similar".
# tests/test_translations.py checks the words it names; these are the similar ones.
SIMILAR_WORDS = (
    "probleemouder",
    "moeilijke ouders",
    "moeilijke gezinnen",
    "zwakke ouders",
    "onverschillige ouders",
    "ongeïnteresseerde ouders",
    "asociale",
    "kansarme gezinnen",
    "achtergestelde gezinnen",
    "difficult parents",
    "difficult families",
    "problem parents",
    "indifferent parents",
    "deprived families",
    "parents démissionnaires",
    "parents difficiles",
    "familles difficiles",
    "parents indifférents",
    "thuistaal",
    "home language",
    "langue maternelle",
    "moedertaal",
)


def test_no_similar_words_in_templates_or_translations():
    texts = list((ROOT / "templates").rglob("*.html")) + list((ROOT / "translations").rglob("*.po"))
    hits = []
    for path in texts:
        body = path.read_text(encoding="utf-8").lower()
        hits += [f"{path.relative_to(ROOT)}: {word}" for word in SIMILAR_WORDS if word in body]
    assert hits == []
