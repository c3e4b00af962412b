"""Group activities with attendance: one moment per family that came."""

from __future__ import annotations

import json

import pytest

from school.contacts.models import ContactMoment, GroupContact
from tests.factories.app import login
from tests.factories.reads import audit_actions, count, form_id, moments
from tests.factories.small_school import FAMILIES_1A, build_school

TOKEN = "activity-" + "c" * 24


@pytest.fixture
def school(app):
    return build_school(app)


@pytest.fixture
def teacher(app, make_user, school):
    return make_user("teacher", classes=(school.class_a,))


def activity(school, came, *, form, audience=None, record_absent=False, **extra):
    data = {
        "form_id": form,
        "audience": audience or school.class_a,
        "came": [school.households[f] for f in came],
        "submission_token": TOKEN,
        **extra,
    }
    if record_absent:
        data["record_absent"] = "y"
    return data


def test_teacher_gets_the_class_list_of_her_own_class(client, app, school, teacher):
    login(client, app, teacher)
    html = client.get("/contacts/group/new").get_data(as_text=True)
    assert html.count('name="came"') == len(FAMILIES_1A)
    assert f'<option value="{school.class_a}" selected>1A</option>' in html
    assert "2B" not in html and "De hele school" not in html  # only her class
    assert f'id="activity-form-{form_id(app, "info_evening")}"' in html
    assert f'id="activity-form-{form_id(app, "newsletter")}"' not in html


def test_switching_the_class_answers_with_the_fragment(htmx, app, school, make_user):
    login(htmx, app, make_user("care"))
    response = htmx.get(f"/contacts/group/new?audience={school.class_b}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "Lucas Dubois" in html and "Emma Peeters" not in html and "Adam El Amrani" in html


def test_infoavond_with_attendance_and_missed_families(client, app, school, teacher):
    login(client, app, teacher)
    came = ("Peeters", "El Amrani", "Nowak")
    response = client.post(
        "/contacts/group/new",
        data=activity(
            school, came, form=form_id(app, "info_evening"), record_absent=True, title="Infoavond 1A"
        ),
    )
    assert response.status_code == 302
    assert "/contacts/group/" in response.headers["Location"]
    saved = moments(app)
    reached = sorted(m["household_id"] for m in saved if m["reach"] == "two_way")
    missed = sorted(m["household_id"] for m in saved if m["reach"] == "not_reached")
    assert reached == sorted(school.households[f] for f in came)
    assert missed == sorted(school.households[f] for f in ("Janssens", "Diallo"))
    assert {m["form"] for m in saved} == {"info_evening"} and {m["quadrant"] for m in saved} == {
        "formal_oral"
    }
    assert len({m["group_id"] for m in saved}) == 1 and saved[0]["group_id"] is not None
    assert len(audit_actions(app, "contact.created")) == 5
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 gezinnen kwamen" in page and "Uitgenodigd, niet gekomen" in page and "Infoavond 1A" in page
    # Sent twice: the same activity, nothing new.
    again = client.post(
        "/contacts/group/new",
        data=activity(school, came, form=form_id(app, "info_evening"), record_absent=True),
    )
    assert again.status_code == 302 and again.headers["Location"] == response.headers["Location"]
    assert len(moments(app)) == 5
    with app.app_context():
        assert count(app, GroupContact) == 1


def test_without_recording_the_absent_only_who_came_gets_a_moment(htmx, app, school, teacher):
    login(htmx, app, teacher)
    response = htmx.post(
        "/contacts/group/new", data=activity(school, ("Diallo",), form=form_id(app, "class_meeting"))
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="saved-activity"' in html and "1 gezin kwam." in html
    event = json.loads(response.headers["HX-Trigger"])["contact-logged"]
    assert event == {"household_ids": [school.households["Diallo"]]}
    assert [m["household_id"] for m in moments(app)] == [school.households["Diallo"]]


def test_another_class_or_a_family_outside_it_is_refused(client, app, school, teacher):
    login(client, app, teacher)
    response = client.post(
        "/contacts/group/new",
        data=activity(school, ("Dubois",), form=form_id(app, "info_evening"), audience=school.class_b),
    )
    assert response.status_code == 422
    assert "Kies een van je klassen." in response.get_data(as_text=True)
    response = client.post(
        "/contacts/group/new",
        data=activity(school, ("Peeters", "Dubois"), form=form_id(app, "info_evening"), title="Infoavond"),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Kies gezinnen uit de lijst." in html and 'value="Infoavond"' in html
    response = client.post(
        "/contacts/group/new", data=activity(school, ("Peeters",), form=form_id(app, "newsletter"))
    )
    assert response.status_code == 422
    assert moments(app) == []
    with app.app_context():
        assert count(app, GroupContact) == 0


def test_a_future_date_is_refused(client, app, school, teacher):
    import datetime as dt

    from school import schoolyear

    login(client, app, teacher)
    tomorrow = (schoolyear.today() + dt.timedelta(days=1)).isoformat()
    response = client.post(
        "/contacts/group/new",
        data=activity(school, ("Peeters",), form=form_id(app, "info_evening"), occurred_on=tomorrow),
    )
    assert response.status_code == 422 and "in de toekomst" in response.get_data(as_text=True)
    assert moments(app) == []


def test_care_logs_a_school_party_for_the_whole_school(client, app, school, make_user):
    login(client, app, make_user("care"))
    html = client.get("/contacts/group/new?audience=school").get_data(as_text=True)
    assert "Lucas Dubois" in html and "Emma Peeters" in html
    response = client.post(
        "/contacts/group/new",
        data=activity(school, ("Peeters", "Dubois"), form=form_id(app, "school_party"), audience="school"),
    )
    assert response.status_code == 302
    with app.app_context():
        from school.extensions import db

        group = db.session.scalars(db.select(GroupContact)).one()
        assert group.class_id is None
    assert len(moments(app)) == 2


def test_removing_an_activity_removes_its_moments_softly(client, app, school, teacher, make_user):
    login(client, app, teacher)
    response = client.post(
        "/contacts/group/new", data=activity(school, ("Peeters", "Nowak"), form=form_id(app, "parent_cafe"))
    )
    location = response.headers["Location"]
    group_id = int(location.rstrip("/").split("/")[-1])
    other = app.test_client()
    login(other, app, make_user("teacher", classes=(school.class_a,)))
    assert other.post(f"/contacts/group/{group_id}/remove").status_code == 404  # not her activity
    assert client.post(f"/contacts/group/{group_id}/remove").status_code == 302
    assert moments(app) == []
    assert len(moments(app, include_removed=True)) == 2
    with app.app_context():
        assert count(app, ContactMoment) == 2
    assert client.get(location).status_code == 404
    assert len(audit_actions(app, "contact.removed")) == 2
