"""The audit trail: one event per action, written with the change, never the note text."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import select

from school import schoolyear
from school.audit import AuditEvent
from school.extensions import db
from tests.factories.app import TEST_PASSWORD, login, signed_in_client
from tests.factories.intake import form_values, intake_data
from tests.factories.matrix_school import build_school

SECRETS = ("Vader zit in de gevangenis", "Geheime opvolgnotitie", "Zoë houdt van tekenen")


def _all_events(app) -> list[AuditEvent]:
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        db.session.expunge_all()
        return events


class Trail:
    """What each action adds to the trail."""

    def __init__(self, app):
        self.app = app
        self.seen = len(_all_events(app))

    def new(self) -> list[AuditEvent]:
        events = _all_events(self.app)
        fresh, self.seen = events[self.seen :], len(events)
        return fresh

    def expect(self, action: str) -> AuditEvent:
        fresh = self.new()
        assert [e.action for e in fresh] == [action]
        return fresh[0]


def _row_text(event: AuditEvent) -> str:
    return " ".join(
        str(v)
        for v in (
            event.action,
            event.object_type,
            event.object_id,
            event.household_ref,
            json.dumps(event.detail, ensure_ascii=False),
        )
    )



def assert_viewed_by(event, user_id: int, household_id: int) -> None:
    """A family.viewed event: who, and which household (as the record and as the reference)."""
    assert (event.user_id, event.object_type, event.object_id, event.household_ref) == (
        user_id, "household", household_id, str(household_id),
    )

def test_each_action_leaves_exactly_one_event_and_none_holds_a_note(app, make_user):
    from school.contacts.models import ContactMoment
    from school.visibility.models import FollowUp

    school = build_school(app)
    trail = Trail(app)
    director_id = make_user("director", email="directie@school.test", name="Dirk Directie")
    trail.new()  # the account itself

    director = app.test_client()
    assert (
        director.post("/login", data={"email": "directie@school.test", "password": "wrong!"}).status_code
        == 422
    )
    failed = trail.expect("login.failed")
    assert failed.user_id == director_id
    assert login(director, app, director_id).status_code == 302
    event = trail.expect("login")
    assert event.user_id == director_id and event.object_id == director_id

    # A view of a family page: who, what, which record, when (UTC).
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert director.get(f"/families/{school.inside}").status_code == 200
    event = trail.expect("family.viewed")
    assert_viewed_by(event, director_id, school.inside)
    stored = event.at.replace(tzinfo=None) if event.at.tzinfo else event.at
    assert before - dt.timedelta(seconds=5) <= stored <= dt.datetime.now(dt.UTC).replace(tzinfo=None)

    # Changes to families: an intake (saved part-way), then an edit.
    classes = {"1a": school.class_a, "k2": school.class_b, "gate": school.form_id, "topics": []}
    data = intake_data(classes)
    data.pop("finish")
    assert director.post("/families/intake", data=data).status_code == 302
    created = trail.expect("family.created")
    household_id = created.object_id
    values = form_values(director.get(f"/families/{household_id}/edit").get_data(as_text=True))
    viewed = trail.expect("family.viewed")  # opening the form shows the whole family: one view
    assert (viewed.object_id, viewed.household_ref) == (household_id, str(household_id))
    values["help_offer"] = "Soep maken voor het schoolfeest."
    values["save"] = "1"
    assert director.post(f"/families/{household_id}/edit", data=values).status_code == 302
    updated = trail.expect("family.updated")
    assert "help_offer" in updated.detail["fields"]

    # Contact moments: logged with a confidential note, corrected, removed.
    # (In the new family: in one with an open follow-up, a conversation also closes that follow-up.)
    response = director.post(
        "/contacts/log",
        data={
            "household_id": household_id,
            "form_id": school.form_id,
            "submission_token": "tok-" + "b" * 28,
            "note": SECRETS[0],
            "confidential": "y",
        },
    )
    assert response.status_code == 302
    event = trail.expect("contact.created")
    with app.app_context():
        moment = db.session.get(ContactMoment, event.object_id)
        assert moment.note == SECRETS[0] and moment.confidential
    assert (event.object_type, event.household_ref) == ("contact_moment", str(household_id))
    edit = {
        "form_id": school.form_id,
        "occurred_on": schoolyear.today().isoformat(),
        "tone": "positive",
        "reach": "two_way",
        "initiative": "family",
        "mediator": "none",
        "note": SECRETS[0] + " (bis)",
        "confidential": "y",
        "version": "1",
    }
    # Opening the contact to correct it shows the family's data: one view of that family.
    assert director.get(f"/contacts/moments/{event.object_id}/edit").status_code == 200
    viewed = trail.expect("family.viewed")
    assert (viewed.object_type, viewed.object_id, viewed.household_ref, viewed.detail) == (
        "household", household_id, str(household_id), {"page": "contact_edit"}
    )
    assert director.post(f"/contacts/moments/{event.object_id}/edit", data=edit).status_code == 302
    trail.expect("contact.updated")
    assert director.post(f"/contacts/moments/{event.object_id}/remove").status_code == 302
    trail.expect("contact.removed")

    # Follow-ups: planned with a note, then changed.
    form_page = director.get(f"/families/{school.inside}/follow-ups/new").get_data(as_text=True)
    trail.new()  # opening the form may be a view of the family (once a minute: test_family_reads)
    shown_token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', form_page)[1]
    plan = {"signal_code": "", "owner": director_id, "approach": "phone", "due_on": "", "note": SECRETS[1],
            "submission_token": shown_token}
    assert director.post(f"/families/{school.inside}/follow-ups/new", data=plan).status_code == 302
    event = trail.expect("follow_up.created")
    with app.app_context():
        assert db.session.get(FollowUp, event.object_id).note == SECRETS[1]
    change = {
        "status": "in_progress",
        "owner": director_id,
        "approach": "gate",
        "due_on": "",
        "note": SECRETS[1] + " 2",
        "closing_reason": "",
        "signal_code": "",
        "version": "1",
    }
    # Opening the follow-up shows the plan and the family: one view of that family.
    assert director.get(f"/follow-ups/{event.object_id}").status_code == 200
    viewed = trail.expect("family.viewed")
    assert (viewed.object_type, viewed.object_id, viewed.household_ref, viewed.detail) == (
        "household", school.inside, str(school.inside), {"page": "follow_up"}
    )
    assert director.post(f"/follow-ups/{event.object_id}", data=change).status_code == 302
    trail.expect("follow_up.updated")

    # The privacy page shows the family's data: a view of the family too.
    assert director.get(f"/privacy/families/{school.inside}").status_code == 200
    event = trail.expect("family.viewed")
    assert_viewed_by(event, director_id, school.inside)

    # Exports (JSON and the page), consent.
    assert director.get(f"/privacy/families/{school.inside}/export/access.json").status_code == 200
    assert trail.expect("family.exported").detail == {"kind": "access", "format": "json"}
    assert director.get(f"/privacy/families/{school.inside}/export/transfer").status_code == 200
    assert trail.expect("family.exported").detail == {"kind": "transfer", "format": "html"}
    assert (
        director.post(f"/privacy/families/{school.inside}/consent", data={"consent": "given"}).status_code
        == 302
    )
    trail.expect("consent.given")

    # Refused access, for a record outside one's reach and for a role.
    teacher = signed_in_client(app, school.users["teacher"])
    assert teacher.get(f"/families/{school.outside}").status_code == 404
    event = trail.expect("access.refused")
    assert (event.user_id, event.household_ref, event.detail["reason"]) == (
        school.users["teacher"],
        str(school.outside),
        "scope",
    )
    assert teacher.get("/privacy/audit").status_code == 404
    assert trail.expect("access.refused").detail["reason"] == "role"

    # An erasure, and logging out.
    erase = {"reason": "request", "confirm": "y"}
    assert director.post(f"/privacy/families/{household_id}/erase", data=erase).status_code == 302
    event = trail.expect("family.erased")
    assert event.user_id == director_id and event.household_ref.startswith("x-")
    assert director.post("/logout").status_code == 302
    trail.expect("logout")

    # Not one event holds the text of a note, a plan or a parent's answer.
    for event in _all_events(app):
        text = _row_text(event)
        assert not any(secret in text for secret in SECRETS), event.action


def test_the_trail_is_append_only(app, make_user):
    from school.audit import AuditTrailIsAppendOnly

    make_user("teacher")  # user.created
    with app.app_context():
        event = db.session.scalar(select(AuditEvent))
        event.action = "something.else"
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalar(select(AuditEvent)))
        with pytest.raises(AuditTrailIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(AuditEvent)).action == "user.created"


def test_an_event_is_written_in_the_same_transaction_as_its_change(app, make_user):
    """A change that fails leaves no event behind, and an event never goes without its change."""
    from sqlalchemy.exc import IntegrityError

    from school.accounts import service
    from school.accounts.models import Role

    make_user("teacher", email="taken@school.test")
    with app.app_context():
        count = len(db.session.scalars(select(AuditEvent)).all())
        service.audit.record("user.created", object_type="user")
        db.session.add(
            service.User(name="x", email="taken@school.test", role=Role.TEACHER, password_hash="x")
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert len(db.session.scalars(select(AuditEvent)).all()) == count


def test_the_director_browses_the_trail_by_family_user_action_and_date(app, make_user):
    school = build_school(app)
    director = signed_in_client(app, school.users["director"])
    teacher = signed_in_client(app, school.users["teacher"])
    assert teacher.get(f"/families/{school.inside}").status_code == 200
    assert director.get(f"/families/{school.outside}").status_code == 200
    assert teacher.get(f"/families/{school.outside}").status_code == 404

    page = director.get("/privacy/audit", query_string={"family": str(school.inside)}).get_data(as_text=True)
    assert "Gezin Binnen" in page and "Gezin Buiten" not in page
    assert "gezinspagina bekeken" in page and "Matrix teacher" in page
    by_name = director.get("/privacy/audit", query_string={"family": "buiten"}).get_data(as_text=True)
    assert "Gezin Buiten" in by_name and "Gezin Binnen" not in by_name
    assert "toegang geweigerd" in by_name  # the teacher's refused look is there

    by_user = director.get("/privacy/audit", query_string={"user": school.users["teacher"]})
    rows = by_user.get_data(as_text=True).split("<tbody>")[1].split("</tbody>")[0]
    assert "Matrix teacher" in rows and "Matrix director" not in rows
    refused = director.get("/privacy/audit", query_string={"action": "access.refused"}).get_data(as_text=True)
    assert refused.count('data-action="access.refused"') == 1

    today = schoolyear.today()
    shown = director.get(
        "/privacy/audit", query_string={"date_from": today.isoformat(), "date_to": today.isoformat()}
    ).get_data(as_text=True)
    assert 'data-action="family.viewed"' in shown
    earlier = (today - dt.timedelta(days=3)).isoformat()
    none = director.get("/privacy/audit", query_string={"date_from": earlier, "date_to": earlier})
    assert "data-action=" not in none.get_data(as_text=True)
    wrong = director.get("/privacy/audit", query_string={"date_from": today.isoformat(), "date_to": earlier})
    assert wrong.status_code == 422

    # As an htmx fragment: the results only.
    fragment = director.get(
        "/privacy/audit", query_string={"family": "buiten"}, headers={"HX-Request": "true"}
    )
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and body.lstrip().startswith('<div id="audit-results">')
    assert "<html" not in body


def test_the_trail_pages_through_many_events(app):
    school = build_school(app)
    with app.app_context():
        from school import audit

        for _ in range(120):
            audit.record(
                "family.viewed",
                object_type="household",
                object_id=school.inside,
                household_id=school.inside,
                user_id=school.users["care"],
            )
        db.session.commit()
    director = signed_in_client(app, school.users["director"])
    first = director.get("/privacy/audit", query_string={"family": str(school.inside)}).get_data(as_text=True)
    assert first.count('data-action="family.viewed"') == 50 and "Pagina 1 van 3" in first
    last = director.get("/privacy/audit", query_string={"family": str(school.inside), "page": 3})
    assert last.get_data(as_text=True).count('data-action="family.viewed"') == 20


def test_logins_of_unknown_addresses_are_logged_without_the_address(app):
    client = app.test_client()
    client.post("/login", data={"email": "iemand@elders.example", "password": TEST_PASSWORD})
    [event] = [e for e in _all_events(app) if e.action == "login.failed"]
    assert event.user_id is None and "iemand" not in _row_text(event)
