"""Undo right after saving, correcting and (soft) removing contact moments."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from school import schoolyear
from tests.factories.app import login
from tests.factories.reads import audit_actions, form_id, moments
from tests.factories.small_school import build_school

TOKEN = "undo-token-" + "e" * 22


@pytest.fixture
def school(app):
    return build_school(app)


@pytest.fixture
def teacher(app, make_user, school):
    return make_user("teacher", classes=(school.class_a,))


def save(client, app, school, family="Peeters", token=TOKEN, **extra):
    data = {
        "household_id": school.households[family],
        "form_id": form_id(app, "gate_conversation"),
        "submission_token": token,
        **extra,
    }
    response = client.post("/contacts/log", data=data)
    assert response.status_code in (200, 302), response.get_data(as_text=True)
    return moments(app, submission_token=token)[0]["id"]


def edit_fields(app, code: str, *, on: dt.date | None = None, **fields) -> dict:
    """The correction form as sent for the moment's first version: its form, its day (today), no mediator."""
    return {
        "form_id": form_id(app, code),
        "occurred_on": (on or schoolyear.today()).isoformat(),
        "mediator": "none",
        "version": "1",
        **fields,
    }


def test_undo_without_javascript(client, app, school, teacher):
    login(client, app, teacher)
    save(client, app, school)
    response = client.post("/contacts/undo", data={"token": TOKEN})
    assert response.status_code == 302
    assert moments(app) == []
    [removed] = moments(app, include_removed=True)
    assert removed["removed_at"] is not None
    assert [e["object_id"] for e in audit_actions(app, "contact.removed")] == [removed["id"]]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ongedaan gemaakt" in page and 'id="undo-button"' not in page


def test_undo_with_htmx_answers_with_the_fragment_and_the_event(htmx, app, school, teacher):
    login(htmx, app, teacher)
    save(htmx, app, school)
    response = htmx.post("/contacts/undo", data={"token": TOKEN})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and "Ongedaan gemaakt" in html
    event = json.loads(response.headers["HX-Trigger"])["contact-logged"]
    assert event == {"household_ids": [school.households["Peeters"]], "removed": True}
    # Undoing twice is harmless.
    assert htmx.post("/contacts/undo", data={"token": TOKEN}).status_code == 200
    assert len(audit_actions(app, "contact.removed")) == 1


def test_undo_after_the_window_is_refused(client, htmx, app, school, teacher):
    app.config["CONTACT_UNDO_SECONDS"] = -1
    login(client, app, teacher)
    login(htmx, app, teacher)
    save(client, app, school)
    response = htmx.post("/contacts/undo", data={"token": TOKEN})
    assert response.status_code == 422
    assert "Te laat om ongedaan te maken" in response.get_data(as_text=True)
    response = client.post("/contacts/undo", data={"token": TOKEN})
    assert response.status_code == 302
    assert len(moments(app)) == 1


def test_nobody_else_undoes_my_contact(client, app, school, teacher, make_user):
    login(client, app, teacher)
    save(client, app, school)
    other = app.test_client()
    login(other, app, make_user("care"))
    assert other.post("/contacts/undo", data={"token": TOKEN}).status_code == 404
    assert len(moments(app)) == 1


def test_undo_reopens_the_follow_up_the_contact_closed(client, app, school, teacher):
    from school.extensions import db
    from school.visibility.models import Approach, FollowUp, FollowUpStatus

    with app.app_context():
        follow_up = FollowUp(
            household_id=school.households["Peeters"], approach=Approach.GATE, owner_id=teacher
        )
        db.session.add(follow_up)
        db.session.commit()
        follow_up_id = follow_up.id
    login(client, app, teacher)
    save(client, app, school)
    with app.app_context():
        assert db.session.get(FollowUp, follow_up_id).status is FollowUpStatus.DONE
    client.post("/contacts/undo", data={"token": TOKEN})
    with app.app_context():
        assert db.session.get(FollowUp, follow_up_id).status is FollowUpStatus.OPEN


