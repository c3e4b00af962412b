"""Row factories: one class, family, contact or agreement at a time, straight into the session.

They run inside an app context and flush (so ids are known) but never commit;
`in_app(app, build)` runs a builder in a context and commits what it made.
The visibility, family-page and dashboard tests build their schools with them,
on the fixed day TODAY (the `frozen_today` fixture makes it the school's today).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import TypeVar

from flask import Flask
from sqlalchemy import select

from school.catalogue import ContactForm
from school.contacts.models import ContactMoment, GroupContact, Initiative, Mediator, Reach, Tone
from school.extensions import db
from school.families.models import (
    ContactAgreement,
    Enrolment,
    Household,
    Level,
    Pupil,
    SchoolClass,
    SchoolYear,
)
from school.visibility.summary import summary_for

T = TypeVar("T")

TODAY = dt.date(2026, 11, 20)
LONG_AGO = dt.datetime(2025, 6, 1, 12, 0)
_tokens = itertools.count(1)


def in_app(app: Flask, fn: Callable[[], T]) -> T:
    """Run `fn` in an app context and commit what it made."""
    with app.app_context():
        result = fn()
        db.session.commit()
        return result


def form(code: str) -> ContactForm:
    return db.session.scalar(select(ContactForm).where(ContactForm.code == code))


def school_class(name: str = "3A", starts: dt.date = dt.date(2026, 9, 1)) -> SchoolClass:
    year = db.session.scalar(select(SchoolYear).where(SchoolYear.starts_on == starts))
    if year is None:
        year = SchoolYear(starts_on=starts, ends_on=dt.date(starts.year + 1, 8, 31))
        db.session.add(year)
    klass = SchoolClass(school_year=year, name=name, level=Level.LAGER)
    db.session.add(klass)
    db.session.flush()
    return klass


def enrolled(klass: SchoolClass | int, since: dt.date | None = None) -> list[Enrolment]:
    """A pupil's enrolments: in `klass` (or the class with that id) from `since`, by default the
    first day of the class's school year, still open: `Pupil(..., enrolments=enrolled(klass))`."""
    if isinstance(klass, int):
        klass = db.session.get(SchoolClass, klass)
    return [Enrolment(school_class=klass, started_on=since or klass.school_year.starts_on)]


def household(name: str = "Gezin Peeters", *, klass: SchoolClass | None = None, child: str = "Lien",
              created: dt.datetime = LONG_AGO, pupils: tuple[Pupil, ...] = (), **fields) -> Household:
    h = Household(display_name=name, created_at=created, **fields)
    if klass is not None:
        h.pupils.append(Pupil(first_name=child, last_name=name.split()[-1], enrolments=enrolled(klass)))
    h.pupils.extend(pupils)
    db.session.add(h)
    db.session.flush()
    return h


def moment(h: Household, code: str, on: dt.date, *, reach: Reach = Reach.TWO_WAY,
           initiative: Initiative = Initiative.SCHOOL, tone: Tone = Tone.NEUTRAL,
           mediator: Mediator = Mediator.NONE, removed: bool = False, group: GroupContact | None = None,
           note: str | None = None, confidential: bool = False, logged_by_id: int | None = None,
           ) -> ContactMoment:
    m = ContactMoment(
        household_id=h.id, form=form(code), occurred_on=on, reach=reach, initiative=initiative, tone=tone,
        mediator=mediator, group=group, submission_token=f"t{next(_tokens)}", note=note,
        confidential=confidential, logged_by_id=logged_by_id,
        removed_at=dt.datetime(2026, 11, 1, 9, 0) if removed else None,
    )
    db.session.add(m)
    db.session.flush()
    return m


def agreement(h: Household, code: str, *, every_days: int | None = None, occasion: str | None = None,
              agreed_on: dt.date | None = None, active: bool = True) -> ContactAgreement:
    a = ContactAgreement(household_id=h.id, form=form(code), every_days=every_days, occasion=occasion,
                         agreed_on=agreed_on, active=active)
    db.session.add(a)
    db.session.flush()
    return a


def summarise(h: Household, today: dt.date = TODAY, recent_days: int = 60):
    return summary_for(h.id, today, recent_days)
