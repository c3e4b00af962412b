"""Three complete languages, and none of the words DOMAIN.md rules out."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.factories.wording import FORBIDDEN

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("nl", "fr", "en")


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    # A fuzzy header makes pybabel compile skip the whole catalogue.
    assert not catalog.fuzzy
    untranslated = [
        m.id for m in catalog
        if m.id and (m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    ]
    assert untranslated == []
    assert len(catalog) > 100


def _extracted_messages() -> set[str]:
    from babel.messages.extract import extract_from_dir

    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    method_map = [("school/**.py", "python"), ("templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.fixture(scope="module")
def extracted() -> set[str]:
    return _extracted_messages()


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_matches_the_templates_and_code(extracted, locale):
    """Every catalogue holds every message of the code (run `scripts/translate.sh` after changes)."""
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(f) if m.id}
    assert sorted(extracted - known) == []


def test_the_english_catalogue_is_english():
    """msgids are English, so the English catalogue never keeps Dutch ("contact op maat")."""
    with open(ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    dutch = re.compile(r"\bop maat\b|\bgezin(nen)?\b|\bleerling(en)?\b", re.IGNORECASE)
    texts = [m.string for m in catalog if m.id]
    written = [s for t in texts for s in (t if isinstance(t, tuple) else (t,))]
    assert [s for s in written if dutch.search(s)] == []


# Phrasings that FORBIDDEN must catch.
VARIANTS = (
    "moeilijk bereikbare ouders", "moeilijk te bereiken", "moeilijk-bereikbaar", "onbereikbaar",
    "probleemgezinnen", "hard to reach", "hard-to-reach", "difficult to reach", "problem families",
    "problem family", "familles à problèmes", "famille à problèmes", "difficiles à joindre",
    "difficilement joignable", "difficile à atteindre", "désintérêt",
)


def test_the_forbidden_stems_catch_the_variants():
    assert [v for v in VARIANTS if not any(p.search(v) for p in FORBIDDEN)] == []
    # ... and not the words the interface does use
    for allowed in ("minder zichtbare gezinnen", "less visible families", "familles moins visibles",
                    "niet bereikt", "not reached", "pas atteinte", "bereikbaar via de brugfiguur"):
        assert not any(p.search(allowed) for p in FORBIDDEN), allowed


def _text(path: Path) -> str:
    body = path.read_text(encoding="utf-8")
    if path.suffix in (".po", ".pot"):
        body = re.sub(r'"\s*\n\s*"', "", body)  # a wrapped message is one text
    return body


def test_no_forbidden_words_in_templates_or_translations():
    texts = list((ROOT / "templates").rglob("*.html")) + list((ROOT / "translations").rglob("*.po"))
    texts += list((ROOT / "school").rglob("*.py"))
    hits = []
    for path in texts:
        body = _text(path)
        hits += [f"{path.name}: {m.group(0)}" for p in FORBIDDEN for m in p.finditer(body)]
    assert hits == []


def _catalog(locale: str):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f)


def test_flemish_words_raster_for_the_grid_and_bezorgdheid_for_the_tone():
    """"Rooster" is the timetable to Flemish staff and "zorg" sounds like the care team: the grid is a
    "raster", the tone a "bezorgdheid" (and its equivalents in French and English)."""
    nl = _catalog("nl")
    texts = [m.string for m in nl if m.id] + [s for m in nl if m.id and isinstance(m.string, tuple)
                                              for s in m.string]
    texts = [t for t in texts if isinstance(t, str)]
    assert [t for t in texts if re.search(r"\brooster", t, re.IGNORECASE)] == []
    assert [t for t in texts if re.search(r"\bzorg(en)?\b", t, re.IGNORECASE)] == []
    assert nl.get("The school's grid").string == "Het raster van de school"
    expected = {"nl": "bezorgdheid", "fr": "préoccupation", "en": "concern"}
    assert {locale: _catalog(locale).get("concern").string for locale in LOCALES} == expected
