"""Broadcasts: logged once for a class or the school, never reaching a family."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from school import schoolyear
from school.contacts.models import GroupContact, Reach
from school.families.models import Household
from tests.factories.app import login
from tests.factories.reads import count, form_id, moments
from tests.factories.rows import TODAY, agreement, household, moment, school_class, summarise
from tests.factories.small_school import build_school

TOKEN = "broadcast-" + "d" * 24


@pytest.fixture
def school(app):
    return build_school(app)


@pytest.fixture
def teacher(app, make_user, school):
    return make_user("teacher", classes=(school.class_a,))


def broadcast(form, audience, **extra):
    return {"form_id": form, "audience": audience, "submission_token": TOKEN, **extra}


def test_a_class_whatsapp_post_is_one_row_and_no_moment(client, app, school, teacher, monkeypatch):
    from school.visibility import service as visibility

    called = []
    monkeypatch.setattr(visibility, "after_contacts_logged", lambda m: called.append(list(m)))
    login(client, app, teacher)
    page = client.get("/contacts/broadcast/new").get_data(as_text=True)
    assert f'id="broadcast-form-{form_id(app, "class_chat_group")}"' in page
    assert f'id="broadcast-form-{form_id(app, "gate_conversation")}"' not in page
    response = client.post(
        "/contacts/broadcast/new",
        data=broadcast(form_id(app, "class_chat_group"), school.class_a, title="Foto's van de uitstap"),
    )
    assert response.status_code == 302
    assert count(app, GroupContact) == 1
    assert moments(app) == [] and called == []  # nobody counts as reached
    again = client.post(
        "/contacts/broadcast/new", data=broadcast(form_id(app, "class_chat_group"), school.class_a)
    )
    assert again.status_code == 302 and count(app, GroupContact) == 1


def test_htmx_broadcast_answers_with_the_fragment(htmx, app, school, teacher):
    login(htmx, app, teacher)
    response = htmx.post("/contacts/broadcast/new", data=broadcast(form_id(app, "newsletter"), "school"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="saved-broadcast"' in html and "De hele school" in html
    assert json.loads(response.headers["HX-Trigger"]) == {"broadcast-logged": {"class_id": None}}
    assert "contact-logged" not in response.headers["HX-Trigger"]


def test_refused_broadcasts(client, app, school, teacher):
    login(client, app, teacher)
    for data in (
        broadcast(form_id(app, "gate_conversation"), school.class_a),  # not a broadcast form
        broadcast(form_id(app, "newsletter"), school.class_b),  # not her class
        broadcast(
            form_id(app, "newsletter"),
            school.class_a,
            occurred_on=(schoolyear.today() + dt.timedelta(days=3)).isoformat(),
        ),
    ):
        response = client.post("/contacts/broadcast/new", data=data)
        assert response.status_code == 422
    assert count(app, GroupContact) == 0


def test_broadcasts_for_household(app, ctx, school):
    from school.catalogue import ContactForm
    from school.contacts import queries
    from school.extensions import db

    today = schoolyear.today()
    start = schoolyear.span_for(today).start
    newsletter = db.session.scalar(db.select(ContactForm).where(ContactForm.code == "newsletter"))
    chat = db.session.scalar(db.select(ContactForm).where(ContactForm.code == "class_chat_group"))
    evening = db.session.scalar(db.select(ContactForm).where(ContactForm.code == "info_evening"))

    def add(form, class_id, token, removed=False):
        group = GroupContact(form_id=form.id, class_id=class_id, occurred_on=today, submission_token=token)
        if removed:
            group.removed_at = schoolyear.utcnow()
        db.session.add(group)
        return group

    school_wide = add(newsletter, None, "t-school-wide-000000")
    class_a = add(chat, school.class_a, "t-class-a-0000000000")
    class_b = add(chat, school.class_b, "t-class-b-0000000000")
    add(evening, school.class_a, "t-activity-000000000")  # an activity, not a broadcast
    add(chat, school.class_a, "t-removed-0000000000", removed=True)
    db.session.commit()

    def found(family):
        return {g.id for g in queries.broadcasts_for_household(school.households[family], start, today)}

    assert found("Peeters") == {school_wide.id, class_a.id}
    assert found("Dubois") == {school_wide.id, class_b.id}
    assert found("El Amrani") == {school_wide.id, class_a.id, class_b.id}  # a child in each class
    assert (
        queries.broadcasts_for_household(school.households["Peeters"], start, today - dt.timedelta(days=1))
        == []
    )


def test_a_broadcast_does_not_change_whether_a_family_counts_as_reached(app, make_user, monkeypatch):
    """Logged through the real form for the class and the school: the family's grid, signals,
    less-visible entry and follow-up stay exactly as they were; the timeline shows the messages."""
    from school.accounts.models import User
    from school.extensions import db
    from school.visibility import queries as visibility_queries
    from school.visibility import service as visibility_service
    from school.visibility.models import Approach, FollowUp, FollowUpStatus
    from school.visibility.signals import evaluate

    monkeypatch.setattr("school.schoolyear.today", lambda: TODAY)
    with app.app_context():
        klass = school_class("3A")
        h = household("Gezin Peeters", klass=klass)
        agreement(h, "report", occasion="rapport")
        moment(h, "report", dt.date(2026, 10, 1), reach=Reach.ONE_WAY)
        db.session.commit()
        class_id, household_id = klass.id, h.id
    teacher_id = make_user("teacher", classes=(class_id,))

    def state():
        with app.app_context():
            household_row = db.session.get(Household, household_id)
            summary = summarise(household_row)
            listed = visibility_queries.less_visible(db.session.get(User, teacher_id))
            row = next(r for r in listed.rows if r.id == household_id)
            statuses = [f.status for f in db.session.scalars(db.select(FollowUp))]
            return summary, [s.code for s in evaluate(summary)], [s.code for s in row.signals], statuses

    with app.app_context():
        visibility_service.create_follow_up(
            db.session.get(Household, household_id), owner=db.session.get(User, teacher_id),
            approach=Approach.PHONE, due_on=None, note=None, signal_code="no_personal_contact",
            created_by=db.session.get(User, teacher_id),
        )
    before = state()
    assert before[1] == before[2] == ["no_personal_contact"]
    assert before[3] == [FollowUpStatus.OPEN]

    client = app.test_client()
    login(client, app, teacher_id)
    for code, audience, token in (
        ("class_chat_group", class_id, "broadcast-class-" + "e" * 20),
        ("newsletter", "school", "broadcast-school-" + "f" * 20),
        ("letter_all", class_id, "broadcast-letter-" + "g" * 20),
    ):
        response = client.post("/contacts/broadcast/new", data={
            "form_id": form_id(app, code), "audience": audience, "submission_token": token,
            "occurred_on": TODAY.isoformat(), "title": f"Bericht {code}",
        })
        assert response.status_code == 302, response.get_data(as_text=True)
    assert count(app, GroupContact) == 3

    after = state()
    assert after == before  # the same grid, the same signals, the follow-up still open
    assert after[0].reached_total == 1  # the report only
    page = client.get(f"/families/{household_id}").get_data(as_text=True)
    for code in ("class_chat_group", "newsletter", "letter_all"):
        assert f"Bericht {code}" in page
    assert "3 berichten aan iedereen (tellen niet mee)" in page
