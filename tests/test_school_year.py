"""The school year as a cycle: a pupil's class through time (school.families.enrolments).

Last school year (2025-2026) and this one (2026-2027, today is TODAY): 3A of last year and 3A
of this year are two classes with their own pupils and teachers.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from school.accounts.models import User
from school.config import normalise_database_url
from school.dashboard import queries as dashboard
from school.extensions import db
from school.families.enrolments import families_on, place
from school.families.models import Enrolment, Pupil, SchoolClass
from school.families.scope import visible_household_ids
from tests.factories.app import login, make_app
from tests.factories.rows import TODAY, household, in_app, moment, school_class

pytestmark = pytest.mark.usefixtures("frozen_today")

LAST_YEAR = dt.date(2025, 9, 1)
LAST_YEAR_END = dt.date(2026, 8, 31)
JANUARY = dt.date(2026, 1, 12)  # the first school day after the Christmas holiday
THIS_YEAR = dt.date(2026, 9, 1)


def families_in_view(html: str) -> int:
    return int(re.search(r'id="dashboard-families">(\d+)', html).group(1))


def class_rows(user_id: int, **args) -> dict[str, tuple[int, int]]:
    """Per class name of the chosen year: (families in view, families reached)."""
    user = db.session.get(User, user_id)
    filters, _years, classes = dashboard.load(args, TODAY)
    built = dashboard.build(user, filters, classes)
    return {row.name: (row.families, row.reached_any) for row in built.classes}


@pytest.fixture
def two_years(app, make_user):
    """Last year: 3A (juf An) with Lien, Tom and Noor; Noor moved to 3B (meester Bart) in January.
    This year Lien and Noor are in 4A (meester Bart), Tom stays in 3A (juf An again)."""

    def build():
        a_last, b_last = school_class("3A", starts=LAST_YEAR), school_class("3B", starts=LAST_YEAR)
        a_now, four_now = school_class("3A"), school_class("4A")

        def child(name: str, family: str, *history: tuple[SchoolClass, dt.date, dt.date | None]):
            pupil = Pupil(first_name=name, last_name=family, enrolments=[
                Enrolment(school_class=klass, started_on=start, ended_on=end) for klass, start, end in history
            ])
            return household(f"Gezin {family}", pupils=(pupil,))

        lien = child("Lien", "Peeters", (a_last, LAST_YEAR, LAST_YEAR_END), (four_now, THIS_YEAR, None))
        tom = child("Tom", "Janssens", (a_last, LAST_YEAR, LAST_YEAR_END), (a_now, THIS_YEAR, None))
        noor = child("Noor", "Maes", (a_last, LAST_YEAR, None))
        place(noor.pupils[0], b_last, JANUARY)  # closes 3A the day before
        place(noor.pupils[0], four_now, THIS_YEAR)  # closes 3B on 31 August
        # Last year's contacts: the Peeters family in October, the Maes family in November (in 3A)
        # and in March (in 3B); this year's: Tom's family.
        moment(lien, "gate_conversation", dt.date(2025, 10, 6))
        moment(noor, "gate_conversation", dt.date(2025, 11, 17))
        moment(noor, "gate_conversation", dt.date(2026, 3, 9))
        moment(tom, "gate_conversation", dt.date(2026, 10, 5))
        db.session.flush()
        return {
            "a_last": a_last.id, "b_last": b_last.id, "a_now": a_now.id, "four_now": four_now.id,
            "lien": lien.id, "tom": tom.id, "noor": noor.id,
        }

    ids = in_app(app, build)
    ids["an"] = make_user("teacher", name="Juf An", classes=(ids["a_last"], ids["a_now"]))
    ids["bart"] = make_user("teacher", name="Meester Bart", classes=(ids["b_last"], ids["four_now"]))
    ids["director"] = make_user("director")
    return ids


def test_a_class_change_in_january_is_two_enrolments_that_meet(app, two_years):
    with app.app_context():
        noor = db.session.scalar(select(Pupil).where(Pupil.first_name == "Noor"))
        spans = [(e.school_class.name, e.started_on, e.ended_on) for e in noor.enrolments]
        assert spans == [
            ("3A", LAST_YEAR, JANUARY - dt.timedelta(days=1)),
            ("3B", JANUARY, LAST_YEAR_END),
            ("4A", THIS_YEAR, None),
        ]
        assert place(noor, db.session.get(SchoolClass, two_years["four_now"]), TODAY) is None  # already there


def test_a_pupil_who_changed_class_in_january_counts_for_each_class_on_its_days(app, two_years):
    ids = two_years
    with app.app_context():
        def on(day):
            return set(db.session.execute(families_on(day, [ids["a_last"], ids["b_last"]])).tuples())

        assert (ids["noor"], ids["a_last"]) in on(dt.date(2025, 12, 19))
        assert (ids["noor"], ids["b_last"]) not in on(dt.date(2025, 12, 19))
        assert (ids["noor"], ids["b_last"]) in on(dt.date(2026, 2, 2))
        assert (ids["noor"], ids["a_last"]) not in on(dt.date(2026, 2, 2))
        assert on(dt.date(2026, 9, 1)) == set()  # last year's classes hold nobody this year

        # The dashboard asks for the end day of its period: up to the Christmas holiday Noor's
        # family (reached in November) is 3A's; over the whole year it is 3B's (reached in March).
        december = class_rows(ids["director"], year="2025-2026", to="2025-12-19")
        assert december == {"3A": (3, 2), "3B": (0, 0)}
        whole_year = class_rows(ids["director"], year="2025-2026")
        assert whole_year == {"3A": (2, 1), "3B": (1, 1)}


def test_a_teacher_of_last_years_class_no_longer_sees_its_families_unless_she_still_teaches_them(
    app, two_years
):
    ids = two_years
    an, bart = app.test_client(), app.test_client()
    login(an, app, ids["an"])
    login(bart, app, ids["bart"])
    # Juf An taught all three last year; this year she teaches 3A, where only Tom stayed.
    assert an.get(f"/families/{ids['tom']}").status_code == 200
    assert an.get(f"/families/{ids['lien']}").status_code == 404
    assert an.get(f"/families/{ids['noor']}").status_code == 404
    # Meester Bart had Noor in 3B last year and has Lien and Noor in 4A now.
    for family in ("lien", "noor"):
        assert bart.get(f"/families/{ids[family]}").status_code == 200
    assert bart.get(f"/families/{ids['tom']}").status_code == 404
    with app.app_context():
        seen = set(db.session.scalars(visible_household_ids(db.session.get(User, ids["an"]))))
        assert seen == {ids["tom"]}


def test_last_years_dashboard_shows_last_years_classes_with_their_own_figures(app, two_years):
    ids = two_years
    client = app.test_client()
    login(client, app, ids["director"])
    last_year = client.get("/dashboard/?year=2025-2026").get_data(as_text=True)
    assert families_in_view(last_year) == 3  # not "0 gezinnen in beeld"
    this_year = client.get("/dashboard/?year=2026-2027").get_data(as_text=True)
    assert families_in_view(this_year) == 3
    with app.app_context():
        assert class_rows(ids["director"], year="2025-2026") == {"3A": (2, 1), "3B": (1, 1)}
        # This year's classes carry only this year's contacts.
        assert class_rows(ids["director"], year="2026-2027") == {"3A": (1, 1), "4A": (2, 0)}


def test_the_roster_and_the_family_form_move_a_pupil_from_the_day_of_the_change(app, two_years):
    """`place` keeps the class the pupil was in until yesterday, and corrects a class chosen today."""
    with app.app_context():
        tom = db.session.scalar(select(Pupil).where(Pupil.first_name == "Tom"))
        four = db.session.get(SchoolClass, two_years["four_now"])
        place(tom, four, TODAY)
        db.session.flush()
        assert [(e.school_class.name, e.started_on, e.ended_on) for e in tom.enrolments][1:] == [
            ("3A", THIS_YEAR, TODAY - dt.timedelta(days=1)), ("4A", TODAY, None),
        ]
        # A slip, corrected the same day: yesterday's class simply goes on.
        place(tom, db.session.get(SchoolClass, two_years["a_now"]), TODAY)
        db.session.commit()
        db.session.expire_all()
        assert [(e.school_class.name, e.started_on, e.ended_on) for e in tom.enrolments][1:] == [
            ("3A", THIS_YEAR, None),
        ]
        assert db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.pupil_id == tom.id)) == 2


@pytest.fixture
def empty_database_url(tmp_path, request) -> Iterator[str]:
    """A database of its own, with no schema yet: SQLite, or PostgreSQL when DATABASE_URL is set."""
    base = os.environ.get("DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'old.sqlite'}"
        return
    url = make_url(normalise_database_url(base))
    worker = getattr(request.config, "workerinput", {}).get("workerid", "master")
    name = f"{url.database}_migration_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_editing_a_teachers_account_keeps_her_classes_of_earlier_years(app, two_years, make_user):
    """The account form offers this year's classes; last year's stay linked (and unlisted)."""
    admin = app.test_client()
    login(admin, app, make_user("admin"))
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert re.search(r"Juf An</a></td>.*?<td>3A</td>", listing, re.S)  # this year's 3A, once
    response = admin.post(f"/admin/users/{two_years['an']}", data={
        "name": "Juf An", "email": "an@school.test", "role": "teacher", "locale": "",
        "classes": [str(two_years["four_now"])], "active": "y",
    })
    assert response.status_code == 302
    with app.app_context():
        an = db.session.get(User, two_years["an"])
        assert {c.id for c in an.classes} == {two_years["a_last"], two_years["four_now"]}


def test_an_existing_database_keeps_each_pupils_class_as_an_enrolment_of_its_year(
    tmp_path, empty_database_url
):
    """The migration: pupils.class_id becomes an enrolment from the first day of the class's year."""
    app = make_app(empty_database_url, tmp_path / "instance")
    with app.app_context():
        upgrade(revision="5d2e8f1a3c7b")
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO school_years (id, starts_on, ends_on) "
                                    "VALUES (1, '2026-09-01', '2027-08-31')"))
            connection.execute(text("INSERT INTO school_classes (id, school_year_id, name, level, "
                                    "sort_order) VALUES (7, 1, '3A', 'lager', 0)"))
            connection.execute(text("INSERT INTO pupils (id, first_name, last_name, class_id, created_at) "
                                    "VALUES (1, 'Lien', 'Peeters', 7, '2026-10-01 10:00:00'), "
                                    "(2, 'Bo', 'Maes', NULL, '2026-10-01 10:00:00')"))
            connection.execute(text(
                "INSERT INTO households (id, display_name, interpreter_needed, preferred_channels, "
                "preferred_times, info_explained, consent_external, intake_status, created_at, updated_at, "
                "version) VALUES (1, 'Gezin Peeters', false, '[]', '[]', '[]', false, 'none', "
                "'2026-10-01 10:00:00', '2026-10-01 10:00:00', 1)"
            ))
            connection.execute(text("INSERT INTO household_pupils (household_id, pupil_id) VALUES (1, 1)"))
        upgrade()
        assert "class_id" not in {c["name"] for c in inspect(db.engine).get_columns("pupils")}
        rows = db.session.execute(select(Enrolment.pupil_id, Enrolment.class_id, Enrolment.started_on,
                                         Enrolment.ended_on)).all()
        assert [tuple(r) for r in rows] == [(1, 7, dt.date(2026, 9, 1), None)]
        db.session.remove()
        # Rebuilding the pupils table (SQLite) must not take the families' children with it.
        links = text("SELECT household_id, pupil_id FROM household_pupils")
        with db.engine.connect() as connection:
            assert connection.execute(links).all() == [(1, 1)]
        downgrade(revision="5d2e8f1a3c7b")
        with db.engine.connect() as connection:
            classes = connection.execute(text("SELECT id, class_id FROM pupils ORDER BY id")).all()
            assert classes == [(1, 7), (2, None)]
            assert connection.execute(links).all() == [(1, 1)]
        db.engine.dispose()
