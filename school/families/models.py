"""School years, classes, pupils, households, their caregivers and the contact agreed with them."""

from __future__ import annotations

import datetime as dt
import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.catalogue import ContactForm
from school.extensions import db, enum_type
from school.grid import Mediator
from school.labels import Labelled, labels
from school.schoolyear import today, utcnow


class Level(Labelled):
    KLEUTER = "kleuter"
    LAGER = "lager"
    SECUNDAIR = "secundair"


LEVEL_LABELS = labels(Level, {
    Level.KLEUTER: _l("Nursery (kleuter)"),
    Level.LAGER: _l("Primary (lager)"),
    Level.SECUNDAIR: _l("Secondary (secundair)"),
})


class Kinship(Labelled):
    MOTHER = "mother"
    FATHER = "father"
    GRANDPARENT = "grandparent"
    FOSTER_PARENT = "foster_parent"
    STEP_PARENT = "step_parent"  # plus- or stiefouder
    CO_PARENT = "co_parent"  # meemoeder, meevader
    GUARDIAN = "guardian"
    OTHER = "other"


KINSHIP_LABELS = labels(Kinship, {
    Kinship.MOTHER: _l("mother"),
    Kinship.FATHER: _l("father"),
    Kinship.GRANDPARENT: _l("grandparent"),
    Kinship.FOSTER_PARENT: _l("foster parent"),
    Kinship.STEP_PARENT: _l("step or bonus parent"),
    Kinship.CO_PARENT: _l("co-mother or co-father"),
    Kinship.GUARDIAN: _l("guardian"),
    Kinship.OTHER: _l("other caregiver"),
})


class IntakeStatus(enum.StrEnum):
    NONE = "none"  # created by a roster import, no intake yet
    DRAFT = "draft"  # intake saved part-way
    DONE = "done"


class SchoolYear(db.Model):
    __tablename__ = "school_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_on: Mapped[dt.date] = mapped_column(unique=True)
    ends_on: Mapped[dt.date]

    @property
    def label(self) -> str:
        return f"{self.starts_on.year}-{self.ends_on.year}"


class SchoolClass(db.Model):
    """A class of one school year: "3A of 2025-2026" and "3A of 2026-2027" are two classes, each with
    its own teachers (class_teachers) and its own pupils (enrolments)."""

    __tablename__ = "school_classes"
    __table_args__ = (UniqueConstraint("school_year_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"))
    name: Mapped[str] = mapped_column(String(60))
    level: Mapped[Level] = mapped_column(enum_type(Level, 16))
    sort_order: Mapped[int] = mapped_column(default=0)

    school_year: Mapped[SchoolYear] = relationship()
    teachers: Mapped[list[User]] = relationship(  # noqa: F821
        secondary="class_teachers", back_populates="classes", order_by="User.name"
    )



