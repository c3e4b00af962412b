"""The demo's working structures: families and moments as drafts, before they become rows."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from school.accounts.models import User
from school.catalogue import ContactForm
from school.contacts.models import GroupContact, Initiative, Reach, Tone
from school.demo.data import NamePool, Surname
from school.families.models import Caregiver, Household, IntakeStatus, Kinship, Pupil, SchoolClass
from school.grid import Mediator
from school.schoolyear import YearSpan


def surname_form(surname: Surname, female: bool) -> str:
    if isinstance(surname, tuple):
        return surname[1] if female else surname[0]
    return surname


@dataclass
class ChildDraft:
    first_name: str
    surname: Surname
    female: bool
    grade: int = 0
    class_name: str = ""  # this year's class; for a child who left, the class it left from
    prev_class_name: str | None = None  # last year's class, None if not in school yet
    left_on: dt.date | None = None  # last year's sixth graders left on 1 September
    birth_date: dt.date | None = None
    row: Pupil | None = None

    @property
    def last_name(self) -> str:
        return surname_form(self.surname, self.female)


def youngest(children: list[ChildDraft]) -> ChildDraft:
    return min(children, key=lambda c: c.grade)


@dataclass
class CaregiverDraft:
    first_name: str
    surname: Surname
    female: bool
    kinship: Kinship
    pool: NamePool
    language: str | None = None  # only when it differs from the household's
    phone: str | None = None
    email: str | None = None
    row: Caregiver | None = None

    @property
    def last_name(self) -> str:
        return surname_form(self.surname, self.female)


@dataclass
class AgreementPlan:
    form: str
    every_days: int | None = None
    occasion: str | None = None


@dataclass
class HouseholdDraft:
    key: int
    shape: str
    pool: NamePool
    caregivers: list[CaregiverDraft]
    children: list[ChildDraft]
    display_name: str = ""
    language: str = "nl"
    interpreter: bool = False
    written_ok: bool | None = None
    digital_ok: bool | None = None
    channels: list[str] = field(default_factory=list)
    times: list[str] = field(default_factory=list)
    engagement: float = 1.0  # how often informal contact happens; never stored
    newcomer: str | None = None  # "k1" (started in K1) or "arrived" (this school year)
    intake_status: IntakeStatus = IntakeStatus.DONE
    intake_on: dt.date | None = None
    join_day: dt.date = dt.date.min
    consent: bool = False
    about_child: str | None = None
    needs: str | None = None
    help_offer: str | None = None
    contact_note: str | None = None
    agreements: list[AgreementPlan] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    row: Household | None = None

    def has_agreement(self, form: str, every_days: int | None = None) -> bool:
        return any(a.form == form and (every_days is None or a.every_days == every_days)
                   for a in self.agreements)


@dataclass
class YearCtx:
    span: YearSpan
    end: dt.date  # the last day with data: the year's end or today
    current: bool
    classes: dict[str, SchoolClass]
    days: list[dt.date]  # school days up to `end`
    full_days: int  # school days in the whole year

    def at(self, offset: int, month: int, day: int) -> dt.date:
        return dt.date(self.span.start.year + offset, month, day)

    def days_between(self, start: dt.date, end: dt.date) -> list[dt.date]:
        return [d for d in self.days if start <= d <= end]

    def class_of(self, hh: HouseholdDraft, child: ChildDraft) -> str | None:
        if self.current:
            gone = child.left_on is not None and child.left_on <= self.span.start
            return None if gone else child.class_name
        return None if hh.newcomer else child.prev_class_name


@dataclass
class Ctx:
    rng: random.Random
    today: dt.date
    staff: dict[str, User]
    titularis: dict[str, User]  # class name -> klastitularis (same names both years)
    forms: dict[str, ContactForm]
    topic_ids: list[int]
    prev: YearCtx
    cur: YearCtx

    @property
    def years(self) -> tuple[YearCtx, YearCtx]:
        return (self.prev, self.cur)


@dataclass
class Spec:
    """A contact moment before it is written (bulk) to the database."""

    hh: HouseholdDraft
    form: str
    day: dt.date
    child: ChildDraft | None
    caregiver: CaregiverDraft | None
    initiative: Initiative
    reach: Reach
    tone: Tone = Tone.NEUTRAL
    mediator: Mediator = Mediator.NONE
    logged_by: User | None = None
    note: str | None = None
    confidential: bool = False
    group: GroupContact | None = None
    token: str = ""
