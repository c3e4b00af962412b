"""The demo school's tables, read from the TOML files in `data/` next to this module.

The files hold what a reader may want to change (names, classes, rates, dates, notes); this module
only gives them types (enums, tuples, small frozen dataclasses) so the builders read plain constants.
They are found next to this file, so the demo loads from the source tree without installing anything.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from school.families.models import Level
from school.policy import Role
from school.visibility.models import Approach, FollowUpStatus

DATA_DIR = Path(__file__).with_name("data")

MARKER_KEY = "demo_school"  # the Setting that says "this database holds the demo school"
RANDOM_SEED = 20260901

Surname = str | tuple[str, str]  # a tuple is (masculine, feminine) form
MonthDay = tuple[int, int]
YearDate = tuple[int, int, int]  # (year offset, month, day): offset 0 is the school year's first year


def _load(name: str) -> dict[str, Any]:
    with (DATA_DIR / f"{name}.toml").open("rb") as file:
        return tomllib.load(file)


def _dates(rows: list[list[int]]) -> tuple[YearDate, ...]:
    return tuple((offset, month, day) for offset, month, day in rows)


# ---------------------------------------------------------------------------
# The school, its staff and classes (school.toml)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffMember:
    key: str
    name: str
    email: str
    role: Role
    title: str  # what print_logins says about the account


@dataclass(frozen=True)
class ClassPlan:
    name: str
    level: Level
    grade: int  # 0 = K1 (about 3 years old) ... 8 = L6 (about 11)
    size: int
    teachers: tuple[str, ...]  # the first is the klastitularis


_school = _load("school")
SCHOOL_NAME: str = _school["name"]
DEMO_URL: str = _school["url"]
DEMO_PASSWORD: str = _school["password"]
STAFF_DOMAIN: str = _school["staff_domain"]
LOGIN_TEACHER_CLASS: str = _school["login_teacher_class"]
STAFF: tuple[StaffMember, ...] = tuple(
    StaffMember(s["key"], s["name"], f"{s['mailbox']}@{STAFF_DOMAIN}", Role(s["role"]), s["title"])
    for s in _school["staff"]
)
ADMIN_EMAIL = STAFF[0].email
CLASSES: tuple[ClassPlan, ...] = tuple(
    ClassPlan(c["name"], Level(c["level"]), c["grade"], c["size"], tuple(c["teachers"]))
    for c in _school["classes"]
)

# ---------------------------------------------------------------------------
# Families: name pools and household shapes (names.toml, households.toml)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NamePool:
    """Names that go together, and the languages for contact such families tend to choose.

    Only used to make realistic names; the pool itself is never stored.
    """

    key: str
    weight: float
    languages: tuple[tuple[str, float], ...]
    shared_surname: float  # chance that partners share one family name
    women: tuple[str, ...]
    men: tuple[str, ...]
    girls: tuple[str, ...]
    boys: tuple[str, ...]
    surnames: tuple[Surname, ...]


def _pool(row: dict[str, Any]) -> NamePool:
    return NamePool(
        key=row["key"], weight=row["weight"],
        languages=tuple((code, weight) for code, weight in row["languages"]),
        shared_surname=row["shared_surname"],
        women=tuple(row["women"]), men=tuple(row["men"]), girls=tuple(row["girls"]), boys=tuple(row["boys"]),
        surnames=tuple(name if isinstance(name, str) else (name[0], name[1]) for name in row["surnames"]),
    )


_names = _load("names")
POOLS: tuple[NamePool, ...] = tuple(_pool(row) for row in _names["pools"])
POOL_BY_KEY = {p.key: p for p in POOLS}
INTERPRETER_LANGUAGES: tuple[str, ...] = tuple(_names["interpreter_languages"])
MAIL_DOMAINS: tuple[str, ...] = tuple(_names["mail_domains"])

_households = _load("households")
SIBLING_GROUP_SIZES: dict[int, int] = {int(size): count for size, count in
                                       _households["sibling_group_sizes"].items()}
SEPARATED_SIZES: tuple[int, ...] = tuple(_households["separated_sizes"])
OTHER_SHAPES: tuple[tuple[str, int], ...] = tuple(_households["other_shapes"].items())
ARRIVED_THIS_YEAR: int = _households["arrived_this_year"]
DRAFT_INTAKES: int = _households["draft_intakes"]
INTERPRETER_SHARE: float = _households["interpreter_share"]
CONSENT_SHARE: float = _households["consent_share"]
ARRIVED_POOLS = frozenset(_households["arrived_pools"])
SEPARATED_NOTE: str = _households["separated_note"]
CHANNELS: tuple[str, ...] = tuple(_households["channels"])
TIMES: tuple[str, ...] = tuple(_households["times"])
ABOUT_CHILD: tuple[str, ...] = tuple(_households["about_child"])
NEEDS_FROM_SCHOOL: tuple[str, ...] = tuple(_households["needs_from_school"])
HELP_OFFERS: tuple[str, ...] = tuple(_households["help_offers"])
CONTACT_NOTES: tuple[str, ...] = tuple(_households["contact_notes"])

# ---------------------------------------------------------------------------
# Contacts: rates, behaviour per form, notes (contacts.toml)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FormRule:
    family_share: float = 0.0  # share of moments the family started
    missed_share: float = 0.0  # school attempts that did not reach the family
    reply_share: float = 0.0  # written school messages the family answered
    logger: str = "teacher"  # teacher | reception | care | office | teacher_or_reception | ...


_contacts = _load("contacts")
# Expected moments per household per full school year: (with a kleuter, lager only).
RATES: dict[str, tuple[float, float]] = {form: (kleuter, lager) for form, (kleuter, lager) in
                                         _contacts["rates"].items()}
INFORMAL_RATE_FORMS = frozenset(_contacts["informal_rate_forms"])
FORM_RULES: dict[str, FormRule] = {form: FormRule(**rule) for form, rule in _contacts["form_rules"].items()}
KLEUTER_FORMS = frozenset(_contacts["kleuter_forms"])
NO_CAREGIVER_FORMS = frozenset(_contacts["no_caregiver_forms"])
NOTES: dict[str, tuple[str, ...]] = {form: tuple(notes) for form, notes in _contacts["notes"].items()}
MISSED_NOTES: tuple[str, ...] = tuple(_contacts["missed_notes"])
POSITIVE_NOTES: tuple[str, ...] = tuple(_contacts["positive_notes"])
CONCERN_NOTES: tuple[str, ...] = tuple(_contacts["concern_notes"])
CONFIDENTIAL_NOTE: str = _contacts["confidential_note"]
NOTE_SHARE: float = _contacts["note_share"]
CONFIDENTIAL_SHARE: float = _contacts["confidential_share"]

# ---------------------------------------------------------------------------
# The calendar (calendar.toml)
# ---------------------------------------------------------------------------

_calendar = _load("calendar")
REPORT_DATES: dict[Level, tuple[YearDate, ...]] = {Level(level): _dates(rows) for level, rows in
                                                   _calendar["report_dates"].items()}
PARENT_MEETING_WEEKS: dict[Level, tuple[YearDate, ...]] = {Level(level): _dates(rows) for level, rows in
                                                           _calendar["parent_meeting_weeks"].items()}
LETTERS_TO_ALL: tuple[tuple[int, int, int, str], ...] = tuple(
    (offset, month, day, title) for offset, month, day, title in _calendar["letters_to_all"]
)
PARENT_CAFES: tuple[YearDate, ...] = _dates(_calendar["parent_cafes"])
MONTHS_NL: dict[int, str] = {int(month): name for month, name in _calendar["months"].items()}
HOLIDAYS: tuple[tuple[MonthDay, MonthDay], ...] = tuple(
    ((start[0], start[1]), (end[0], end[1])) for start, end in _calendar["holidays"]
)

# ---------------------------------------------------------------------------
# Less-visible families and their follow-ups (less_visible.toml)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpPlan:
    signal: str
    owner: str  # a StaffMember key
    approach: Approach
    due_in: int  # days from today
    status: FollowUpStatus
    note: str


_less_visible = _load("less_visible")
REASONS: tuple[str, ...] = tuple(_less_visible["reasons"])
PER_REASON: int = _less_visible["per_reason"]
LOGIN_CLASS_REASONS: tuple[str, ...] = tuple(_less_visible["login_class_reasons"])
LATELY_DAYS: int = _less_visible["lately_days"]
TOP_UP_DAYS: int = _less_visible["top_up_days"]
GO_BETWEEN_FORMS = frozenset(_less_visible["go_between_forms"])
FOLLOW_UPS: tuple[FollowUpPlan, ...] = tuple(
    FollowUpPlan(p["signal"], p["owner"], Approach(p["approach"]), p["due_in"], FollowUpStatus(p["status"]),
                 p["note"])
    for p in _less_visible["follow_ups"]
)
RESOLVED_REACHED_NOTE: str = _less_visible["resolved_case"]["reached_note"]
RESOLVED_FOLLOW_UP_NOTE: str = _less_visible["resolved_case"]["follow_up_note"]
