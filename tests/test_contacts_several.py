"""Several families at once: one submission, one moment per family."""

from __future__ import annotations

import json

import pytest

from tests.factories.app import login
from tests.factories.reads import form_id, moments
from tests.factories.small_school import FAMILIES_1A, build_school

TOKEN = "several-" + "b" * 24


@pytest.fixture
def school(app):
    return build_school(app)


@pytest.fixture
def teacher(app, make_user, school):
    return make_user("teacher", classes=(school.class_a,))


def data_for(school, families, form, **extra):
    return {
        "household_ids": [school.households[f] for f in families],
        "form_id": form,
        "submission_token": TOKEN,
        **extra,
    }


def test_page_lists_the_families_of_her_class(client, app, school, teacher):
    login(client, app, teacher)
    response = client.get("/contacts/log/several")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('name="household_ids"') == len(FAMILIES_1A)
    assert "Lucas Dubois" not in html


def test_five_families_at_the_gate_without_javascript(client, app, school, teacher):
    login(client, app, teacher)
    gate = form_id(app, "gate_conversation")
    response = client.post("/contacts/log/several", data=data_for(school, FAMILIES_1A, gate))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/contacts/log?saved={TOKEN}")
    saved = moments(app)
    assert sorted(m["household_id"] for m in saved) == sorted(school.households[f] for f in FAMILIES_1A)
    assert {m["token"] for m in saved} == {TOKEN}
    assert {(m["reach"], m["tone"], m["form"]) for m in saved} == {
        ("two_way", "neutral", "gate_conversation")
    }
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Opgeslagen voor 5 gezinnen" in page
    # Sent again (a resent request): nothing new.
    assert client.post("/contacts/log/several", data=data_for(school, FAMILIES_1A, gate)).status_code == 302
    assert len(moments(app)) == 5


def test_htmx_save_answers_with_the_fragment_and_all_household_ids(htmx, app, school, teacher):
    login(htmx, app, teacher)
    families = ("Peeters", "Nowak")
    response = htmx.post(
        "/contacts/log/several",
        data=data_for(school, families, form_id(app, "diary_message"), tone="positive"),
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="saved-contact"' in html
    assert 'hx-target="#several-area"' in html  # undo swaps this page's area
    event = json.loads(response.headers["HX-Trigger"])["contact-logged"]
    assert event["household_ids"] == sorted(school.households[f] for f in families)
    assert {m["reach"] for m in moments(app)} == {"one_way"}


def test_a_family_outside_her_classes_or_none_ticked_is_422(htmx, client, app, school, teacher):
    login(htmx, app, teacher)
    login(client, app, teacher)
    gate = form_id(app, "gate_conversation")
    response = htmx.post("/contacts/log/several", data=data_for(school, ("Peeters", "Dubois"), gate))
    assert response.status_code == 422
    assert "Kies gezinnen uit de lijst." in response.get_data(as_text=True)
    response = client.post("/contacts/log/several", data=data_for(school, (), gate, note="vijf ouders"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Vink minstens één gezin aan." in html and "<html" in html and "vijf ouders" in html
    assert moments(app) == []


def test_ticked_families_stay_ticked_after_an_error(client, app, school, teacher):
    login(client, app, teacher)
    response = client.post("/contacts/log/several", data=data_for(school, ("Nowak",), ""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    nowak = school.households["Nowak"]
    assert f'value="{nowak}" checked' in html


def test_care_sees_every_class(client, app, school, make_user):
    login(client, app, make_user("care"))
    html = client.get("/contacts/log/several").get_data(as_text=True)
    assert "Lucas Dubois" in html and "Emma Peeters" in html