household_pupils = Table(
    "household_pupils",
    db.metadata,
    Column("household_id", ForeignKey("households.id", ondelete="CASCADE"), primary_key=True),
    Column("pupil_id", ForeignKey("pupils.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Pupil(db.Model):
    __tablename__ = "pupils"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[dt.date | None]
    # The pupil's key in the school administration system (Informat, Wisa,
    # Smartschool): what a roster re-import matches on.
    external_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # The day the pupil left the school: from that day on no class holds the pupil.
    left_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    households: Mapped[list[Household]] = relationship(
        secondary=household_pupils, back_populates="pupils"
    )
    # The pupil's classes through time (school.families.enrolments places and moves a pupil).
    enrolments: Mapped[list[Enrolment]] = relationship(
        back_populates="pupil", cascade="all, delete-orphan", order_by="Enrolment.started_on",
        passive_deletes=True,
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def enrolment_on(self, day: dt.date) -> Enrolment | None:
        """The enrolment in force on `day` (in Python, over the loaded enrolments; the SQL twin of
        this rule is school.families.enrolments.in_force)."""
        if self.left_on is not None and self.left_on <= day:
            return None
        return next((e for e in reversed(self.enrolments) if e.covers(day)), None)

    def class_on(self, day: dt.date) -> SchoolClass | None:
        enrolment = self.enrolment_on(day)
        return enrolment.school_class if enrolment is not None else None

    @property
    def school_class(self) -> SchoolClass | None:
        """The pupil's class today (None before the first day, after leaving, between classes)."""
        return self.class_on(today())

    @property
    def school_class_id(self) -> int | None:
        klass = self.school_class
        return klass.id if klass is not None else None


class Enrolment(db.Model):
    """A pupil in a class from `started_on` up to and including `ended_on` (None: still there).

    A class change in January is two enrolments, a kleuter's instapdatum or a February arrival a
    late `started_on`, a leaver an `ended_on` (and the pupil's `left_on`). The school year is the
    class's own (no second copy that could disagree); an enrolment lies inside it, and a pupil
    placed in next year's class has this year's enrolment closed the day before
    (school.families.enrolments.place).
    """

    __tablename__ = "enrolments"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"), index=True)
    started_on: Mapped[dt.date]
    ended_on: Mapped[dt.date | None]

    pupil: Mapped[Pupil] = relationship(back_populates="enrolments")
    school_class: Mapped[SchoolClass] = relationship()

    def covers(self, day: dt.date) -> bool:
        return self.started_on <= day and (self.ended_on is None or day <= self.ended_on)


class Household(db.Model):
    """A gezin: the caregivers a child lives with. A child may have two."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(160))
    # How to reach them: the language for contact, not a "home language" label.
    contact_language: Mapped[str | None] = mapped_column(String(8))
    interpreter_needed: Mapped[bool] = mapped_column(default=False)
    interpreter_language: Mapped[str | None] = mapped_column(String(8))
    # None = not known yet.
    written_ok: Mapped[bool | None]
    digital_ok: Mapped[bool | None]
    preferred_channels: Mapped[list] = mapped_column(JSON, default=list)
    preferred_times: Mapped[list] = mapped_column(JSON, default=list)
    contact_note: Mapped[str | None] = mapped_column(Text)
    # Intake, part "relatie": the parents' own answers.
    about_child: Mapped[str | None] = mapped_column(Text)
    needs_from_school: Mapped[str | None] = mapped_column(Text)
    help_offer: Mapped[str | None] = mapped_column(Text)
    # Intake, part "informatie": which info topics were explained (ids).
    info_explained: Mapped[list] = mapped_column(JSON, default=list)
    contact_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    consent_external: Mapped[bool] = mapped_column(default=False)
    consent_external_at: Mapped[dt.datetime | None]
    # When the parents withdrew that consent (kept, with the date it was given).
    consent_withdrawn_at: Mapped[dt.datetime | None]
    intake_status: Mapped[IntakeStatus] = mapped_column(
        enum_type(IntakeStatus, 8), default=IntakeStatus.NONE
    )
    # The day of the intake conversation (kept from the first part-way save) and who
    # helped during it: the intake contact moment is logged with both when it is finished.
    intake_on: Mapped[dt.date | None]
    intake_mediator: Mapped[Mediator | None] = mapped_column(enum_type(Mediator, 24))
    # The intake form's submission token: unique, so the same form sent twice at once
    # (a lost response on the school Wi-Fi) creates the household once.
    submission_token: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    anonymised_at: Mapped[dt.datetime | None]
    # What "find a family" matches on: the names of caregivers and children,
    # phone digits, e-mail addresses and class names, accent- and case-folded
    # (school.families.search keeps it up to date on every change).
    search_key: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Optimistic locking: a stale edit raises StaleDataError instead of
    # silently overwriting somebody else's change.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    caregivers: Mapped[list[Caregiver]] = relationship(
        back_populates="household", cascade="all, delete-orphan", order_by="Caregiver.sort_order"
    )
    pupils: Mapped[list[Pupil]] = relationship(
        secondary=household_pupils, back_populates="households", order_by="Pupil.first_name"
    )
    contact_person: Mapped[User | None] = relationship()  # noqa: F821
    agreements: Mapped[list[ContactAgreement]] = relationship(
        cascade="all, delete-orphan", order_by="ContactAgreement.id"
    )


class Caregiver(db.Model):
    __tablename__ = "caregivers"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), default="")
    kinship: Mapped[Kinship] = mapped_column(enum_type(Kinship, 16))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    contact_language: Mapped[str | None] = mapped_column(String(8))
    sort_order: Mapped[int] = mapped_column(default=0)

    household: Mapped[Household] = relationship(back_populates="caregivers")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class InfoTopic(db.Model):
    """An item of the intake's 'informatie' checklist; the school edits the list."""

    __tablename__ = "info_topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(160))
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    # The checklist page's submission that added it: a resend of that form adds nothing.
    submission_token: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)


class ContactAgreement(db.Model):
    """Contact op maat: a form and rhythm agreed with a family at the intake."""

    __tablename__ = "contact_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    form_id: Mapped[int] = mapped_column(ForeignKey("contact_forms.id"))
    # A regular rhythm in days (14 = every two weeks), or an occasion
    # ("before each report") when the rhythm is not a number of days.
    every_days: Mapped[int | None]
    occasion: Mapped[str | None] = mapped_column(String(160))
    active: Mapped[bool] = mapped_column(default=True)
    agreed_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    form: Mapped[ContactForm] = relationship()
