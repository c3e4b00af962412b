"""The quick log for one family: picker, defaults, tokens, the rules at the edge."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from school import schoolyear
from tests.factories.app import login, make_app
from tests.factories.reads import audit_actions, form_id, moments
from tests.factories.small_school import build_school

TOKEN = "tok-" + "a" * 28


@pytest.fixture
def school(app):
    return build_school(app)


@pytest.fixture
def teacher(login_as, school):
    return login_as("teacher", classes=(school.class_a,), name="Juf An")


def post_moment(client, household_id, form, token=TOKEN, **extra):
    data = {"household_id": household_id, "form_id": form, "submission_token": token, **extra}
    return client.post("/contacts/log", data=data)


def test_teacher_sees_the_families_of_her_class_by_child(client, school, teacher):
    response = client.get("/contacts/log")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Een contact noteren" in html
    assert "Emma Peeters" in html and "Yasmine El Amrani" in html
    assert "Lucas" not in html  # class 2B is not hers
    assert 'id="today-list"' in html and 'hx-trigger="contact-logged from:body"' in html


def test_admin_does_not_log_contacts(client, login_as):
    login_as("admin")
    assert client.get("/contacts/log").status_code == 404


def test_family_outside_the_teachers_classes_answers_404(client, school, teacher):
    assert client.get(f"/contacts/log?household_id={school.households['Dubois']}").status_code == 404
    response = post_moment(
        client, school.households["Dubois"], form_id(client.application, "gate_conversation")
    )
    assert response.status_code == 404
    assert moments(client.application) == []


def test_form_for_one_family_offers_everyday_forms_and_never_assumes_the_mother(client, app, school, teacher):
    response = client.get(f"/contacts/log?household_id={school.households['Peeters']}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    favourites = re.findall(r'id="form-fav-(\d+)"', html)
    expected = [
        form_id(app, c) for c in ("gate_conversation", "spontaneous_call", "diary_message", "parent_meeting")
    ]
    assert [int(f) for f in favourites] == expected
    # Every caregiver is offered, none is chosen: "not noted" is.
    assert re.search(r'id="caregiver-none"[^>]*checked', html)
    assert not re.search(r'id="caregiver-\d+"[^>]*checked', html)
    assert "Sara Peeters" in html and "Omar Peeters" in html
    # Tone neutral by default; the whole catalogue sits behind one disclosure, per quadrant.
    assert re.search(r'id="tone-neutral"[^>]*checked', html)
    assert '<details class="catalogue-choices" id="all-forms">' in html
    assert html.count('class="quadrant-group') == 4
    # Broadcasts are not logged per family.
    assert f'id="form-all-{form_id(app, "newsletter")}"' not in html


def test_fact_only_gate_conversation_gets_the_defaults(client, app, school, teacher):
    household = school.households["Peeters"]
    response = post_moment(client, household, form_id(app, "gate_conversation"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/contacts/log?saved={TOKEN}")
    [moment] = moments(app)
    assert moment["household_id"] == household
    assert moment["occurred_on"] == schoolyear.today()
    assert (moment["reach"], moment["initiative"], moment["tone"], moment["mediator"]) == (
        "two_way",
        "school",
        "neutral",
        "none",
    )
    assert moment["caregiver_id"] is None and moment["note"] is None and moment["logged_by_id"] == teacher
    events = audit_actions(app, "contact.created")
    assert events == [
        {"object_id": moment["id"], "household_ref": str(household), "detail": {}, "user_id": teacher}
    ]
    # The confirmation page (no JavaScript) shows what was saved, with undo.
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Opgeslagen" in page and "Gezin Peeters" in page and 'id="undo-button"' in page


def test_htmx_save_returns_the_confirmation_fragment_and_the_event(htmx, app, school, make_user):
    user = make_user("teacher", classes=(school.class_a,))
    login(htmx, app, user)
    household = school.households["Nowak"]
    response = post_moment(htmx, household, form_id(app, "diary_message"), tone="positive")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="saved-contact"' in html
    assert "HX-Request" in response.headers["Vary"]
    import json

    assert json.loads(response.headers["HX-Trigger"]) == {"contact-logged": {"household_ids": [household]}}
    [moment] = moments(app)
    assert moment["reach"] == "one_way" and moment["tone"] == "positive"  # written: a one-way message


def test_optional_details_are_saved(client, app, school, teacher):
    household = school.households["El Amrani"]
    yesterday = schoolyear.today() - dt.timedelta(days=1)
    day = yesterday if yesterday in schoolyear.span_for(schoolyear.today()) else schoolyear.today()
    response = post_moment(
        client,
        household,
        form_id(app, "spontaneous_call"),
        occurred_on=day.isoformat(),
        caregiver_id=school.caregivers["El Amrani"],
        pupil_id=school.pupils["Yasmine"],
        initiative="family",
        reach="not_reached",
        tone="concern",
        mediator="informal_interpreter",
        note="  opvolgen in een rustig moment ",
        confidential="y",
    )
    assert response.status_code == 302
    [moment] = moments(app)
    assert moment["occurred_on"] == day
    assert (
        moment["caregiver_id"] == school.caregivers["El Amrani"]
        and moment["pupil_id"] == school.pupils["Yasmine"]
    )
    assert (moment["initiative"], moment["reach"], moment["tone"], moment["mediator"]) == (
        "family",
        "not_reached",
        "concern",
        "informal_interpreter",
    )
    assert moment["note"] == "opvolgen in een rustig moment" and moment["confidential"] is True
    # The audit trail never holds the note.
    assert "rustig" not in str(audit_actions(app, "contact.created"))


def test_a_resent_request_saves_once(client, htmx, app, school, make_user):
    user = make_user("teacher", classes=(school.class_a,))
    login(client, app, user)
    login(htmx, app, user)
    household = school.households["Janssens"]
    gate = form_id(app, "gate_conversation")
    assert post_moment(client, household, gate).status_code == 302
    again = post_moment(client, household, gate)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"saved={TOKEN}")
    third = post_moment(htmx, household, gate)
    assert third.status_code == 200
    assert "niets werd dubbel opgeslagen" in third.get_data(as_text=True)
    assert len(moments(app)) == 1
    assert len(audit_actions(app, "contact.created")) == 1


def test_another_users_token_is_refused_not_a_500(client, app, school, make_user):
    first = make_user("teacher", classes=(school.class_a,))
    login(client, app, first)
    post_moment(client, school.households["Peeters"], form_id(app, "gate_conversation"))
    other = app.test_client()
    login(other, app, make_user("care"))
    response = post_moment(other, school.households["Peeters"], form_id(app, "gate_conversation"))
    assert response.status_code == 422
    assert "al gebruikt" in response.get_data(as_text=True)
    assert len(moments(app)) == 1


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (lambda today: (today + dt.timedelta(days=1)).isoformat(), "in de toekomst"),
        (
            lambda today: (schoolyear.span_for(today).start - dt.timedelta(days=1)).isoformat(),
            "dit schooljaar",
        ),
        (lambda today: f"{today.year}-02-30", "bestaat niet"),
        (lambda today: "31/02/2024", "bestaat niet"),
        (lambda today: "gisteren", "bestaat niet"),
        (lambda today: "", "Vul de datum"),
    ],
)
def test_wrong_dates_are_refused_with_the_input_kept(client, app, school, teacher, day, message):
    value = day(schoolyear.today())
    response = post_moment(
        client,
        school.households["Peeters"],
        form_id(app, "gate_conversation"),
        occurred_on=value,
        note="kort gesprek",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert f'value="{value}"' in html and "kort gesprek" in html
    assert 'aria-invalid="true"' in html
    assert '<details class="more-fields" id="more-fields" open>' in html  # the error is visible
    assert moments(app) == []


def test_missing_or_unknown_form_and_foreign_caregiver_are_422(htmx, app, school, make_user):
    login(htmx, app, make_user("teacher", classes=(school.class_a,)))
    household = school.households["Peeters"]
    response = htmx.post("/contacts/log", data={"household_id": household, "submission_token": TOKEN})
    assert response.status_code == 422
    assert "Kies hoe je contact had" in response.get_data(as_text=True)
    assert "<html" not in response.get_data(as_text=True)
    response = post_moment(htmx, household, form_id(app, "newsletter"))
    assert response.status_code == 422
    response = post_moment(htmx, household, "abc")
    assert response.status_code == 422
    response = post_moment(
        htmx, household, form_id(app, "gate_conversation"), caregiver_id=school.caregivers["Nowak"]
    )
    assert response.status_code == 422
    response = post_moment(htmx, household, form_id(app, "gate_conversation"), tone="angry")
    assert response.status_code == 422
    response = post_moment(htmx, household, form_id(app, "gate_conversation"), note="x" * 1001)
    assert response.status_code == 422
    assert moments(app) == []


def test_missing_household_is_a_bad_request(client, school, teacher):
    assert client.post("/contacts/log", data={"submission_token": TOKEN}).status_code == 400


def test_the_forms_a_user_logs_most_come_first(client, app, school, teacher):
    visit = form_id(app, "home_visit")
    for i in range(3):
        post_moment(client, school.households["Peeters"], visit, token=f"visit-token-{i:012d}")
    html = client.get(f"/contacts/log?household_id={school.households['Nowak']}").get_data(as_text=True)
    favourites = [int(f) for f in re.findall(r'id="form-fav-(\d+)"', html)]
    assert favourites[0] == visit and len(favourites) == 4


def test_typed_letters_filter_the_visible_families(client, htmx, app, school, make_user):
    user = make_user("teacher", classes=(school.class_a,))
    login(client, app, user)
    login(htmx, app, user)
    page = client.get("/contacts/families?q=now")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert "Ola Nowak" in page.get_data(as_text=True)
    fragment = htmx.get("/contacts/families?q=OLA")
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and html.strip().startswith('<div id="family-results">')
    assert "Ola Nowak" in html and "Emma" not in html
    # A caregiver's name finds the family too; a family outside her classes is never found.
    assert "Gezin Janssens" in htmx.get("/contacts/families?q=sara janssens").get_data(as_text=True)
    assert "Dubois" not in htmx.get("/contacts/families?q=dubois").get_data(as_text=True)


def test_reception_types_letters_and_sees_every_family(client, app, school, login_as):
    login_as("reception")
    html = client.get("/contacts/log").get_data(as_text=True)
    assert "Typ een paar letters" in html and "Emma" not in html
    assert "Lucas Dubois" in client.get("/contacts/families?q=dub").get_data(as_text=True)
    response = post_moment(client, school.households["Dubois"], form_id(app, "spontaneous_call"))
    assert response.status_code == 302


def test_families_logged_today_are_marked(client, app, school, teacher):
    post_moment(client, school.households["Diallo"], form_id(app, "gate_conversation"))
    html = client.get("/contacts/log").get_data(as_text=True)
    entry = html[html.index("Awa Diallo") :]
    assert "vandaag genoteerd" in entry[: entry.index("</a>")]
    entry = html[html.index("Emma Peeters") :]
    assert "vandaag genoteerd" not in entry[: entry.index("</a>")]


def test_todays_list_as_page_and_fragment(client, htmx, app, school, make_user):
    user = make_user("teacher", classes=(school.class_a,))
    login(client, app, user)
    login(htmx, app, user)
    post_moment(client, school.households["Peeters"], form_id(app, "gate_conversation"))
    page = client.get("/contacts/today").get_data(as_text=True)
    assert "<html" in page and "Gezin Peeters" in page
    fragment = htmx.get("/contacts/today").get_data(as_text=True)
    assert "<html" not in fragment and "Gezin Peeters" in fragment and 'id="today-heading"' in fragment


def test_choosing_a_family_with_htmx_returns_only_the_form(htmx, app, school, make_user):
    login(htmx, app, make_user("teacher", classes=(school.class_a,)))
    response = htmx.get(f"/contacts/log?household_id={school.households['Peeters']}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert 'id="moment-form"' in html and 'id="today-list"' not in html


def test_the_visibility_hook_sees_the_moments_before_the_commit(client, app, school, teacher, monkeypatch):
    from school.visibility import service as visibility

    seen = []

    def hook(saved):
        from school.extensions import db

        seen.append(([m.id for m in saved], db.session().in_transaction(), [m.household_id for m in saved]))

    monkeypatch.setattr(visibility, "after_contacts_logged", hook)
    post_moment(client, school.households["Peeters"], form_id(app, "gate_conversation"))
    [moment] = moments(app)
    assert seen == [([moment["id"]], True, [school.households["Peeters"]])]


def test_csrf_is_enforced(tmp_path, database_url, school):
    csrf_app = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    client = csrf_app.test_client()
    response = client.post("/contacts/log", data={"household_id": school.households["Peeters"]})
    assert response.status_code in (400, 302)  # refused (or sent to log in), never saved
    assert moments(csrf_app) == []


def test_a_lazy_value_is_worked_out_once_and_only_when_used():
    """The quick log's regions (favourite forms, catalogue, today's list) are Lazy, so a save's answer,
    the confirmation alone, does not query them."""
    from school.web import Lazy

    made = []
    value = Lazy(lambda: made.append("queried") or [3, 5])
    assert made == []
    assert list(value) == [3, 5] and len(value) == 2 and value and 5 in value and value[0] == 3
    assert value.index(5) == 1  # anything else goes to the value itself
    assert made == ["queried"]  # worked out once
    assert not Lazy(list)