def test_author_corrects_her_contact(client, app, school, teacher):
    login(client, app, teacher)
    moment_id = save(client, app, school, note="kort")
    page = client.get(f"/contacts/moments/{moment_id}/edit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "kort" in html
    gate = form_id(app, "gate_conversation")
    assert f'id="form-all-{gate}" name="form_id" value="{gate}" checked' in html
    response = client.post(
        f"/contacts/moments/{moment_id}/edit",
        data=edit_fields(app, "spontaneous_call", tone="positive", reach="two_way", initiative="family",
                         note="belde zelf"),
    )
    assert response.status_code == 302
    [moment] = moments(app)
    assert (moment["form"], moment["tone"], moment["initiative"], moment["note"]) == (
        "spontaneous_call",
        "positive",
        "family",
        "belde zelf",
    )
    assert [e["object_id"] for e in audit_actions(app, "contact.updated")] == [moment_id]
    assert "belde" not in str(audit_actions(app, "contact.updated"))


def test_a_stale_edit_is_refused(client, app, school, teacher):
    login(client, app, teacher)
    moment_id = save(client, app, school)
    data = edit_fields(app, "gate_conversation", tone="concern", reach="two_way", initiative="school")
    assert client.post(f"/contacts/moments/{moment_id}/edit", data=data).status_code == 302
    response = client.post(f"/contacts/moments/{moment_id}/edit", data={**data, "tone": "positive"})
    assert response.status_code == 422
    assert "intussen gewijzigd" in response.get_data(as_text=True)
    assert moments(app)[0]["tone"] == "concern"


def test_who_may_correct(app, school, teacher, make_user):
    author = app.test_client()
    login(author, app, teacher)
    moment_id = save(author, app, school, note="vertrouwelijk", confidential="y")
    for role, status in (("teacher", 404), ("reception", 404), ("care", 200), ("director", 200)):
        client = app.test_client()
        login(client, app, make_user(role, classes=(school.class_a,) if role == "teacher" else ()))
        response = client.get(f"/contacts/moments/{moment_id}/edit")
        assert response.status_code == status, role
        assert client.post(f"/contacts/moments/{moment_id}/remove").status_code in (
            (404,) if status == 404 else (302,)
        )
        if status == 200:
            break  # removed by care
    [removed] = moments(app, include_removed=True)
    assert removed["removed_at"] is not None


def test_removal_is_soft_and_hides_the_contact(client, app, school, teacher):
    login(client, app, teacher)
    moment_id = save(client, app, school)
    response = client.post(f"/contacts/moments/{moment_id}/remove", data={"back": "family"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/families/{school.households['Peeters']}")
    assert moments(app) == [] and len(moments(app, include_removed=True)) == 1
    assert client.get(f"/contacts/moments/{moment_id}/edit").status_code == 404
    page = client.get("/contacts/today").get_data(as_text=True)
    assert "Vandaag nog niets." in page[page.index('id="today-list"') :]


def test_a_deactivated_form_stays_on_old_contacts(client, app, school, teacher):
    from school.catalogue import ContactForm
    from school.extensions import db

    login(client, app, teacher)
    moment_id = save(client, app, school)
    with app.app_context():
        db.session.get(ContactForm, form_id(app, "gate_conversation")).active = False
        db.session.commit()
    html = client.get(f"/contacts/moments/{moment_id}/edit").get_data(as_text=True)
    assert "Gesprek aan de schoolpoort" in html
    response = client.post(
        f"/contacts/moments/{moment_id}/edit",
        data=edit_fields(app, "gate_conversation", tone="neutral", reach="", initiative="school"),
    )
    assert response.status_code == 302
    # New contacts can no longer use it.
    html = client.get(f"/contacts/log?household_id={school.households['Nowak']}").get_data(as_text=True)
    gate = form_id(app, "gate_conversation")
    assert f'value="{gate}"' not in html
    assert "Gesprek aan de schoolpoort" in html  # still on the old contact in today's list


def test_an_old_date_may_stay_but_not_move_outside_the_year(client, app, school, teacher):
    from school.contacts.models import ContactMoment, Initiative, Reach
    from school.extensions import db

    last_year = schoolyear.span_for(schoolyear.today()).start - dt.timedelta(days=30)
    with app.app_context():
        moment = ContactMoment(
            household_id=school.households["Peeters"],
            form_id=form_id(app, "gate_conversation"),
            occurred_on=last_year,
            initiative=Initiative.SCHOOL,
            reach=Reach.TWO_WAY,
            logged_by_id=teacher,
            submission_token="old-one-000000000000",
        )
        db.session.add(moment)
        db.session.commit()
        moment_id = moment.id
    login(client, app, teacher)
    data = edit_fields(app, "gate_conversation", on=last_year, tone="concern", reach="two_way",
                       initiative="school")
    assert client.post(f"/contacts/moments/{moment_id}/edit", data=data).status_code == 302
    moved = {**data, "occurred_on": (last_year - dt.timedelta(days=1)).isoformat(), "version": "2"}
    response = client.post(f"/contacts/moments/{moment_id}/edit", data=moved)
    assert response.status_code == 422 and "dit schooljaar" in response.get_data(as_text=True)
