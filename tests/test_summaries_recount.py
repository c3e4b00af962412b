"""The summaries kept up to date on write (school.visibility.store) equal a full recount.

Every write path changes the contact log here — the quick log, several
families at once, group activities with attendance, broadcasts, undo, soft
removal, corrections, removing a group activity, moving a form to another
quadrant, a caregiver's kinship, direct and bulk inserts, an erasure — and
after each step:

- the stored rows equal the rows counted from scratch from `contact_moments`;
- the school's daily counts equal a GROUP BY over the log;
- every family's summary read from the store equals the one counted by the
  set-based SQL over the log (`build_summaries(..., stored=False)`), for
  today, an earlier day and several windows;
- the dashboard's figures from the summaries equal those counted from the log.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from sqlalchemy import insert, select

from school import schoolyear
from school.accounts.models import User
from school.catalogue import ContactForm
from school.contacts import service
from school.contacts.models import ContactMoment, Initiative, Mediator, Reach, Tone
from school.extensions import db
from school.families.models import Caregiver, Household, Kinship, Level, Pupil, SchoolClass, SchoolYear
from school.grid import Quadrant
from school.privacy import service as privacy
from school.visibility import store
from school.visibility.summary import build_summaries
from tests.factories.recount import recounted_rows, stored_rows
from tests.factories.rows import enrolled, form

_tokens = itertools.count(1)
LOG_SIZE = 64  # the contacts per family the store once kept in a log: a window may hold more


def token() -> str:
    return f"recount-token-{next(_tokens):06d}"


def check(director_id: int | None = None) -> None:
    """Everything stored equals what the contact log says now."""
    store.sync()
    stored, recounted = stored_rows(), recounted_rows()
    assert stored[0] == recounted[0], "per family and quadrant"
    assert stored[1] == recounted[1], "per family and school year"
    assert stored[2] == recounted[2], "per day"
    assert stored[3] == recounted[3], "per family and day"
    ids = list(db.session.scalars(select(Household.id)))
    today = schoolyear.today()
    for day in (
        today,
        today - dt.timedelta(days=20),
        schoolyear.span_for(today).start - dt.timedelta(days=1),
    ):
        for window in (14, 60, 365):
            from_store = build_summaries(ids, day, window)
            from_log = build_summaries(ids, day, window, stored=False)
            assert from_store == from_log, (day, window)
    if director_id is not None:
        check_dashboard(director_id)


def check_dashboard(director_id: int) -> None:
    from school.dashboard import queries as dashboard

    user = db.session.get(User, director_id)
    filters, _years, classes = dashboard.load({})
    from_summaries = dashboard.build(user, filters, classes)
    original = store.exact_until
    try:
        store.exact_until = lambda *_args: False
        from_log = dashboard.build(user, filters, classes)
    finally:
        store.exact_until = original
    assert from_summaries == from_log


@pytest.fixture
def school(ctx, make_user):
    span = schoolyear.span_for(schoolyear.today())
    year = SchoolYear(starts_on=span.start, ends_on=span.end)
    a = SchoolClass(school_year=year, name="1A", level=Level.LAGER)
    b = SchoolClass(school_year=year, name="2B", level=Level.LAGER)
    db.session.add_all([year, a, b])
    db.session.flush()
    families = {}
    for n, (name, klass) in enumerate(
        [("Peeters", a), ("El Amrani", a), ("Nowak", a), ("Dubois", b), ("Janssens", b), ("Diallo", None)]
    ):
        h = Household(display_name=f"Gezin {name}", created_at=dt.datetime(2024, 6, 1, 12, 0))
        h.caregivers = [
            Caregiver(first_name="Sara", last_name=name, kinship=Kinship.MOTHER),
            Caregiver(first_name="Omar", last_name=name, kinship=Kinship.FATHER),
        ]
        if klass is not None:
            h.pupils = [Pupil(first_name=f"Kind{n}", last_name=name, enrolments=enrolled(klass))]
        db.session.add(h)
        families[name] = h
    db.session.flush()
    ids = {"families": {k: v.id for k, v in families.items()}, "class_a": a.id, "class_b": b.id}
    db.session.commit()  # (nothing of this session may be read before make_user: SQLite has one writer)
    ids["teacher"] = make_user("teacher", classes=(ids["class_a"], ids["class_b"]))
    ids["director"] = make_user("director")
    return ids


def _history(
    rng: random.Random, households: list[int], forms: list[ContactForm], n: int, user_id: int
) -> list[dict]:
    """Moments over this school year and the previous one (never after today)."""
    today = schoolyear.today()
    first = schoolyear.span_for(schoolyear.span_for(today).start - dt.timedelta(days=1)).start
    days = (today - first).days
    return [
        {
            "household_id": rng.choice(households),
            "form_id": rng.choice(forms).id,
            "occurred_on": first + dt.timedelta(days=rng.randrange(days + 1)),
            "initiative": rng.choice(list(Initiative)),
            "reach": rng.choice([Reach.TWO_WAY, Reach.TWO_WAY, Reach.ONE_WAY, Reach.NOT_REACHED]),
            "tone": rng.choice(list(Tone)),
            "mediator": rng.choice([Mediator.NONE, Mediator.NONE, Mediator.BRIDGE_FIGURE, Mediator.CHILD]),
            "logged_by_id": user_id,
            "submission_token": token(),
        }
        for _ in range(n)
    ]


def test_every_write_path_keeps_the_summaries_equal_to_a_recount(school):
    teacher = db.session.get(User, school["teacher"])
    director = db.session.get(User, school["director"])
    f = school["families"]
    gate, call, letter, report = (
        form(c) for c in ("gate_conversation", "spontaneous_call", "diary_message", "report")
    )
    evening = form("info_evening")
    newsletter = db.session.scalar(select(ContactForm).where(ContactForm.is_broadcast.is_(True)))
    today = schoolyear.today()
    check(director.id)

    # A history, loaded in bulk (as the demo school is), then in the ORM one by one.
    rng = random.Random(9)
    forms = [gate, call, letter, report, evening]
    db.session.execute(insert(ContactMoment), _history(rng, list(f.values()), forms, 120, teacher.id))
    db.session.commit()
    check(director.id)
    for row in _history(rng, list(f.values()), forms, 30, teacher.id):
        db.session.add(ContactMoment(**row))
    db.session.commit()
    check(director.id)

    # The quick log, and several families at once (a resend saves nothing new).
    one = service.log_moments(teacher, [f["Peeters"]], form=gate, token=token(), occurred_on=today)
    several_token = token()
    service.log_moments(
        teacher,
        [f["Nowak"], f["Dubois"]],
        form=call,
        token=several_token,
        occurred_on=today - dt.timedelta(days=3),
        reach=Reach.NOT_REACHED,
    )
    service.log_moments(
        teacher,
        [f["Nowak"], f["Dubois"]],
        form=call,
        token=several_token,
        occurred_on=today - dt.timedelta(days=3),
        reach=Reach.NOT_REACHED,
    )
    check(director.id)

    # A group activity with attendance, and a broadcast (which reaches nobody).
    group = service.log_activity(
        teacher,
        form=evening,
        class_id=school["class_a"],
        occurred_on=today,
        token=token(),
        came=[f["Peeters"], f["El Amrani"]],
        not_came=[f["Nowak"]],
    )
    service.log_broadcast(
        teacher, form=newsletter, class_id=school["class_a"], occurred_on=today, token=token()
    )
    check(director.id)

    # Undo, soft removal, a correction (another form, reach, tone and day), removing the activity.
    service.undo(teacher, one.moments[0].submission_token)
    victim = db.session.scalar(
        select(ContactMoment)
        .where(ContactMoment.household_id == f["Janssens"], ContactMoment.removed_at.is_(None))
        .limit(1)
    )
    service.remove_moment(director, victim)
    check(director.id)
    target = db.session.scalar(
        select(ContactMoment)
        .where(
            ContactMoment.household_id == f["El Amrani"],
            ContactMoment.removed_at.is_(None),
            ContactMoment.group_id.is_(None),
        )
        .limit(1)
    )
    service.update_moment(
        director,
        target,
        version=target.version,
        form=report,
        reach=Reach.ONE_WAY,
        tone=Tone.CONCERN,
        occurred_on=today - dt.timedelta(days=1),
    )
    check(director.id)
    service.remove_group(teacher, group.group)
    check(director.id)

    # The catalogue: a form moves to another quadrant (its old moments move with it).
    service.update_form(
        letter,
        name=letter.name,
        quadrant=Quadrant.INFORMAL_ORAL,
        level=letter.level,
        is_broadcast=False,
        active=True,
    )
    check(director.id)

    # A caregiver's kinship changes (the dashboard's "which adults").
    carer = db.session.scalar(select(Caregiver).where(Caregiver.household_id == f["Peeters"]).limit(1))
    db.session.execute(
        insert(ContactMoment),
        [
            {
                "household_id": f["Peeters"],
                "form_id": gate.id,
                "occurred_on": today,
                "initiative": Initiative.SCHOOL,
                "reach": Reach.TWO_WAY,
                "caregiver_id": carer.id,
                "submission_token": token(),
            }
        ],
    )
    db.session.commit()
    carer.kinship = Kinship.GRANDPARENT
    db.session.commit()
    check(director.id)

    # An erasure: the family's summaries go, the school's daily counts follow.
    privacy.erase_household(db.session.get(Household, f["Dubois"]), reason="request", user=director)
    check(director.id)
    assert not db.session.scalars(
        select(store.FamilyYearSummary).where(store.FamilyYearSummary.household_id == f["Dubois"])
    ).all()


def test_a_family_with_more_contacts_than_the_log_keeps_is_counted_from_the_log(school):
    """More contacts in the window than LOG_SIZE: the summary is still exact (counted from the log)."""
    teacher_id = school["teacher"]
    household_id = school["families"]["Peeters"]
    today = schoolyear.today()
    start = schoolyear.span_for(today).start
    gate = form("gate_conversation")
    days = max(1, (today - start).days)
    db.session.execute(
        insert(ContactMoment),
        [
            {
                "household_id": household_id,
                "form_id": gate.id,
                "occurred_on": start + dt.timedelta(days=i % days),
                "initiative": Initiative.SCHOOL,
                "reach": Reach.TWO_WAY,
                "logged_by_id": teacher_id,
                "tone": Tone.CONCERN if i % 3 else Tone.NEUTRAL,
                "submission_token": token(),
            }
            for i in range(LOG_SIZE + 20)
        ],
    )
    db.session.commit()
    counted = db.session.scalars(select(store.FamilyDayCount.reached).where(
        store.FamilyDayCount.household_id == household_id, store.FamilyDayCount.day >= start))
    assert sum(counted) == LOG_SIZE + 20
    check()


def gate_conversation_today(household_id: int) -> ContactMoment:
    return ContactMoment(
        household_id=household_id,
        form=form("gate_conversation"),
        occurred_on=schoolyear.today(),
        initiative=Initiative.SCHOOL,
        reach=Reach.TWO_WAY,
        submission_token=token(),
    )


def test_a_rolled_back_write_leaves_the_summaries_as_they_were(school):
    household_id = school["families"]["Nowak"]
    db.session.add(gate_conversation_today(household_id))
    db.session.flush()
    store.sync()
    assert db.session.scalars(select(store.FamilyYearSummary)).all()
    db.session.rollback()
    assert db.session.scalars(select(store.FamilyYearSummary)).all() == []
    check()


def test_a_moment_committed_without_a_flush_is_counted_at_the_commit(school):
    """The commit's own flush comes after the before-commit hook: the hook must flush first."""
    household_id = school["families"]["Nowak"]
    db.session.add(gate_conversation_today(household_id))
    db.session.commit()
    assert not any(db.session.info.get(key) for key in store._PENDING_KEYS)
    year_start = schoolyear.span_for(schoolyear.today()).start
    row = db.session.get(store.FamilyYearSummary, (household_id, year_start))
    assert row is not None and row.last_personal_on == schoolyear.today()
    check()


def test_rebuilding_everything_gives_the_same_rows(school):
    teacher_id = school["teacher"]
    rng = random.Random(3)
    forms = [form(c) for c in ("gate_conversation", "report", "planned_call", "diary_message")]
    db.session.execute(
        insert(ContactMoment), _history(rng, list(school["families"].values()), forms, 80, teacher_id)
    )
    db.session.commit()
    kept = stored_rows()
    store.rebuild_all()
    db.session.commit()
    assert stored_rows() == kept
