"""Contact moments and group contacts (the forms they take are in school.catalogue)."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from school.catalogue import ContactForm
from school.extensions import db, enum_type
from school.grid import Mediator, Quadrant
from school.labels import Labelled, labels
from school.schoolyear import utcnow


class Initiative(Labelled):
    SCHOOL = "school"
    FAMILY = "family"


class Reach(Labelled):
    TWO_WAY = "two_way"
    ONE_WAY = "one_way"
    NOT_REACHED = "not_reached"

    @property
    def reached(self) -> bool:
        return self is not Reach.NOT_REACHED


class Tone(Labelled):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    CONCERN = "concern"



INITIATIVE_LABELS = labels(Initiative, {
    Initiative.SCHOOL: _l("the school"),
    Initiative.FAMILY: _l("the family"),
})
REACH_LABELS = labels(Reach, {
    Reach.TWO_WAY: _l("two-way conversation"),
    Reach.ONE_WAY: _l("one-way message"),
    Reach.NOT_REACHED: _l("did not reach them"),
})
TONE_LABELS = labels(Tone, {
    Tone.POSITIVE: _l("positive"),
    Tone.NEUTRAL: _l("neutral"),
    Tone.CONCERN: _l("concern"),
})



class GroupContact(db.Model):
    """A contact at class or school level: an activity with attendance, or a broadcast.

    Attendance creates one ContactMoment per family (group_id points here); a
    broadcast has none and shows in the timelines of the families it went to.
    """

    __tablename__ = "group_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("contact_forms.id"))
    # None = the whole school.
    class_id: Mapped[int | None] = mapped_column(ForeignKey("school_classes.id"), index=True)
    occurred_on: Mapped[dt.date] = mapped_column(index=True)
    title: Mapped[str | None] = mapped_column(String(160))
    note: Mapped[str | None] = mapped_column(Text)
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submission_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[dt.datetime | None]

    form: Mapped[ContactForm] = relationship()
    school_class: Mapped[SchoolClass | None] = relationship()  # noqa: F821
    logged_by: Mapped[User | None] = relationship()  # noqa: F821


class ContactMoment(db.Model):
    """One contact between the school and one household."""

    __tablename__ = "contact_moments"
    __table_args__ = (
        # A double tap or a resent request carries the same token: saved once.
        UniqueConstraint("submission_token", "household_id"),
        # A family's moments by day, with every column the summaries count (school.visibility.store):
        # recounting a family after a save reads a few pages of this index instead of one page of
        # the table per moment (a family's moments are spread over the table in the order logged).
        Index(
            "ix_contact_moments_household_day", "household_id", "occurred_on", "form_id", "reach",
            "initiative", "tone", "mediator", "caregiver_id", "group_id", "removed_at",
        ),
        # A user's own moments, newest first: today's list and the favourite forms.
        Index("ix_contact_moments_logged_by_created", "logged_by_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupils.id", ondelete="SET NULL"))
    # Which adult the school actually spoke to (never assumed to be the mother).
    caregiver_id: Mapped[int | None] = mapped_column(
        ForeignKey("caregivers.id", ondelete="SET NULL")
    )
    form_id: Mapped[int] = mapped_column(ForeignKey("contact_forms.id"), index=True)
    occurred_on: Mapped[dt.date] = mapped_column(index=True)
    initiative: Mapped[Initiative] = mapped_column(enum_type(Initiative, 8))
    reach: Mapped[Reach] = mapped_column(enum_type(Reach, 12))
    tone: Mapped[Tone] = mapped_column(enum_type(Tone, 8), default=Tone.NEUTRAL)
    mediator: Mapped[Mediator] = mapped_column(enum_type(Mediator, 24), default=Mediator.NONE)
    note: Mapped[str | None] = mapped_column(Text)
    confidential: Mapped[bool] = mapped_column(default=False)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_contacts.id", ondelete="CASCADE"), index=True
    )
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submission_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Removal is soft: the row stays for the audit trail, out of every count.
    removed_at: Mapped[dt.datetime | None]
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    household: Mapped[Household] = relationship()  # noqa: F821
    pupil: Mapped[Pupil | None] = relationship()  # noqa: F821
    caregiver: Mapped[Caregiver | None] = relationship()  # noqa: F821
    form: Mapped[ContactForm] = relationship()
    group: Mapped[GroupContact | None] = relationship()
    logged_by: Mapped[User | None] = relationship(foreign_keys=[logged_by_id])  # noqa: F821

    @property
    def quadrant(self) -> Quadrant:
        return self.form.quadrant
