"""The catalogue of contact forms: admin and director add, rename, reorder, deactivate."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from school.catalogue import ContactForm
from school.extensions import db
from tests.factories.reads import form_id


def add_form(client, data: dict):
    """The catalogue's "add" form sent as a browser sends it: with the token of the page it was on."""
    page = client.get("/contacts/catalogue").get_data(as_text=True)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page)[1]
    return client.post("/contacts/catalogue", data={**data, "submission_token": token})


def in_quadrant(app, quadrant: str) -> list[str]:
    with app.app_context():
        forms = db.session.scalars(
            select(ContactForm).where(ContactForm.quadrant == quadrant).order_by(ContactForm.sort_order)
        )
        return [f.code or f.name for f in forms]


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("director", 200), ("teacher", 404), ("care", 404), ("reception", 404)],
)
def test_who_edits_the_catalogue(client, login_as, role, status):
    login_as(role)
    response = client.get("/contacts/catalogue")
    assert response.status_code == status
    if status == 200:
        html = response.get_data(as_text=True)
        assert "Catalogus van contactvormen" in html and 'href="/contacts/catalogue"' in html  # in the menu
        assert html.count('class="catalogue-quadrant') == 4


def test_add_a_form_of_the_school(client, app, login_as):
    login_as("director")
    response = add_form(
        client,
        {
            "name": "Koffiemoment op vrijdag",
            "quadrant": "informal_oral",
            "level": "school",
            "active": "y",
        },
    )
    assert response.status_code == 302
    assert in_quadrant(app, "informal_oral")[-1] == "Koffiemoment op vrijdag"
    assert "Koffiemoment op vrijdag" in client.get("/contacts/catalogue").get_data(as_text=True)


def test_a_new_form_is_offered_when_logging(client, app, login_as):
    login_as("director")
    add_form(
        client,
        {
            "name": "Babbel bij de fietsenstalling",
            "quadrant": "informal_oral",
            "level": "family",
            "active": "y",
        },
    )
    add_form(
        client,
        {
            "name": "Klasblog",
            "quadrant": "informal_written",
            "level": "class",
            "is_broadcast": "y",
            "active": "y",
        },
    )
    assert "Babbel bij de fietsenstalling" in client.get("/contacts/log/several").get_data(as_text=True)
    assert "Klasblog" not in client.get("/contacts/log/several").get_data(as_text=True)
    assert "Klasblog" in client.get("/contacts/broadcast/new").get_data(as_text=True)


def test_wrong_input_is_422_with_the_input_kept(client, app, login_as):
    login_as("admin")
    response = client.post(
        "/contacts/catalogue", data={"name": "", "quadrant": "informal_oral", "level": "family"}
    )
    assert response.status_code == 422
    response = client.post(
        "/contacts/catalogue", data={"name": "Iets", "quadrant": "diagonal", "level": "family"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Kies een kwadrant." in html and 'value="Iets"' in html
    assert "Iets" not in in_quadrant(app, "informal_oral")


def test_rename_a_seeded_form_and_old_contacts_follow(client, app, login_as):
    login_as("admin")
    gate = form_id(app, "gate_conversation")
    page = client.get(f"/contacts/catalogue/{gate}").get_data(as_text=True)
    assert 'value="Gesprek aan de schoolpoort"' in page
    response = client.post(
        f"/contacts/catalogue/{gate}",
        data={"name": "Babbel aan de poort", "quadrant": "informal_oral", "level": "family", "active": "y"},
    )
    assert response.status_code == 302
    with app.app_context():
        form = db.session.get(ContactForm, gate)
        assert form.label == "Babbel aan de poort" and form.code == "gate_conversation"


def test_saving_a_seeded_form_unchanged_keeps_it_translated(client, app, login_as):
    login_as("admin")
    gate = form_id(app, "gate_conversation")
    client.post(
        f"/contacts/catalogue/{gate}",
        data={
            "name": "Gesprek aan de schoolpoort",
            "quadrant": "informal_oral",
            "level": "family",
            "active": "y",
        },
    )
    with app.app_context():
        assert db.session.get(ContactForm, gate).name == "Gesprek aan de schoolpoort"
    client.post("/language", data={"locale": "en"})
    assert "Conversation at the school gate" in client.get("/contacts/catalogue").get_data(as_text=True)


def test_deactivate_a_form(client, app, login_as):
    login_as("director")
    notebook = form_id(app, "notebook")
    response = client.post(
        f"/contacts/catalogue/{notebook}",
        data={"name": "Heen-en-weerschriftje", "quadrant": "informal_written", "level": "family"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(ContactForm, notebook).active is False
    assert f'value="{notebook}"' not in client.get("/contacts/log/several").get_data(as_text=True)
    assert "gedeactiveerd" in client.get("/contacts/catalogue").get_data(
        as_text=True
    ) or "uitgeschakeld" in client.get("/contacts/catalogue").get_data(as_text=True)


def test_reorder_within_a_quadrant(client, app, login_as):
    login_as("admin")
    before = in_quadrant(app, "informal_oral")
    second = form_id(app, before[1])
    assert client.post(f"/contacts/catalogue/{second}/move", data={"direction": "up"}).status_code == 302
    after = in_quadrant(app, "informal_oral")
    assert after[:2] == [before[1], before[0]] and after[2:] == before[2:]
    first = form_id(app, after[0])
    client.post(f"/contacts/catalogue/{first}/move", data={"direction": "up"})  # already first: nothing
    assert in_quadrant(app, "informal_oral") == after
    client.post(f"/contacts/catalogue/{first}/move", data={"direction": "down"})
    assert in_quadrant(app, "informal_oral") == before
    assert client.post(f"/contacts/catalogue/{first}/move", data={"direction": "sideways"}).status_code == 400
    assert client.post("/contacts/catalogue/9999/move", data={"direction": "up"}).status_code == 404
