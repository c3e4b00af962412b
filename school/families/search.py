"""Finding a family in a few keystrokes: accent- and case-insensitive, by phone too.

Every household carries a `search_key`: the names of its caregivers and
children, their phone numbers as digits, e-mail addresses and the children's
class names, all folded the same way ("Zoë Çelik" → "zoe celik"). A search
folds the typed text with the same rules and looks for each word in that key
with a plain LIKE, which PostgreSQL and SQLite answer alike.

The key is refreshed by a `before_flush` listener whenever a household, a
caregiver or a pupil changes, whoever changes it (intake, edit, roster import,
anonymisation), so it never goes stale.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import chain

from sqlalchemy import Select, and_, event, func, or_, select
from sqlalchemy.orm import Session

from school.families.models import Caregiver, Enrolment, Household, Pupil, SchoolClass
from school.schoolyear import today

# Letters NFKD does not take apart.
_EXTRA_FOLDS = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ı": "i",
        "þ": "th",
    }
)
_PHONE_LIKE = re.compile(r"[\d\s+()./-]+")
SEPARATOR = " | "


def fold(text: str | None) -> str:
    """Accents off, case folded, spaces collapsed: 'Zoë  ÇELIK' → 'zoe celik'."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA_FOLDS))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def phone_key(raw: str | None) -> str:
    """The digits that identify a phone number, whatever way it was typed.

    '+32 470 12 34 56', '0032470123456' and '0470/12.34.56' all give
    '470123456'. A foreign number keeps its country code ('+31 6…' → '316…').
    """
    if not raw:
        return ""
    text = raw.strip()
    digits = re.sub(r"\D", "", text)
    international = text.startswith("+")
    if digits.startswith("00"):
        digits, international = digits[2:], True
    if international:
        if not digits.startswith("32"):
            return digits
        digits = digits[2:]
    elif digits.startswith("32") and len(digits) >= 10:
        digits = digits[2:]
    return digits.lstrip("0")


def looks_like_phone(query: str) -> bool:
    return bool(_PHONE_LIKE.fullmatch(query.strip())) and sum(c.isdigit() for c in query) >= 3


_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean_query(text: str | None) -> str:
    """What was typed in a search box, without control characters (PostgreSQL refuses NUL)."""
    return " ".join(_CONTROL.sub(" ", text or "").split())[:100]


def query_terms(query: str) -> list[str]:
    """The words a household's key must all contain."""
    query = clean_query(query)
    if not query:
        return []
    if looks_like_phone(query):
        return [phone_key(query) or re.sub(r"\D", "", query)]
    return fold(query).split()[:6]


def household_key(household: Household, class_name=None) -> str:
    """The search key of one household (its relationships must be at hand)."""

    def klass(pupil: Pupil) -> str:
        if class_name is not None:
            return class_name(pupil)
        return pupil.school_class.name if pupil.school_class else ""

    parts = [fold(household.display_name)]
    for caregiver in household.caregivers:
        parts += [
            fold(f"{caregiver.first_name} {caregiver.last_name}"),
            phone_key(caregiver.phone),
            fold(caregiver.email),
        ]
    for pupil in household.pupils:
        parts += [fold(f"{pupil.first_name} {pupil.last_name}"), fold(klass(pupil))]
    return SEPARATOR.join(p for p in parts if p)


def matching(stmt: Select, query: str) -> Select:
    """Narrow a SELECT over Household to the households whose key holds every term."""
    terms = query_terms(query)
    if not terms:
        return stmt
    keyed = and_(*(Household.search_key.contains(term, autoescape=True) for term in terms))
    # A household whose key was never filled (written by raw SQL) is still found by its name.
    unkeyed = and_(
        Household.search_key.is_(None),
        func.lower(Household.display_name).contains(clean_query(query).lower(), autoescape=True),
    )
    return stmt.where(or_(keyed, unkeyed))


@event.listens_for(Session, "before_flush")
def _refresh_search_keys(session: Session, _flush_context, _instances) -> None:
    """Recompute the key of every household touched in this flush."""
    touched: set[Household] = set()
    with session.no_autoflush:
        for obj in chain(session.new, session.dirty, session.deleted):
            if isinstance(obj, Household):
                touched.add(obj)
            elif isinstance(obj, Caregiver):
                if obj.household is not None:
                    touched.add(obj.household)
            elif isinstance(obj, Pupil):
                touched.update(obj.households)
            elif isinstance(obj, Enrolment) and obj.pupil is not None:
                touched.update(obj.pupil.households)
            elif isinstance(obj, SchoolClass) and obj not in session.new and session.is_modified(obj):
                in_class = select(Pupil).join(Enrolment).where(Enrolment.class_id == obj.id)
                for pupil in session.scalars(in_class):
                    touched.update(pupil.households)
        if not touched:
            return
        deleted = set(session.deleted)

        def class_name(pupil: Pupil) -> str:
            enrolment = pupil.enrolment_on(today())
            if enrolment is None:
                return ""
            klass = enrolment.school_class or session.get(SchoolClass, enrolment.class_id)
            return klass.name if klass else ""

        for household in touched:
            if household in deleted:
                continue
            key = _key_without(household, deleted, class_name)
            if household.search_key != key:
                household.search_key = key


def _key_without(household: Household, deleted: set, class_name) -> str:
    if not any(obj in deleted for obj in chain(household.caregivers, household.pupils)):
        return household_key(household, class_name)

    class _View:  # the household as it will be after this flush
        display_name = household.display_name
        caregivers = [c for c in household.caregivers if c not in deleted]
        pupils = [p for p in household.pupils if p not in deleted]

    return household_key(_View, class_name)  # type: ignore[arg-type]
