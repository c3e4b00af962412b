"""Which school system made a roster file, and what each of its columns means.

Pure functions over header names and cell texts (no database):

    profile = recognise(headers)                 # Smartschool, Informat, the hand-made sheet, else Wisa
    mapping = propose(profile, headers)          # field code → column, every column proposed
    left_out_columns(headers)                    # what the law and our rules keep out, with the reason
    classify_relation("Plusvader")               # → a caregiver of kinship STEP_PARENT
    looks_like_national_number("85.07.30-033.28")

Column names are compared by `header_key`: accents and case folded, and `_`, `-`, `.`
and `/` read as spaces, so "Voornaam_coaccount1", "voornaam coaccount1" and
"VOORNAAM_COACCOUNT1" are one name. Where the real column names of a system are not
certain (Informat's, Wisa's), the README says so; the mapping screen fixes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from school.families.models import Kinship
from school.families.search import fold

SLOTS = 6  # caregivers per pupil (Smartschool's co-accounts)
CAREGIVER_PARTS = ("first_name", "last_name", "relation", "mobile", "phone", "email")


def header_key(header: str | None) -> str:
    return " ".join(re.sub(r"[_\-./]+", " ", fold(header)).split())


# --- what is never stored --------------------------------------------------------------------

# Each reason: a pattern over header_key and the words the preview shows. A column whose
# name matches is never stored and cannot be chosen for any field, the pupil number included.
_LEFT_OUT: list[tuple[str, re.Pattern, object]] = [
    ("national_number",
     re.compile(r"rijksregister|\binsz\b|\brrn\b|\bssin\b|bis ?nummer|national regist|registre national"
                r"|numero national|\bprn\b"),
     _l("national register number: never stored")),
    ("religion",
     re.compile(r"godsdienst|levensbeschouw|religi|geloof|filosofie|confessi"),
     _l("religion or philosophy of life: never stored")),
    ("nationality",
     re.compile(r"nationalit|geboorteland|herkomst|afkomst|etni|ethni|birth country|pays de naissance"),
     _l("nationality or origin: never stored")),
    ("home_language",
     re.compile(r"thuistaal|taal thuis|gezinstaal|moedertaal|home language|langue (parlee )?(a la )?maison"),
     _l("the language spoken in the family: never stored (the intake asks the language for contact)")),
    ("mother_education",
     re.compile(r"opleiding\w*( van)?( de)? moeder|moeder\w* (opleiding|diploma)|opleidingsniveau"
                r"|mother\w* education|education\w* mother|diplome de la mere"),
     _l("the mother's education level: never stored")),
    ("allowance",
     re.compile(r"toelage|allowance|allocation|bourse|groeipakket|\bgok\b|indicator"),
     _l("school allowance or a social indicator: never stored")),
    ("health",
     re.compile(r"medisch|gezondheid|allergi|diagnose|ziekte|handicap|medicatie|medical|health|sante\b"),
     _l("health: never stored")),
]


def left_out_reason(header: str) -> object | None:
    key = header_key(header)
    for _code, pattern, reason in _LEFT_OUT:
        if pattern.search(key):
            return reason
    return None


def left_out_columns(headers: list[str]) -> list[tuple[str, object]]:
    """Every column that is never stored, with the reason shown in the preview."""
    return [(h, reason) for h in headers if (reason := left_out_reason(h)) is not None]


_SEPARATORS = re.compile(r"[\s.\-/]")


def looks_like_national_number(value: str) -> bool:
    """A Belgian national register number (yymmdd-sss-cc, check digits modulo 97), however typed."""
    digits = _SEPARATORS.sub("", value or "")
    if len(digits) != 11 or not digits.isdigit():
        return False
    check = int(digits[9:])
    return check in (97 - int(digits[:9]) % 97, 97 - int("2" + digits[:9]) % 97)


# --- relations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    kind: str  # caregiver, staff (a professional co-account: never a caregiver), unused
    kinship: Kinship | None = None
    known: bool = True  # False: a text we do not know, kept as "other caregiver"


_UNUSED = {"", "0", "maak uw keuze", "-", "geen", "none"}
_KINSHIPS: list[tuple[re.Pattern, Kinship]] = [
    (re.compile(r"^(pleeg|foster|famille d accueil)"), Kinship.FOSTER_PARENT),
    (re.compile(r"^(plus|stief|bonus|step|beau|belle)"), Kinship.STEP_PARENT),
    (re.compile(r"^(mee ?(moeder|vader|ouder)|co ?(parent|mother|mere))"), Kinship.CO_PARENT),
    (re.compile(r"^(groot|oma|opa|bomma|bompa|meme|grand)"), Kinship.GRANDPARENT),
    (re.compile(r"^(voogd|guardian|tuteur|tutrice)"), Kinship.GUARDIAN),
    (re.compile(r"^(moeder|mama|mother|mere|maman|mum|mom)$"), Kinship.MOTHER),
    (re.compile(r"^(vader|papa|father|pere|dad)$"), Kinship.FATHER),
    (re.compile(r"^(broer|zus|zuster|brother|sister|frere|soeur|ouder|andere|other|autre|familie)"),
     Kinship.OTHER),
]
# Smartschool's co-account types for professionals, and their usual neighbours.
_STAFF = re.compile(
    r"begeleid|logoped|ondersteun|internaat|studiecoach|interim|stag|collega|leerkracht|therapeut"
    r"|kinesi|clb|zorg|psycholo|teacher|coach|assistent|juf|meester"
)


def classify_relation(text: str) -> Relation:
    key = header_key(text)
    if key in _UNUSED:
        return Relation("unused")
    if _STAFF.search(key):
        return Relation("staff")
    for pattern, kinship in _KINSHIPS:
        if pattern.search(key):
            return Relation("caregiver", kinship)
    return Relation("caregiver", Kinship.OTHER, known=False)


def implied_relation(column: str | None) -> Kinship | None:
    """'Naam moeder' / 'GSM vader': the column says who it is when the file has no relation."""
    words = set(header_key(column).split())
    if words & {"moeder", "mama", "mother", "mere"}:
        return Kinship.MOTHER
    if words & {"vader", "papa", "father", "pere"}:
        return Kinship.FATHER
    return None


# --- profiles -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    code: str
    label: object
    columns: dict[str, tuple[str, ...]]  # field code → candidate header keys, best first
    matches: Callable[[set[str]], bool] = field(compare=False)


def _slots(names: Callable[[int], dict[str, tuple[str, ...]]], slots: range) -> dict[str, tuple[str, ...]]:
    return {f"caregiver{n}_{part}": candidates for n in slots for part, candidates in names(n).items()}


def _smartschool_slot(n: int) -> dict[str, tuple[str, ...]]:
    return {
        "first_name": (f"voornaam coaccount{n}", f"voornaam coaccount {n}"),
        "last_name": (f"naam coaccount{n}", f"naam coaccount {n}"),
        "relation": (f"type coaccount{n}", f"type coaccount {n}"),
        "mobile": (f"mobielnummer coaccount{n}", f"mobielnummer coaccount {n}"),
        "phone": (f"telefoonnummer coaccount{n}", f"telefoonnummer coaccount {n}"),
        "email": (f"email coaccount{n}", f"e mail coaccount{n}", f"emailadres coaccount{n}"),
    }


# The pupil's own e-mail address, mobile number and last login ("emailadres", "mobielnummer",
# "last successful login") are deliberately not here: they are the child's, never a parent's.
# "klasnummer" is the pupil's number within the class, "stamboeknummer" may be empty or "NULL".
SMARTSCHOOL = Profile(
    code="smartschool",
    label=_l("Smartschool (user export)"),
    columns={
        "external_key": ("internnummer", "intern nummer"),
        "first_name": ("voornaam",),
        "last_name": ("naam",),
        "birth_date": ("geboortedatum",),
        "class_name": ("klas", "basisklas", "officiele klas", "klasgroep", "groepen", "groups", "groep"),
        "leaver": ("schoolverlater",),
        **_slots(_smartschool_slot, range(1, SLOTS + 1)),
    },
    matches=lambda keys: "internnummer" in keys or "voornaam coaccount1" in keys or "type coaccount1" in keys,
)


def _informat_slot(n: int) -> dict[str, tuple[str, ...]]:
    def names(*words: str) -> tuple[str, ...]:
        return tuple(name for w in words for name in (f"{w} lpv{n}", f"lpv{n} {w}", f"{w} lpv {n}"))

    return {
        "first_name": names("voornaam"),
        "last_name": names("naam", "familienaam"),
        "relation": names("relatie", "type", "aard relatie", "relatie tot leerling", "aard"),
        "mobile": names("gsm", "mobiel", "gsm nummer"),
        "phone": names("telefoon", "tel", "telefoonnummer"),
        "email": names("e mail", "email", "emailadres"),
    }


INFORMAT = Profile(
    code="informat",
    label=_l("Informat (pupil list)"),
    columns={
        "external_key": ("stamnummer", "stamnr", "stamboeknummer", "leerlingnummer", "leerling id"),
        "first_name": ("voornaam", "voornaam leerling", "roepnaam"),
        "last_name": ("naam", "naam leerling", "familienaam"),
        "birth_date": ("geboortedatum", "geb datum"),
        "class_name": ("klas", "klascode", "klasgroep", "klasnaam", "administratieve groep"),
        **_slots(_informat_slot, range(1, 3)),
    },
    matches=lambda keys: any(re.search(r"\blpv ?1\b", key) for key in keys),
)

HANDMADE = Profile(
    code="handmade",
    label=_l("Sheet made by the secretariat (one row per parent)"),
    columns={
        "first_name": ("voornaam", "voornaam kind", "voornaam leerling"),
        "last_name": ("naam", "naam kind", "naam leerling", "familienaam"),
        "birth_date": ("geboortedatum", "geb datum", "geboren"),
        "class_name": ("klas", "klasgroep", "groep"),
        "caregiver1_first_name": ("voornaam ouder", "voornaam ouder voogd"),
        "caregiver1_last_name": ("naam ouder", "naam ouder voogd", "familienaam ouder"),
        "caregiver1_relation": ("relatie", "relatie tot kind", "relatie tot leerling", "band"),
        "caregiver1_mobile": ("gsm", "gsm ouder", "gsm nummer", "mobiel"),
        "caregiver1_phone": ("telefoon", "tel", "telefoon ouder", "telefoonnummer"),
        "caregiver1_email": ("e mail", "email", "e mail ouder", "email ouder", "emailadres"),
    },
    matches=lambda keys: bool(keys & {"voornaam ouder", "naam ouder"}),
)


def _numbered_slot(n: int) -> dict[str, tuple[str, ...]]:
    def names(*words: str) -> tuple[str, ...]:
        return tuple(name for w in words for name in (f"{w} ouder {n}", f"{w} ouder{n}", f"{w} contact {n}"))

    mother_father = {1: "moeder", 2: "vader"}.get(n)
    parent_word = (lambda w: (f"{w} {mother_father}",)) if mother_father else (lambda w: ())
    return {
        "first_name": names("voornaam") + parent_word("voornaam"),
        "last_name": names("naam") + parent_word("naam"),
        "relation": names("relatie", "type"),
        "mobile": names("gsm") + parent_word("gsm") + ((f"gsm {n}",) if n <= 2 else ()),
        "phone": names("telefoon", "tel") + ((f"telefoon {n}",) if n <= 2 else ()),
        "email": names("e mail", "email") + parent_word("e mail") + ((f"e mail {n}",) if n <= 2 else ()),
    }


# Wisa exports are queries each school builds: the usual Dutch column names, the old
# generic ones ("GSM", "E-mail" for the first parent) included.
WISA = Profile(
    code="wisa",
    label=_l("Wisa or another list (usual Dutch column names)"),
    columns={
        "external_key": ("stamboeknummer", "stamnummer", "leerlingnummer", "leerling id", "leerlingid",
                         "id", "pupil number", "external key", "numero", "matricule", "code"),
        "first_name": ("voornaam", "voornaam leerling", "first name", "prenom", "roepnaam"),
        "last_name": ("naam", "familienaam", "achternaam", "naam leerling", "last name", "nom",
                      "nom de famille"),
        "birth_date": ("geboortedatum", "geb datum", "date of birth", "birth date", "date de naissance"),
        "class_name": ("klas", "klasgroep", "klasnaam", "groep", "class", "classe", "klascode"),
        **_slots(_numbered_slot, range(1, SLOTS + 1)),
        "caregiver1_mobile": _numbered_slot(1)["mobile"] + ("gsm", "telefoon"),
        "caregiver1_email": _numbered_slot(1)["email"] + ("e mail", "email"),
    },
    matches=lambda keys: True,
)

BUILT_IN = (SMARTSCHOOL, INFORMAT, HANDMADE, WISA)  # recognised in this order; Wisa takes the rest
BY_CODE = {p.code: p for p in BUILT_IN}


def recognise(headers: list[str]) -> Profile:
    keys = {header_key(h) for h in headers}
    return next(p for p in BUILT_IN if p.matches(keys))


def propose(profile: Profile, headers: list[str], fields) -> dict[str, str | None]:
    """Field → column: each field's first candidate present in the file, each column used once,
    never a column that is left out."""
    by_key: dict[str, str] = {}
    for header in headers:
        if left_out_reason(header) is None:
            by_key.setdefault(header_key(header), header)
    used: set[str] = set()
    mapping: dict[str, str | None] = {}
    for code in fields:
        mapping[code] = None
        for candidate in profile.columns.get(code, ()):
            column = by_key.get(candidate)
            if column is not None and column not in used:
                mapping[code] = column
                used.add(column)
                break
    return mapping
