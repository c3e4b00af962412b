"""The demo school loaded by `flask seed-demo` (school.demo).

Seeding takes a second or two, so one test seeds the school once and checks it
through small helpers. "Today" is pinned to a day in the autumn term, so the
counts do not depend on the day the suite runs; the last test seeds on the
edges of the school year.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from school import demo, schoolyear
from school.accounts.models import Role, User
from school.catalogue import ContactForm
from school.cli import init_school
from school.contacts.models import ContactMoment, GroupContact, Reach
from school.extensions import db
from school.families.enrolments import families_on, in_force
from school.families.models import (
    Caregiver,
    Enrolment,
    Household,
    Kinship,
    Pupil,
    SchoolClass,
    household_pupils,
)
from school.grid import QUADRANTS, Quadrant
from school.settings import Setting
from school.visibility.models import FollowUp, FollowUpStatus

TODAY = dt.date(2026, 11, 21)


def test_demo_school(ctx, monkeypatch):
    monkeypatch.setattr(schoolyear, "today", lambda: TODAY)
    init_school()
    assert demo.seed() is True
    _seed_is_idempotent_and_prints_the_logins()
    _the_school_and_its_families()
    _the_contact_moments()
    _less_visible_families_raise_their_signal()
    _two_school_years_of_classes()


@pytest.mark.parametrize("today", [dt.date(2026, 9, 1), dt.date(2027, 7, 20)], ids=["first-day", "summer"])
def test_seeding_works_on_any_day_of_the_year(ctx, monkeypatch, today):
    monkeypatch.setattr(schoolyear, "today", lambda: today)
    init_school()
    assert demo.seed() is True
    assert db.session.scalar(select(func.max(ContactMoment.occurred_on))) <= today
    start = schoolyear.span_for(today).start
    first = db.session.scalar(select(func.min(ContactMoment.occurred_on)))
    assert first >= start.replace(year=start.year - 1)


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.subquery()))


def _quadrant_counts(since: dt.date, until: dt.date) -> dict[Quadrant, int]:
    rows = db.session.execute(
        select(ContactForm.quadrant, func.count())
        .select_from(ContactMoment)
        .join(ContactForm, ContactForm.id == ContactMoment.form_id)
        .where(ContactMoment.occurred_on.between(since, until))
        .group_by(ContactForm.quadrant)
    ).all()
    return {quadrant: n for quadrant, n in rows}


def _seed_is_idempotent_and_prints_the_logins() -> None:
    moments = _count(select(ContactMoment.id))
    assert demo.seed() is False  # the second run changes nothing
    assert _count(select(ContactMoment.id)) == moments
    assert _count(select(User.id).where(User.email == demo.ADMIN_EMAIL)) == 1

    lines: list[str] = []
    demo.print_logins(lines.append)
    text = "\n".join(lines)
    assert demo.DEMO_URL in text
    assert len(demo.DEMO_PASSWORD) >= 12
    for role in Role:
        assert role.value in text
    teacher = db.session.scalar(select(User).where(User.email == db.session.get(
        Setting, demo.MARKER_KEY).value["login_teacher"]))
    assert teacher is not None and teacher.role is Role.TEACHER
    assert teacher.email in text and all(demo.DEMO_PASSWORD in line for line in lines[1:])
    # every demo account signs in with the shared password
    from school.accounts.passwords import verify_password

    assert verify_password(teacher.password_hash, demo.DEMO_PASSWORD)


def _the_school_and_its_families() -> None:
    roles = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    assert set(roles) == set(Role)
    assert roles[Role.TEACHER] >= 12 and roles[Role.CARE] >= 2

    start = schoolyear.span_for(TODAY).start
    this_year = SchoolClass.school_year.has(starts_on=start)
    classes = db.session.scalars(select(SchoolClass).where(this_year)).all()
    assert len(classes) == 12 and all(c.teachers for c in classes)

    # The school today; last year's sixth graders (two classes) left with their families.
    households = _count(select(Household.id).where(Household.pupils.any(Pupil.left_on.is_(None))))
    pupils = _count(select(Pupil.id).where(Pupil.left_on.is_(None)))
    assert 230 <= households <= 270 and 300 <= pupils <= 360
    assert _count(select(Pupil.id).where(Pupil.left_on == start)) == 52
    in_two_homes = _count(
        select(household_pupils.c.pupil_id).group_by(household_pupils.c.pupil_id).having(func.count() > 1)
    )
    assert in_two_homes >= 5
    kinships = set(db.session.scalars(select(Caregiver.kinship).distinct()))
    assert {Kinship.GRANDPARENT, Kinship.FOSTER_PARENT, Kinship.GUARDIAN, Kinship.FATHER} <= kinships
    assert _count(select(Household.id).where(Household.interpreter_needed)) >= 10
    languages = dict(db.session.execute(
        select(Household.contact_language, func.count()).group_by(Household.contact_language)).all())
    assert languages["nl"] > households / 2 and len(languages) >= 6

    # Kleuters are about three, the sixth grade about eleven (ages on 1 September).
    for name, youngest, oldest in (("K1A", 2, 3), ("L6A", 10, 11)):
        births = db.session.scalars(
            select(Pupil.birth_date).join(Enrolment).join(SchoolClass)
            .where(SchoolClass.name == name, this_year)
        )
        for born in births:
            age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
            assert youngest <= age <= oldest, (name, born)


def _the_contact_moments() -> None:
    year = schoolyear.span_for(TODAY)
    assert db.session.scalar(select(func.max(ContactMoment.occurred_on))) <= TODAY
    assert db.session.scalar(select(func.max(GroupContact.occurred_on))) <= TODAY
    assert 6_000 <= _count(select(ContactMoment.id)) <= 14_500  # with last year's sixth grade

    this_year = _quadrant_counts(year.start, TODAY)
    assert set(this_year) == set(QUADRANTS)
    last_year_start = year.start.replace(year=year.start.year - 1)
    last_year = _quadrant_counts(last_year_start, year.start - dt.timedelta(days=1))
    for counts in (this_year, last_year):
        assert counts[Quadrant.FORMAL_WRITTEN] > counts[Quadrant.INFORMAL_ORAL]

    # Broadcasts are logged once, with no per-family moments; activities have attendance.
    broadcast_moments = select(ContactMoment.id).join(ContactForm).where(ContactForm.is_broadcast)
    assert _count(broadcast_moments) == 0
    assert _count(select(GroupContact.id).join(ContactForm).where(ContactForm.is_broadcast)) > 0
    attendance = dict(db.session.execute(
        select(ContactMoment.reach, func.count()).where(ContactMoment.group_id.is_not(None))
        .group_by(ContactMoment.reach)).all())
    assert attendance[Reach.TWO_WAY] > attendance[Reach.NOT_REACHED] > 0

    tokens = select(ContactMoment.submission_token).group_by(ContactMoment.submission_token).having(
        func.count() > 1)
    assert _count(tokens) == 0
    # The school speaks with fathers and grandparents too, not only with mothers.
    spoken_to = set(db.session.scalars(
        select(Caregiver.kinship).join(ContactMoment, ContactMoment.caregiver_id == Caregiver.id).distinct()))
    assert {Kinship.FATHER, Kinship.GRANDPARENT} <= spoken_to


def _two_school_years_of_classes() -> None:
    """Last year every class had its own pupils: one level lower, the sixth grade that left since,
    a pupil who changed class in January; this year some arrived after the first day."""
    this_start = schoolyear.span_for(TODAY).start
    last_end = this_start - dt.timedelta(days=1)
    last_start = schoolyear.span_for(last_end).start
    names = {c.id: (c.name, c.school_year.starts_on) for c in db.session.scalars(select(SchoolClass))}
    order = {c.name: c.sort_order for c in db.session.scalars(select(SchoolClass))}

    def per_class(day: dt.date) -> dict[str, set[int]]:
        found: dict[str, set[int]] = {}
        for household_id, class_id in db.session.execute(families_on(day)):
            found.setdefault(names[class_id][0], set()).add(household_id)
        return found

    last_year, this_year = per_class(last_end), per_class(TODAY)
    assert set(last_year) == set(this_year) == set(order)  # every class has families, both years
    assert all(names[c][1] == last_start for _h, c in db.session.execute(families_on(last_end)))
    # The sixth graders of last year are in no class now; their families had last year's contacts.
    gone = last_year["L6A"] | last_year["L6B"]
    assert not gone & set().union(*this_year.values())
    assert _count(select(ContactMoment.id).where(
        ContactMoment.household_id.in_(gone), ContactMoment.occurred_on.between(last_start, last_end))) > 500
    # Everyone who was here both years moved up a level.
    pupils = db.session.scalars(select(Pupil).where(Pupil.left_on.is_(None))).all()
    moved = [p for p in pupils if p.class_on(last_end) is not None]
    assert moved and all(order[p.class_on(TODAY).name] > order[p.class_on(last_end).name] for p in moved)
    # The kleuters of K1 arrived this year; a few families arrived after the first day.
    assert all(p.class_on(last_end) is None for p in pupils if p.class_on(TODAY).name.startswith("K1"))
    assert _count(select(Enrolment.id).where(Enrolment.started_on > this_start)) >= 5
    # One pupil changed class in January last year: counted in L1A in December, in L1B in February.
    (changer,) = [p for p in pupils if len([e for e in p.enrolments if e.started_on <= last_end]) == 2]
    december, february = dt.date(last_start.year, 12, 15), dt.date(last_end.year, 2, 15)
    assert (changer.class_on(december).name, changer.class_on(february).name) == ("L1A", "L1B")


def _less_visible_families_raise_their_signal() -> None:
    from school.visibility.signals import CODES, evaluate
    from school.visibility.summary import build_summaries

    marker = db.session.get(Setting, demo.MARKER_KEY).value["less_visible"]
    assert set(marker) == set(CODES)
    assert all(marker[code] for code in CODES)

    ids = {hid for hids in marker.values() for hid in hids}
    summaries = build_summaries(ids, TODAY, 60)
    for code, hids in marker.items():
        for hid in hids:
            fired = {signal.code for signal in evaluate(summaries[hid])}
            assert code in fired, (code, hid, fired)

    # The teacher shown by print_logins has less-visible families in class.
    teacher = db.session.scalar(select(User).where(User.email == db.session.get(
        Setting, demo.MARKER_KEY).value["login_teacher"]))
    own = set(db.session.scalars(
        select(household_pupils.c.household_id).join(Pupil, Pupil.id == household_pupils.c.pupil_id)
        .join(Enrolment, Enrolment.pupil_id == Pupil.id)
        .where(Enrolment.class_id.in_([c.id for c in teacher.classes]), in_force(TODAY))))
    assert len(own & ids) >= 2

    statuses = set(db.session.scalars(select(FollowUp.status)))
    assert {FollowUpStatus.OPEN, FollowUpStatus.DONE} <= statuses
    assert _count(select(FollowUp.id).where(FollowUp.due_on < TODAY, FollowUp.status == FollowUpStatus.OPEN))

