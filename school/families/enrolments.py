"""A pupil's class through time: the one answer to "which class, which families of it, on this day".

A pupil's class is an enrolment (school.families.models.Enrolment): a class of one school year,
from a first day to a last day. Every question about classes is asked for a day — a teacher's
reach today, the dashboard of an earlier school year as it was at its end, the less-visible list
of a class — and answered by `in_force` here, in SQL and set-based (never one query per family).
`place` is the one way a pupil enters or changes class (intake, family edit, roster import).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, and_, or_, select

from school.families.models import Enrolment, Pupil, SchoolClass, household_pupils

ONE_DAY = dt.timedelta(days=1)


def in_force(day: dt.date | ColumnElement[dt.date]) -> ColumnElement[bool]:
    """The enrolments that hold on `day` (the query must join Pupil: a pupil who left holds none).

    The same rule as Pupil.enrolment_on, in SQL. `day` may be a column (a broadcast's date).
    """
    return and_(
        Enrolment.started_on <= day,
        or_(Enrolment.ended_on.is_(None), Enrolment.ended_on >= day),
        at_school(day),
    )


def at_school(day: dt.date | ColumnElement[dt.date]) -> ColumnElement[bool]:
    """The pupils who have not left the school by `day` (with or without a class)."""
    return or_(Pupil.left_on.is_(None), Pupil.left_on > day)


def families_on(day: dt.date, class_ids: Iterable[int] | Select | None = None) -> Select:
    """SELECT (household_id, class_id): the households with a child in a class on `day`.

    `class_ids` narrows it to some classes (a list, or a SELECT of class ids); a household with
    children in two classes gives two rows.
    """
    hp = household_pupils
    stmt = (
        select(hp.c.household_id.label("household_id"), Enrolment.class_id.label("class_id"))
        .join(Enrolment, Enrolment.pupil_id == hp.c.pupil_id)
        .join(Pupil, Pupil.id == hp.c.pupil_id)
        .where(in_force(day))
    )
    if class_ids is not None:
        wanted = class_ids if isinstance(class_ids, Select) else list(class_ids)
        stmt = stmt.where(Enrolment.class_id.in_(wanted))
    return stmt


def pupils_on(day: dt.date, class_ids: Iterable[int] | None = None) -> Select:
    """SELECT (pupil_id, class_id) of the pupils in a class on `day` (optionally some classes)."""
    stmt = select(Enrolment.pupil_id, Enrolment.class_id).join(Pupil, Pupil.id == Enrolment.pupil_id).where(
        in_force(day)
    )
    if class_ids is not None:
        stmt = stmt.where(Enrolment.class_id.in_(list(class_ids)))
    return stmt


def place(pupil: Pupil, klass: SchoolClass, on: dt.date) -> Enrolment | None:
    """Put `pupil` in `klass` from `on` (kept inside the class's school year); None when already there.

    The enrolment in force that day ends the day before. When it started that same day (the class
    was chosen wrongly and is corrected), it is corrected instead of leaving an enrolment of no
    days — and a correction back to yesterday's class simply reopens that one. An enrolment that
    starts later (next year's class, already known) stays, and the new one ends the day before it.
    Nothing is flushed or committed: the caller's transaction.
    """
    year = klass.school_year
    start = min(max(on, year.starts_on), year.ends_on)
    current = pupil.enrolment_on(start)
    if current is not None and current.school_class is klass:
        return None
    later = [e.started_on for e in pupil.enrolments if e.started_on > start]
    end = min(later) - ONE_DAY if later else (year.ends_on if year.ends_on < on else None)
    if current is not None and current.started_on == start:
        before = next((e for e in pupil.enrolments if e.ended_on == start - ONE_DAY), None)
        if before is not None and before.school_class is klass:
            pupil.enrolments.remove(current)
            before.ended_on = end
            return before
        current.school_class, current.ended_on = klass, end
        return current
    if current is not None:
        current.ended_on = start - ONE_DAY
    enrolment = Enrolment(school_class=klass, started_on=start, ended_on=end)
    pupil.enrolments.append(enrolment)
    return enrolment
