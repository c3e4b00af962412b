"""A child typed at the intake who is already a pupil (same name, accents folded, and date of birth)
is offered for linking instead of being created a second time."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from school.schoolyear import today
from tests.factories.intake import form_values, intake_data
from tests.test_intake import school  # noqa: F401  (the fixture)


@pytest.fixture
def zoe(app, school):  # noqa: F811
    """Zoë Çelik as a roster import leaves her: a pupil of 1A in no household yet."""
    from school.extensions import db
    from school.families.enrolments import place
    from school.families.models import Pupil, SchoolClass

    with app.app_context():
        pupil = Pupil(first_name="Zoë", last_name="Çelik", birth_date=dt.date(2019, 3, 4),
                      external_key="1001")
        place(pupil, db.session.get(SchoolClass, school["1a"]), today())
        db.session.add(pupil)
        db.session.commit()
        return pupil.id


def pupils(app) -> int:
    from school.extensions import db
    from school.families.models import Pupil

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Pupil))


def typed_as(school, first: str, last: str, born: str):  # noqa: F811
    return intake_data(school, **{"children-0-first_name": first, "children-0-last_name": last,
                                  "children-0-birth_date": born})


def test_a_typed_child_who_is_a_pupil_is_offered_and_linked(app, client, login_as, school, zoe):  # noqa: F811
    from school.extensions import db
    from school.families.models import Pupil

    login_as("reception")
    response = client.post("/families/intake", data=typed_as(school, "ZOE", "celik", "2019-03-04"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="known-pupils-alert"' in html and "Er is nog niets bewaard" in html
    assert f'name="link_pupil" value="{zoe}"' in html
    assert pupils(app) == 1  # nothing saved
    data = form_values(html)
    data["link_pupil"] = str(zoe)
    html = client.post("/families/intake", data=data).get_data(as_text=True)
    # the row she was typed in becomes the link: no second row for her
    assert f'name="children-0-pupil_id" type="hidden" value="{zoe}"' in html
    assert 'name="children-2-first_name"' not in html
    data = form_values(html)
    data["finish"] = "1"
    response = client.post("/families/intake", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert pupils(app) == 2  # Zoë linked, Emre new
    with app.app_context():
        linked = db.session.get(Pupil, zoe)
        assert len(linked.households) == 1 and linked.external_key == "1001"


def test_saving_again_adds_a_new_child_after_all(app, client, login_as, school, zoe):  # noqa: F811
    login_as("reception")
    response = client.post("/families/intake", data=typed_as(school, "Zoë", "Çelik", "2019-03-04"))
    assert response.status_code == 422
    data = form_values(response.get_data(as_text=True))
    data["finish"] = "1"
    response = client.post("/families/intake", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert pupils(app) == 3


@pytest.mark.parametrize(("first", "last", "born"), [
    ("Zoë", "Çelik", "2019-03-05"),  # another date of birth
    ("Zoë", "Peeters", "2019-03-04"),  # another last name
    ("Zoë", "Çelik", ""),  # no date of birth: no match on the name alone
])
def test_another_child_is_not_offered(app, client, login_as, school, zoe, first, last, born):  # noqa: F811
    login_as("reception")
    response = client.post("/families/intake", data=typed_as(school, first, last, born))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert pupils(app) == 3


def test_a_pupil_who_left_is_not_offered(app, client, login_as, school, zoe):  # noqa: F811
    from school.extensions import db
    from school.families.models import Pupil

    with app.app_context():
        db.session.get(Pupil, zoe).left_on = today()
        db.session.commit()
    login_as("reception")
    response = client.post("/families/intake", data=typed_as(school, "Zoë", "Çelik", "2019-03-04"))
    assert response.status_code == 302
