"""Every form that saves once per submission token requires it: without one (or with a malformed
one) nothing is saved and the answer is 422 with a message in the user's language, so a resend of
such a POST cannot save twice (issue 23)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from school import schoolyear
from school.extensions import db
from tests.factories.app import signed_in_client
from tests.factories.matrix_school import build_school

MESSAGES = {
    "nl": "Dit formulier kwam zonder zijn verzendcode aan",
    "fr": "Ce formulaire est arrivé sans son code d’envoi",
    "en": "This form arrived without its submission code",
}


def _code(app, code: str) -> int:
    from school.catalogue import ContactForm

    with app.app_context():
        return db.session.scalar(select(ContactForm.id).where(ContactForm.code == code))


def _saved(app) -> tuple[int, int]:
    from school.contacts.models import ContactMoment, GroupContact

    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(ContactMoment)),
                db.session.scalar(select(func.count()).select_from(GroupContact)))


def _forms(app, school) -> dict[str, dict]:
    """Each token form's POST, complete but for its token."""
    today = schoolyear.today().isoformat()
    gate = _code(app, "gate_conversation")
    return {
        "/contacts/log": {"household_id": school.inside, "form_id": gate},
        "/contacts/log/several": {"household_ids": [school.inside], "form_id": gate, "occurred_on": today},
        "/contacts/group/new": {"form_id": _code(app, "info_evening"), "audience": str(school.class_a),
                                "came": [school.inside], "occurred_on": today},
        "/contacts/broadcast/new": {"form_id": _code(app, "newsletter"), "audience": "school",
                                    "occurred_on": today, "title": "Nieuwsbrief"},
    }


@pytest.mark.parametrize("path", ["/contacts/log", "/contacts/log/several",
                                  "/contacts/group/new", "/contacts/broadcast/new"])
@pytest.mark.parametrize("token", [None, "", "not a token!"])
def test_a_post_without_its_token_saves_nothing_however_often_it_is_sent(app, path, token):
    school = build_school(app)
    director = signed_in_client(app, school.users["director"])
    data = dict(_forms(app, school)[path])
    if token is not None:
        data["submission_token"] = token
    before = _saved(app)
    for _ in range(2):  # the resend too
        response = director.post(path, data=data)
        assert response.status_code == 422, path
        assert MESSAGES["nl"] in response.get_data(as_text=True)
    assert _saved(app) == before
    # The form shown again carries a fresh token: sent with it, the same values save once.
    data["submission_token"] = "fresh-" + "t" * 26
    assert director.post(path, data=data).status_code in (200, 302)
    assert _saved(app) != before


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_message_is_in_the_users_language(app, locale):
    school = build_school(app)
    teacher = signed_in_client(app, school.users["teacher"])
    teacher.post("/language", data={"locale": locale, "next": "/contacts/log"})
    response = teacher.post("/contacts/log", data=_forms(app, school)["/contacts/log"],
                            headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert MESSAGES[locale] in response.get_data(as_text=True)
    assert _saved(app)[0] == len(school.moments) * 2 + len(school.groups) * 2


def test_a_shown_form_carries_its_token(app):
    school = build_school(app)
    teacher = signed_in_client(app, school.users["teacher"])
    html = teacher.get(f"/contacts/log?household_id={school.inside}").get_data(as_text=True)
    assert 'name="submission_token"' in html and 'name="submission_token" type="hidden" value=""' not in html


# --- every other form that saves a new row: the intake, a follow-up, the catalogue, the checklist ---

TOKEN_FIELD = r'name="submission_token" type="hidden" value="([^"]+)"'
NEW_ROW_FORMS = ["/families/intake", "/families/{inside}/follow-ups/new", "/contacts/catalogue",
                 "/families/topics"]


def _rows(app) -> dict[str, int]:
    from school.catalogue import ContactForm
    from school.families.models import Household, InfoTopic
    from school.visibility.models import FollowUp

    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Household, FollowUp, ContactForm, InfoTopic)}


def _new_row_form(school, path: str) -> tuple[str, dict]:
    """The form's URL and a POST that saves one new row, complete but for its token."""
    return path.format(inside=school.inside), {
        "/families/intake": {"caregivers-0-first_name": "Ayşe", "caregivers-0-kinship": "mother",
                             "save_draft": "1"},
        "/families/{inside}/follow-ups/new": {"signal_code": "", "owner": school.users["care"],
                                              "approach": "phone"},
        "/contacts/catalogue": {"name": "Koffiemoment", "quadrant": "informal_oral", "level": "school",
                                "active": "y"},
        "/families/topics": {"new_label": "De zwemlessen"},
    }[path]


@pytest.mark.parametrize("path", NEW_ROW_FORMS)
@pytest.mark.parametrize("token", [None, "", "not a token!"])
def test_every_form_that_adds_a_row_refuses_a_post_without_its_token(app, path, token):
    school = build_school(app)
    director = signed_in_client(app, school.users["director"])
    url, data = _new_row_form(school, path)
    if token is not None:
        data["submission_token"] = token
    before = _rows(app)
    for _ in range(2):  # the resend too
        response = director.post(url, data=data)
        assert response.status_code == 422, url
        html = response.get_data(as_text=True)
        assert MESSAGES["nl"] in html
        fresh = re.search(TOKEN_FIELD, html)
        assert fresh and fresh[1] != token
    assert _rows(app) == before
    # Sent again with the fresh token of the form shown, the same values save one row.
    assert director.post(url, data={**data, "submission_token": fresh[1]}).status_code == 302
    after = _rows(app)
    assert sum(after.values()) == sum(before.values()) + 1


@pytest.mark.parametrize("path", NEW_ROW_FORMS)
def test_every_form_that_adds_a_row_saves_once_when_sent_twice(app, path):
    school = build_school(app)
    director = signed_in_client(app, school.users["director"])
    url, data = _new_row_form(school, path)
    page = director.get(url)
    assert page.status_code == 200
    data["submission_token"] = re.search(TOKEN_FIELD, page.get_data(as_text=True))[1]
    before = _rows(app)
    first, again = director.post(url, data=data), director.post(url, data=data)  # a double click
    assert first.status_code == again.status_code == 302
    after = _rows(app)
    assert sum(after.values()) == sum(before.values()) + 1
    assert "Dit formulier was al bewaard" in director.get(again.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_intake_says_so_in_the_users_language(app, locale):
    school = build_school(app)
    reception = signed_in_client(app, school.users["reception"])
    reception.post("/language", data={"locale": locale, "next": "/families/intake"})
    url, data = _new_row_form(school, "/families/intake")
    response = reception.post(url, data=data)
    assert response.status_code == 422 and MESSAGES[locale] in response.get_data(as_text=True)
