"""Follow-ups: create from a signal, change, close by hand or by a contact that reached the family."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from school.audit import AuditEvent
from school.contacts.models import GroupContact, Mediator, Reach
from school.extensions import db
from school.families.models import Household
from school.visibility import service
from school.visibility.models import Approach, FollowUp, FollowUpStatus
from tests.factories.app import login
from tests.factories.rows import TODAY, agreement, form, household, in_app, moment, school_class

pytestmark = pytest.mark.usefixtures("frozen_today")


@pytest.fixture
def family(app, make_user):
    def build():
        klass = school_class("3A")
        h = household("Gezin Peeters", klass=klass)
        agreement(h, "report", occasion="rapport")
        other = household("Gezin Claes", klass=klass)
        return {"class_id": klass.id, "household_id": h.id, "other_id": other.id}

    ids = in_app(app, build)
    ids["teacher"] = make_user("teacher", classes=(ids["class_id"],), name="Juf Sarah")
    ids["care"] = make_user("care", name="Zorg Koen")
    return ids


def follow_ups(app, household_id=None) -> list[FollowUp]:
    with app.app_context():
        stmt = select(FollowUp).order_by(FollowUp.id)
        if household_id:
            stmt = stmt.where(FollowUp.household_id == household_id)
        rows = db.session.scalars(stmt).all()
        db.session.expunge_all()
        return rows


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def new_plan(client, family, **data):
    """The new-follow-up form sent as a browser sends it: with the submission token of the form it
    was shown (unless the test gives one)."""
    url = f"/families/{family['household_id']}/follow-ups/new"
    payload = {"signal_code": "no_personal_contact", "owner": family["teacher"], "approach": "phone",
               "due_on": "2026-11-27", "note": "Bellen na schooltijd"}
    if "submission_token" not in data:
        shown = re.search(r'name="submission_token" type="hidden" value="([^"]+)"',
                          client.get(url).get_data(as_text=True))
        payload["submission_token"] = shown[1] if shown else ""
    payload.update(data)
    return client.post(url, data=payload)


# --- creating ----------------------------------------------------------------------------


def test_plan_a_follow_up_from_a_signal(app, client, family):
    login(client, app, family["teacher"])
    form_page = client.get(f"/families/{family['household_id']}/follow-ups/new?signal=no_personal_contact")
    html = form_page.get_data(as_text=True)
    assert form_page.status_code == 200
    assert "Nog geen persoonlijk gesprek dit schooljaar" in html  # why
    assert '<option selected value="no_personal_contact">' in html
    assert f'<option selected value="{family["teacher"]}">' in html  # the teacher by default
    response = new_plan(client, family)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/families/{family['household_id']}#family-reach")
    (plan,) = follow_ups(app)
    assert (plan.status, plan.approach, plan.owner_id, plan.signal_code, plan.due_on) == (
        FollowUpStatus.OPEN, Approach.PHONE, family["teacher"], "no_personal_contact", dt.date(2026, 11, 27)
    )
    assert "follow_up.created" in audit_actions(app)
    page = client.get(f"/families/{family['household_id']}").get_data(as_text=True)
    assert f'id="follow-up-{plan.id}"' in page and "Bellen na schooltijd" in page
    assert 'id="family-no-plan"' not in page


def test_an_htmx_post_returns_the_region_and_an_event(app, htmx, family):
    login(htmx, app, family["teacher"])
    response = new_plan(htmx, family)
    assert response.status_code == 200
    assert "follow-up-saved" in response.headers["HX-Trigger"]
    assert response.get_data(as_text=True).lstrip().startswith('<section id="family-reach"')


def test_a_resent_form_saves_one_follow_up(app, client, htmx, family):
    login(client, app, family["teacher"])
    html = client.get(f"/families/{family['household_id']}/follow-ups/new").get_data(as_text=True)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', html)[1]
    first = new_plan(client, family, submission_token=token)
    again = new_plan(client, family, submission_token=token)  # a double click, a reload of the POST
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    login(htmx, app, family["teacher"])
    assert new_plan(htmx, family, submission_token=token).status_code == 200
    (plan,) = follow_ups(app)
    assert plan.submission_token == token
    assert audit_actions(app).count("follow_up.created") == 1
    page = client.get(f"/families/{family['household_id']}").get_data(as_text=True)
    assert "Dit formulier was al bewaard; er is niets dubbel bewaard." in page
    # A new form is a new token: a second plan on purpose is saved.
    assert new_plan(client, family, submission_token="another-token-" + "x" * 20).status_code == 302
    assert len(follow_ups(app)) == 2


def test_somebody_else_s_token_is_refused(app, client, family):
    login(client, app, family["teacher"])
    assert new_plan(client, family, submission_token="shared-token-" + "y" * 20).status_code == 302
    care = app.test_client()
    login(care, app, family["care"])
    response = new_plan(care, family, submission_token="shared-token-" + "y" * 20)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Dit formulier werd al gebruikt." in html
    assert 'name="submission_token" type="hidden" value="shared-token-' not in html  # a fresh one
    assert len(follow_ups(app)) == 1


@pytest.mark.parametrize(("data", "message"), [
    ({"due_on": "2026-11-19"}, "Kies vandaag of een latere dag."),
    ({"due_on": "2028-01-01"}, "Kies een dag binnen een jaar vanaf vandaag."),
    ({"due_on": "gisteren"}, "datum"),
    ({"approach": "carrier_pigeon"}, "geldige keuze"),
    ({"owner": "999999"}, "geldige keuze"),
    ({"note": "x" * 2001}, "2000"),
])
def test_bad_input_is_422_with_a_message_and_nothing_saved(app, client, family, data, message):
    login(client, app, family["teacher"])
    response = new_plan(client, family, **data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html.lower() or message in html
    assert 'aria-invalid="true"' in html
    assert follow_ups(app) == []


def test_only_families_in_reach_and_only_planning_roles(app, client, make_user, family):
    other_class = in_app(app, lambda: school_class("6C").id)
    login(client, app, make_user("teacher", classes=(other_class,)))
    assert client.get(f"/families/{family['household_id']}/follow-ups/new").status_code == 404
    assert new_plan(client, family).status_code == 404
    reception = app.test_client()
    login(reception, app, make_user("reception"))
    assert reception.get(f"/families/{family['household_id']}/follow-ups/new").status_code == 404
    assert follow_ups(app) == []


# --- changing ----------------------------------------------------------------------------------


PLANNED = dt.datetime(2026, 11, 2, 9, 0)  # when the test plans were made (UTC), before TODAY


def _plan(app, family, **fields) -> int:
    def make():
        values = {"household_id": family["household_id"], "owner_id": family["teacher"],
                  "approach": Approach.PHONE, "due_on": dt.date(2026, 11, 25), "created_at": PLANNED,
                  **fields}
        f = FollowUp(**values)
        db.session.add(f)
        db.session.flush()
        return f.id

    return in_app(app, make)


def edit(client, follow_up_id, version=1, **data):
    payload = {"status": "in_progress", "owner": data.pop("owner"), "approach": "gate",
               "due_on": "2026-11-25",
               "note": "", "closing_reason": "", "signal_code": "", "version": str(version)}
    payload.update(data)
    return client.post(f"/follow-ups/{follow_up_id}", data=payload)


def test_status_changes_and_closing_by_hand_needs_a_reason(app, client, family):
    plan = _plan(app, family)
    login(client, app, family["teacher"])
    assert edit(client, plan, owner=family["teacher"]).status_code == 302
    (saved,) = follow_ups(app)
    assert (saved.status, saved.approach, saved.version) == (FollowUpStatus.IN_PROGRESS, Approach.GATE, 2)
    response = edit(client, plan, version=2, owner=family["teacher"], status="closed")
    assert response.status_code == 422
    assert "Zeg waarom de opvolging zonder contact wordt afgesloten." in response.get_data(as_text=True)
    assert edit(client, plan, version=2, owner=family["teacher"], status="closed",
                closing_reason="Gezin verhuisd naar een andere school").status_code == 302
    (closed,) = follow_ups(app)
    assert closed.status is FollowUpStatus.CLOSED and closed.closed_at is not None
    assert audit_actions(app).count("follow_up.updated") == 2
    page = client.get(f"/families/{family['household_id']}").get_data(as_text=True)
    assert "Met de hand afgesloten:" in page and "Gezin verhuisd" in page


def test_a_stale_edit_shows_a_conflict_with_both_versions(app, family):
    plan = _plan(app, family)
    teacher, care = app.test_client(), app.test_client()
    login(teacher, app, family["teacher"])
    login(care, app, family["care"])
    assert edit(care, plan, owner=family["care"], note="Koen belt zelf").status_code == 302
    response = edit(teacher, plan, owner=family["teacher"], note="Ik spreek hen aan de poort aan")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Iemand anders heeft deze opvolging intussen gewijzigd" in html
    theirs = html.split('id="conflict-theirs"')[1].split("</dl>")[0]
    yours = html.split('id="conflict-yours"')[1].split("</dl>")[0]
    assert "Koen belt zelf" in theirs and "Zorg Koen" in theirs
    assert "Ik spreek hen aan de poort aan" in yours and "Juf Sarah" in yours
    assert 'name="version" type="hidden" value="2"' in html
    (saved,) = follow_ups(app)
    assert saved.note == "Koen belt zelf"
    # saving again, knowingly, keeps the teacher's version
    again = edit(teacher, plan, version=2, owner=family["teacher"], note="Ik spreek hen aan")
    assert again.status_code == 302
    assert follow_ups(app)[0].note == "Ik spreek hen aan"


# --- closing by a contact that reached the family --------------------------------------------


def _log(app, household_id, code, reach, on=TODAY, **kw):
    def write():
        h = db.session.get(Household, household_id)
        m = moment(h, code, on, reach=reach, **kw)
        closed = service.after_contacts_logged([m])
        return m.id, [f.id for f in closed]

    return in_app(app, write)


@pytest.mark.parametrize("reach", [Reach.ONE_WAY, Reach.NOT_REACHED])
def test_a_message_or_an_attempt_does_not_close_it(app, family, reach):
    _plan(app, family)
    assert _log(app, family["household_id"], "spontaneous_call", reach)[1] == []
    assert follow_ups(app)[0].status is FollowUpStatus.OPEN


def test_a_removed_moment_or_a_broadcast_does_not_close_it(app, family):
    _plan(app, family)
    assert _log(app, family["household_id"], "spontaneous_call", Reach.TWO_WAY, removed=True)[1] == []
    assert _log(app, family["household_id"], "newsletter", Reach.TWO_WAY)[1] == []
    assert follow_ups(app)[0].status is FollowUpStatus.OPEN


@pytest.mark.parametrize(("code", "mediator"), [
    ("platform_message", Mediator.NONE),  # a two-way written exchange: no personal contact yet
    ("notebook", Mediator.NONE),
    ("spontaneous_call", Mediator.BRIDGE_FIGURE),  # only through a go-between
    ("gate_conversation", Mediator.CHILD),
])
def test_a_written_exchange_or_a_go_between_does_not_close_it(app, family, code, mediator):
    _plan(app, family, signal_code="no_personal_contact")
    assert _log(app, family["household_id"], code, Reach.TWO_WAY, mediator=mediator)[1] == []
    assert follow_ups(app)[0].status is FollowUpStatus.OPEN


@pytest.mark.parametrize("mediator", [Mediator.NONE, Mediator.PROFESSIONAL_INTERPRETER,
                                      Mediator.INFORMAL_INTERPRETER])
def test_a_conversation_with_or_without_an_interpreter_closes_it(app, family, mediator):
    _plan(app, family, signal_code="no_personal_contact")
    assert len(_log(app, family["household_id"], "parent_meeting", Reach.TWO_WAY, mediator=mediator)[1]) == 1
    assert follow_ups(app)[0].status is FollowUpStatus.DONE


def test_a_contact_dated_before_the_plan_does_not_close_it(app, family):
    plan = _plan(app, family)  # planned on 2 November
    assert _log(app, family["household_id"], "spontaneous_call", Reach.TWO_WAY,
                on=dt.date(2026, 9, 25))[1] == []  # logged late, dated 25 September
    assert _log(app, family["household_id"], "spontaneous_call", Reach.TWO_WAY,
                on=dt.date(2026, 11, 1))[1] == []  # the day before
    assert follow_ups(app)[0].status is FollowUpStatus.OPEN
    assert _log(app, family["household_id"], "spontaneous_call", Reach.TWO_WAY,
                on=dt.date(2026, 11, 2))[1] == [plan]  # the same day counts


def test_a_plan_made_just_after_midnight_is_of_the_school_s_day(app, family):
    # 23:30 UTC on 1 November is 00:30 on 2 November in Brussels.
    _plan(app, family, created_at=dt.datetime(2026, 11, 1, 23, 30))
    assert _log(app, family["household_id"], "spontaneous_call", Reach.TWO_WAY,
                on=dt.date(2026, 11, 1))[1] == []
    assert follow_ups(app)[0].status is FollowUpStatus.OPEN


def test_a_two_way_contact_closes_the_open_follow_ups_of_that_family_only(app, client, family):
    first = _plan(app, family)
    second = _plan(app, family, status=FollowUpStatus.IN_PROGRESS)
    other = _plan(app, family, household_id=family["other_id"])
    closed_by_hand = _plan(app, family, status=FollowUpStatus.CLOSED, closing_reason="dubbel")
    moment_id, closed = _log(app, family["household_id"], "spontaneous_call", Reach.TWO_WAY)
    assert sorted(closed) == [first, second]
    rows = {f.id: f for f in follow_ups(app)}
    for fid in (first, second):
        assert rows[fid].status is FollowUpStatus.DONE
        assert rows[fid].closed_by_moment_id == moment_id and rows[fid].closed_at is not None
    assert rows[other].status is FollowUpStatus.OPEN
    assert rows[closed_by_hand].status is FollowUpStatus.CLOSED
    assert rows[closed_by_hand].closed_by_moment_id is None
    assert audit_actions(app).count("follow_up.updated") == 2
    login(client, app, family["teacher"])
    page = client.get(f"/families/{family['household_id']}").get_data(as_text=True)
    assert "Afgesloten door een contact dat het gezin bereikte: Spontaan telefoontje op 20 nov 2026" in page
    assert 'data-signal="no_personal_contact"' not in page  # the signal is cleared too


def test_group_activity_attendance_closes_it(app, family):
    _plan(app, family)

    def attend():
        evening = GroupContact(form=form("info_evening"), occurred_on=TODAY, submission_token="ie1")
        db.session.add(evening)
        h = db.session.get(Household, family["household_id"])
        return service.after_contacts_logged([moment(h, "info_evening", TODAY, group=evening)])

    assert len(in_app(app, attend)) == 1
    assert follow_ups(app)[0].status is FollowUpStatus.DONE


def test_undoing_the_contact_reopens_the_follow_up(app, family):
    _plan(app, family)
    moment_id, _ = _log(app, family["household_id"], "spontaneous_call", Reach.TWO_WAY)

    def undo():
        from school.contacts.models import ContactMoment
        from school.schoolyear import utcnow

        m = db.session.get(ContactMoment, moment_id)
        m.removed_at = utcnow()
        return service.after_contacts_removed([m])

    assert len(in_app(app, undo)) == 1
    plan = follow_ups(app)[0]
    assert plan.status is FollowUpStatus.OPEN and plan.closed_by_moment_id is None


def test_the_contacts_package_closes_follow_ups_when_it_logs(app, family):
    from school.contacts import service as contacts

    if not hasattr(contacts, "log_moments"):
        pytest.skip("the contact log is being built")
    _plan(app, family)

    def log():
        from school.accounts.models import User

        teacher = db.session.get(User, family["teacher"])
        contacts.log_moments(teacher, [family["household_id"]], form=form("gate_conversation"), token="tok-1",
                             occurred_on=TODAY, reach=Reach.TWO_WAY)

    in_app(app, log)
    assert follow_ups(app)[0].status is FollowUpStatus.DONE


# --- my follow-ups ----------------------------------------------------------------------------


def test_my_follow_ups_with_overdue_ones_standing_out(app, client, family):
    late = _plan(app, family, due_on=dt.date(2026, 11, 10))
    later = _plan(app, family, due_on=dt.date(2026, 12, 10))
    colleague = _plan(app, family, owner_id=family["care"])
    login(client, app, family["teacher"])
    html = client.get("/follow-ups").get_data(as_text=True)
    mine = html.split('id="my-follow-ups"')[1].split("</ul>")[0]
    assert f'id="follow-up-{late}"' in mine and f'id="follow-up-{later}"' in mine
    assert f'id="follow-up-{colleague}"' not in html
    assert mine.index(f"follow-up-{late}") < mine.index(f"follow-up-{later}")
    late_item = mine.split(f'id="follow-up-{late}"')[0].rsplit("<li", 1)[1]
    assert "overdue" in late_item
    assert "over tijd" in mine.split(f'id="follow-up-{late}"')[1].split("</li>")[0]


def test_care_sees_colleagues_follow_ups_and_families_without_a_plan(app, client, family):
    _plan(app, family)
    login(client, app, family["care"])
    html = client.get("/follow-ups").get_data(as_text=True)
    assert 'id="others-follow-ups"' in html and "Gezin Peeters" in html
    # Claes has a signal and nobody follows up
    assert "1 zonder opvolging" in html


def test_every_role_has_my_follow_ups(app, make_user):
    for role in ("reception", "admin", "director"):
        c = app.test_client()
        login(c, app, make_user(role))
        assert c.get("/follow-ups").status_code == 200


def test_correcting_the_contact_to_not_reached_reopens_it_through_the_same_hook(app, family):
    _plan(app, family)
    moment_id, _ = _log(app, family["household_id"], "spontaneous_call", Reach.TWO_WAY)

    def correct():
        from school.contacts.models import ContactMoment

        m = db.session.get(ContactMoment, moment_id)
        m.reach = Reach.NOT_REACHED
        return service.after_contacts_logged([m])

    assert in_app(app, correct) == []
    plan = follow_ups(app)[0]
    assert plan.status is FollowUpStatus.OPEN and plan.closed_at is None


# --- correcting a contact ------------------------------------------------------------------------


def _correct(app, family, moment_id, **changes):
    from school.accounts.models import User
    from school.contacts import service as contacts
    from school.contacts.models import ContactMoment

    def write():
        m = db.session.get(ContactMoment, moment_id)
        teacher = db.session.get(User, family["teacher"])
        contacts.update_moment(teacher, m, version=None, form=m.form, **changes)

    in_app(app, write)


def test_correcting_the_note_of_an_earlier_conversation_does_not_close_a_newer_plan(app, family):
    # A conversation in the morning; in the afternoon a plan for another reason (its concerns).
    earlier, _ = _log(app, family["household_id"], "spontaneous_call", Reach.TWO_WAY,
                      on=dt.date(2026, 11, 10))
    newer = _plan(app, family, signal_code="only_concerns", created_at=dt.datetime(2026, 11, 10, 14, 0))
    _correct(app, family, earlier, note="belde over de uitstap")
    assert follow_ups(app)[0].status is FollowUpStatus.OPEN
    # Today's conversation closes it, and correcting that one's note keeps it closed.
    today_call, closed = _log(app, family["household_id"], "gate_conversation", Reach.TWO_WAY)
    assert closed == [newer]
    _correct(app, family, today_call, note="opvolgen in een rustig moment")
    plan = follow_ups(app)[0]
    assert plan.status is FollowUpStatus.DONE and plan.closed_by_moment_id == today_call


def test_correcting_an_attempt_into_a_conversation_closes_the_plan(app, family):
    attempt, _ = _log(app, family["household_id"], "spontaneous_call", Reach.NOT_REACHED)
    plan = _plan(app, family)
    _correct(app, family, attempt, reach=Reach.TWO_WAY)
    (saved,) = follow_ups(app)
    assert saved.id == plan and saved.status is FollowUpStatus.DONE and saved.closed_by_moment_id == attempt
    _correct(app, family, attempt, reach=Reach.ONE_WAY)  # and back: the plan is open again
    assert follow_ups(app)[0].status is FollowUpStatus.OPEN
