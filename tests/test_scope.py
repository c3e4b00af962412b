"""One scoping rule decides which families a user may see."""

import datetime as dt

from school.extensions import db
from school.families.models import Caregiver, Household, Kinship, Level, Pupil, SchoolClass, SchoolYear
from school.schoolyear import span_for
from tests.factories.app import login
from tests.factories.rows import enrolled


def _school(app, make_user):
    """Two classes, a teacher for each, a family in each, one child shared by two households."""
    with app.app_context():
        span = span_for(dt.date.today())
        year = SchoolYear(starts_on=span.start, ends_on=span.end)
        db.session.add(year)
        db.session.flush()
        k2 = SchoolClass(school_year_id=year.id, name="K2", level=Level.KLEUTER)
        l4 = SchoolClass(school_year_id=year.id, name="L4", level=Level.LAGER)
        db.session.add_all([k2, l4])
        db.session.commit()
        ids = {"k2": k2.id, "l4": l4.id}
    ids["juf_k2"] = make_user("teacher", classes=(ids["k2"],))
    ids["meester_l4"] = make_user("teacher", classes=(ids["l4"],))
    with app.app_context():
        mila = Pupil(first_name="Mila", last_name="Janssens", enrolments=enrolled(ids["k2"]))
        omar = Pupil(first_name="Omar", last_name="Benali", enrolments=enrolled(ids["l4"]))
        mother = Household(display_name="Gezin Janssens", pupils=[mila])
        father = Household(display_name="Gezin Peeters", pupils=[mila])  # separated parents
        other = Household(display_name="Gezin Benali", pupils=[omar])
        mother.caregivers.append(Caregiver(first_name="Sara", last_name="Janssens", kinship=Kinship.MOTHER))
        db.session.add_all([mother, father, other])
        db.session.commit()
        ids.update(mother=mother.id, father=father.id, other=other.id)
    return ids


def test_teacher_sees_only_families_of_their_classes(app, make_user):
    ids = _school(app, make_user)
    client = app.test_client()
    login(client, app, ids["juf_k2"])
    assert client.get(f"/families/{ids['mother']}").status_code == 200
    assert client.get(f"/families/{ids['father']}").status_code == 200  # the child's second home
    assert client.get(f"/families/{ids['other']}").status_code == 404
    listing = client.get("/families/").data
    assert b"Gezin Janssens" in listing and b"Gezin Peeters" in listing
    assert b"Gezin Benali" not in listing


def test_other_roles_see_every_family(app, make_user):
    ids = _school(app, make_user)
    for role in ("reception", "care", "director", "admin"):
        client = app.test_client()
        login(client, app, make_user(role))
        for key in ("mother", "father", "other"):
            assert client.get(f"/families/{ids[key]}").status_code == 200, (role, key)


def test_teacher_sees_a_family_they_follow_up(app, make_user):
    from school.visibility.models import Approach, FollowUp

    ids = _school(app, make_user)
    with app.app_context():
        db.session.add(FollowUp(household_id=ids["other"], owner_id=ids["juf_k2"], approach=Approach.GATE))
        db.session.commit()
    client = app.test_client()
    login(client, app, ids["juf_k2"])
    assert client.get(f"/families/{ids['other']}").status_code == 200


def test_a_pupil_who_left_no_longer_opens_the_family_to_the_teacher(app, make_user):
    from sqlalchemy import select

    ids = _school(app, make_user)
    with app.app_context():
        omar = db.session.scalar(select(Pupil).where(Pupil.first_name == "Omar"))
        omar.left_on = dt.date.today()
        db.session.commit()
    client = app.test_client()
    login(client, app, ids["meester_l4"])
    assert client.get(f"/families/{ids['other']}").status_code == 404


def test_anonymous_users_are_sent_to_login(app, make_user):
    ids = _school(app, make_user)
    response = app.test_client().get(f"/families/{ids['mother']}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
