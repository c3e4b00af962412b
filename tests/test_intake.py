"""The intake (three parts on one page), saving part-way, editing with conflict detection."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import func, select

from school.schoolyear import span_for, today
from tests.factories.app import login
from tests.factories.intake import form_values, intake_data
from tests.factories.reads import form_id
from tests.factories.rows import enrolled


@pytest.fixture
def school(app, make_user):
    """This school year with two classes (1A with juf Ann, K2 with meester Bart) and the checklist."""
    from school.catalogue import ContactForm
    from school.extensions import db
    from school.families.models import InfoTopic, Level, SchoolClass, SchoolYear

    with app.app_context():
        span = span_for(today())
        year = SchoolYear(starts_on=span.start, ends_on=span.end)
        k2 = SchoolClass(school_year=year, name="K2", level=Level.KLEUTER, sort_order=2)
        one = SchoolClass(school_year=year, name="1A", level=Level.LAGER, sort_order=10)
        db.session.add_all([year, k2, one])
        db.session.commit()
        ids = {"k2": k2.id, "1a": one.id, "topics": [t.id for t in db.session.scalars(select(InfoTopic))]}
        ids["gate"] = db.session.scalar(select(ContactForm.id).where(ContactForm.code == "gate_conversation"))
    ids["ann"] = make_user("teacher", name="Ann Peeters", classes=(ids["1a"],))
    ids["bart"] = make_user("teacher", name="Bart Claes", classes=(ids["k2"],))
    return ids


def test_intake_page_has_three_parts_and_the_agreement(app, client, login_as, school):
    login_as("reception")
    response = client.get("/families/intake")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for part in ("part-relation", "part-information", "part-administration", "part-agreement"):
        assert f'id="{part}"' in html
    assert "Nieuwe inschrijving" in html
    assert 'name="submission_token"' in html
    assert "Gesprek aan de schoolpoort" in html  # the catalogue in the agreement's list
    assert "Een rondleiding in de school" in html  # the checklist


def test_a_finished_intake_saves_the_household_and_logs_the_intake(app, client, login_as, school):
    from school.audit import AuditEvent
    from school.contacts.models import ContactMoment, Initiative, Mediator, Reach
    from school.extensions import db
    from school.families.models import Household, IntakeStatus
    from school.grid import Quadrant

    user_id = login_as("reception")
    gate = form_id(app, "gate_conversation")
    response = client.post(
        "/families/intake", data=intake_data(school, **{"agreements-0-form_id": str(gate)})
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        household = db.session.scalar(select(Household))
        assert response.headers["Location"] == f"/families/{household.id}"
        assert household.display_name == "Çelik"
        assert household.intake_status is IntakeStatus.DONE
        assert household.intake_on == today()
        assert household.interpreter_needed and household.interpreter_language == "tr"
        assert household.written_ok is False and household.digital_ok is True
        assert household.preferred_channels == ["gate", "phone_call"]
        assert household.info_explained == sorted(school["topics"][:2])
        assert household.consent_external and household.consent_external_at is not None
        assert [c.first_name for c in household.caregivers] == ["Ayşe", "Mehmet"]
        assert {p.first_name: p.school_class.name for p in household.pupils} == {"Zoë": "1A", "Emre": "K2"}
        assert [(a.form_id, a.every_days) for a in household.agreements] == [(gate, 14)]
        # the youngest child (Emre, K2) → meester Bart
        assert household.contact_person_id == school["bart"]
        moment = db.session.scalar(select(ContactMoment).where(ContactMoment.household_id == household.id))
        assert moment.form.code == "enrolment_interview"
        assert moment.quadrant is Quadrant.FORMAL_ORAL
        assert moment.reach is Reach.TWO_WAY and moment.initiative is Initiative.SCHOOL
        assert moment.mediator is Mediator.PROFESSIONAL_INTERPRETER
        assert moment.occurred_on == today() and moment.logged_by_id == user_id
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert "family.created" in actions
        created = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "family.created"))
        assert "Zoë" not in str(created.detail) and "tekenen" not in str(created.detail)
        assert "zoe celik" in household.search_key and "470123456" in household.search_key


def test_a_double_submit_saves_once(app, client, login_as, school):
    from school.contacts.models import ContactMoment
    from school.extensions import db
    from school.families.models import Household

    login_as("reception")
    first = client.post("/families/intake", data=intake_data(school))
    second = client.post("/families/intake", data=intake_data(school))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Household)) == 1
        assert db.session.scalar(select(func.count()).select_from(ContactMoment)) == 1


def test_a_double_submit_the_audit_trail_does_not_show_yet_still_saves_once(
    app, client, login_as, school, monkeypatch
):
    """Two requests with the same form at once: neither sees the other's audit event, the unique
    submission token of the household makes the second one answer 'already saved'."""
    from school.extensions import db
    from school.families import service
    from school.families.models import Household

    monkeypatch.setattr(service, "_earlier_submission", lambda *args, **kwargs: None)
    login_as("reception")
    data = intake_data(school, duplicates_ack="1")
    first = client.post("/families/intake", data=data)
    assert first.status_code == 302
    second = client.post("/families/intake", data=data)
    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Household)) == 1


def test_a_true_concurrent_double_submit_on_postgresql_creates_one_household(
    app, make_user, school, monkeypatch
):
    import threading

    from school.extensions import db
    from school.families import service
    from school.families.models import Household

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("on SQLite the write lock already puts the two requests one after the other")
    user = make_user("reception")
    clients = [app.test_client(), app.test_client()]
    for c in clients:
        login(c, app, user)
    both_checked = threading.Barrier(2, timeout=10)
    apply = service._apply

    def after_the_check(household, data):  # both requests are past the "saved before?" check
        both_checked.wait()
        return apply(household, data)

    monkeypatch.setattr(service, "_apply", after_the_check)
    data = intake_data(school, duplicates_ack="1")
    answers = []
    threads = [threading.Thread(target=lambda c=c: answers.append(c.post("/families/intake", data=data)))
               for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(r.status_code for r in answers) == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Household)) == 1


def test_errors_give_422_with_everything_typed_still_there(app, client, login_as, school):
    from school.extensions import db
    from school.families.models import Household

    login_as("reception")
    data = intake_data(
        school,
        **{
            "children-1-class_id": "",  # a class is needed to finish
            "caregivers-0-email": "not-an-address",
            "interpreter_language": "",
        },
    )
    response = client.post("/families/intake", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # the message is inside the alert itself (role="alert" is what a screen reader announces)
    alert = re.search(r'<div class="form-alert" role="alert" id="form-errors"[^>]*>(.*?)</div>', html, re.S)
    assert alert is not None and "Er is nog niets bewaard" in alert[1]
    assert 'value="Ayşe"' in html and 'value="Mehmet"' in html and 'value="not-an-address"' in html
    assert "Zoë houdt van tekenen." in html
    assert 'aria-invalid="true"' in html
    assert 'id="children-1-class_id-error"' in html
    assert 'id="interpreter_language-error"' in html
    # the alert lists each field, in the order of the form, with a link to it; the focus goes there
    assert "3 velden vragen aandacht" in html and 'data-focus="form-errors"' in html
    links = re.findall(r'<li><a href="#([^"]+)">([^<]+)</a>: ([^<]+)</li>', html)
    assert [(target, label) for target, label, _message in links] == [
        ("interpreter_language", "Tolk voor welke taal"),
        ("caregivers-0-email", "Ouder 1: E-mailadres"),
        ("children-1-class_id", "Kind 2: Klas"),
    ]
    assert links[2][2] == "Kies de klas van het kind."
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Household)) == 0


def test_saved_part_way_is_a_draft_without_an_intake_moment_then_finished(app, client, login_as, school):
    from school.contacts.models import ContactMoment
    from school.extensions import db
    from school.families.models import Household, IntakeStatus

    login_as("reception")
    data = intake_data(school, **{"children-1-class_id": ""})
    del data["finish"]
    data["save_draft"] = "1"
    response = client.post("/families/intake", data=data)
    assert response.status_code == 302
    with app.app_context():
        household = db.session.scalar(select(Household))
        assert household.intake_status is IntakeStatus.DRAFT
        assert db.session.scalar(select(func.count()).select_from(ContactMoment)) == 0
        hid, version = household.id, household.version
    assert response.headers["Location"] == f"/families/{hid}/edit"
    page = client.get(f"/families/{hid}/edit").get_data(as_text=True)
    assert "Inschrijving afronden" in page and 'value="Emre"' in page
    finish = form_values(page)
    assert finish["submission_token"]
    finish["children-1-class_id"] = str(school["k2"])
    finish["finish"] = "1"
    response = client.post(f"/families/{hid}/edit", data=finish)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        household = db.session.get(Household, hid)
        assert household.intake_status is IntakeStatus.DONE
        assert household.version > version
        assert len(household.pupils) == 2 and len(household.caregivers) == 2
        assert db.session.scalar(select(func.count()).select_from(ContactMoment)) == 1


def test_finishing_a_draft_keeps_who_helped_and_the_day_of_the_conversation(
    app, client, login_as, make_user, school, monkeypatch
):
    from school.contacts.models import ContactMoment, Mediator
    from school.extensions import db
    from school.families.models import Household

    conversation_day = today() - dt.timedelta(days=3)
    monkeypatch.setattr("school.families.service.today", lambda: conversation_day)
    login_as("reception")
    data = intake_data(school, **{"children-1-class_id": "", "intake_mediator": "informal_interpreter"})
    del data["finish"]
    data["save_draft"] = "1"
    assert client.post("/families/intake", data=data).status_code == 302
    with app.app_context():
        hid = db.session.scalar(select(Household.id))
    monkeypatch.undo()  # finished on another day
    page = client.get(f"/families/{hid}/edit").get_data(as_text=True)
    finish = form_values(page)
    assert finish["intake_mediator"] == "informal_interpreter"
    finish["children-1-class_id"] = str(school["k2"])
    finish["finish"] = "1"
    assert client.post(f"/families/{hid}/edit", data=finish).status_code == 302
    with app.app_context():
        moment = db.session.scalar(select(ContactMoment).where(ContactMoment.household_id == hid))
        assert moment.mediator is Mediator.INFORMAL_INTERPRETER
        assert moment.occurred_on == conversation_day
        assert db.session.get(Household, hid).intake_on == conversation_day
    # what the school holds about who helped is in the family's access export too
    director = app.test_client()
    login(director, app, make_user("director"))
    response = director.get(f"/privacy/families/{hid}/export/access.json")
    assert response.status_code == 200, response.status_code
    assert json.loads(response.data)["household"]["intake_helped_by"] == "informele tolk"


def test_teachers_cannot_do_intakes(app, client, login_as, school):
    login_as("teacher")
    assert client.get("/families/intake").status_code == 404
    assert client.post("/families/intake", data={"finish": "1"}).status_code == 404
    assert client.get("/families/1/edit").status_code == 404


@pytest.mark.parametrize("role", ["reception", "admin", "director", "care"])
def test_who_may_do_intakes(app, client, login_as, school, role):
    login_as(role)
    assert client.get("/families/intake").status_code == 200


def test_add_caregiver_row_keeps_what_was_typed(app, client, htmx, make_user, school):
    user_id = make_user("reception")
    login(htmx, app, user_id)
    data = intake_data(school)
    del data["finish"]
    data["add_caregiver"] = "1"
    response = htmx.post("/families/intake", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<form id="family-form"')
    assert 'name="caregivers-2-first_name"' in html and 'value="Mehmet"' in html
    assert 'data-focus="caregivers-2-first_name"' in html
    assert "family-form-changed" in response.headers["HX-Trigger"]


def test_an_existing_child_is_linked_not_duplicated(app, client, login_as, school):
    """A second household after a separation: the child is found and linked."""
    from school.extensions import db
    from school.families.models import Household, Pupil

    login_as("reception")
    assert client.post("/families/intake", data=intake_data(school)).status_code == 302
    with app.app_context():
        zoe = db.session.scalar(select(Pupil).where(Pupil.first_name == "Zoë"))
        zoe_id = zoe.id
    # look the child up accent-insensitively, then link her
    data = {
        "submission_token": "tok-second-" + "2" * 12,
        "pupil_query": "zoe celik",
        "find_pupil": "1",
        "caregivers-0-first_name": "Jan",
        "caregivers-0-last_name": "Maes",
        "caregivers-0-kinship": "father",
    }
    html = client.post("/families/intake", data=data).get_data(as_text=True)
    assert f'name="link_pupil" value="{zoe_id}"' in html
    data.pop("find_pupil")
    data["link_pupil"] = str(zoe_id)
    html = client.post("/families/intake", data=data).get_data(as_text=True)
    assert f'name="children-0-pupil_id" type="hidden" value="{zoe_id}"' in html
    data.pop("link_pupil")
    data.update(
        {
            "children-0-pupil_id": str(zoe_id),
            "children-0-first_name": "Zoë",
            "children-0-last_name": "Çelik",
            "children-0-class_id": str(school["1a"]),
            "finish": "1",
        }
    )
    response = client.post("/families/intake", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Pupil)) == 2
        zoe = db.session.get(Pupil, zoe_id)
        assert sorted(h.display_name for h in zoe.households) == ["Maes – Çelik", "Çelik"]
        assert db.session.scalar(select(func.count()).select_from(Household)) == 2


def test_duplicate_phone_is_shown_and_can_be_passed(app, client, login_as, school):
    from school.extensions import db
    from school.families.models import Household

    login_as("reception")
    assert client.post("/families/intake", data=intake_data(school)).status_code == 302
    other = intake_data(
        school,
        submission_token="tok-other-" + "o" * 12,
        **{
            "caregivers-0-first_name": "Sara",
            "caregivers-0-last_name": "Janssens",
            "caregivers-0-email": "",
            "caregivers-0-phone": "0470/12.34.56",
            "caregivers-1-first_name": "",
            "caregivers-1-last_name": "",
            "children-0-first_name": "Lena",
            "children-0-last_name": "Janssens",
            "children-1-first_name": "",
            "children-1-last_name": "",
            "children-1-birth_date": "",
            "children-1-class_id": "",
        },
    )
    response = client.post("/families/intake", data=other)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="duplicate-warning"' in html and "Çelik" in html
    assert 'name="duplicates_ack" type="hidden" value="1"' in html
    other["duplicates_ack"] = "1"
    assert client.post("/families/intake", data=other).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Household)) == 2


def test_duplicate_check_fragment(app, htmx, make_user, school):
    user_id = make_user("reception")
    login(htmx, app, user_id)
    htmx.post("/families/intake", data=intake_data(school))
    response = htmx.get("/families/duplicates", query_string={"caregivers-0-phone": "0032 470 123456"})
    assert response.status_code == 200
    assert "Çelik" in response.get_data(as_text=True)
    response = htmx.get("/families/duplicates", query_string={"caregivers-0-email": "nobody@example.be"})
    assert "duplicate-warning" not in response.get_data(as_text=True)


def test_future_birth_date_is_refused(app, client, login_as, school):
    login_as("reception")
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = client.post(
        "/families/intake", data=intake_data(school, **{"children-0-birth_date": tomorrow})
    )
    assert response.status_code == 422
    assert 'id="children-0-birth_date-error"' in response.get_data(as_text=True)


def two_editors_of_a_new_family(app, make_user, school):
    """Reception and care signed in on two clients, and the household reception just enrolled."""
    from school.extensions import db
    from school.families.models import Household

    first, second = app.test_client(), app.test_client()
    login(first, app, make_user("reception", name="Rita Onthaal"))
    login(second, app, make_user("care", name="Carla Zorg"))
    assert first.post("/families/intake", data=intake_data(school)).status_code == 302
    with app.app_context():
        hid = db.session.scalar(select(Household.id))
    return first, second, hid


def test_a_stale_edit_shows_both_versions_and_never_overwrites(app, make_user, school):
    from school.extensions import db
    from school.families.models import Household

    first, second, hid = two_editors_of_a_new_family(app, make_user, school)
    form_a = form_values(first.get(f"/families/{hid}/edit").get_data(as_text=True))
    form_b = form_values(second.get(f"/families/{hid}/edit").get_data(as_text=True))
    form_a["contact_note"] = "Bellen na 17 uur."
    form_a["save"] = "1"
    assert first.post(f"/families/{hid}/edit", data=form_a).status_code == 302
    form_b["contact_note"] = "Liefst via de brugfiguur."
    form_b["save"] = "1"
    response = second.post(f"/families/{hid}/edit", data=form_b)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert 'id="edit-conflict"' in html and "Rita Onthaal" in html
    assert "Bellen na 17 uur." in html and "Liefst via de brugfiguur." in html  # both versions
    with app.app_context():
        assert db.session.get(Household, hid).contact_note == "Bellen na 17 uur."
    # the same submission again (a double click) is a conflict too, never a silent save
    assert second.post(f"/families/{hid}/edit", data=form_b).status_code == 409
    # saving the re-shown form (which carries the new version) keeps the second version, deliberately
    again = form_values(html)
    again["save"] = "1"
    assert second.post(f"/families/{hid}/edit", data=again).status_code == 302
    with app.app_context():
        assert db.session.get(Household, hid).contact_note == "Liefst via de brugfiguur."


def test_two_stale_forms_that_change_only_an_agreement_conflict(app, make_user, school):
    """Only the agreement's rhythm changes (no column of the households row): still a conflict."""
    from school.extensions import db
    from school.families.models import ContactAgreement, Household

    first, second, hid = two_editors_of_a_new_family(app, make_user, school)
    with app.app_context():
        version = db.session.get(Household, hid).version
    form_a = form_values(first.get(f"/families/{hid}/edit").get_data(as_text=True))
    form_b = form_values(second.get(f"/families/{hid}/edit").get_data(as_text=True))
    form_a["agreements-0-every_days"] = "7"
    form_a["save"] = "1"
    assert first.post(f"/families/{hid}/edit", data=form_a).status_code == 302
    with app.app_context():
        assert db.session.get(Household, hid).version > version
    form_b["agreements-0-every_days"] = "30"
    form_b["save"] = "1"
    response = second.post(f"/families/{hid}/edit", data=form_b)
    assert response.status_code == 409
    assert 'id="edit-conflict"' in response.get_data(as_text=True)
    with app.app_context():
        rhythms = db.session.scalars(
            select(ContactAgreement.every_days).where(
                ContactAgreement.household_id == hid, ContactAgreement.active.is_(True)
            )
        ).all()
        assert rhythms == [7]


def test_a_deactivated_contact_person_is_kept_and_shown_as_inactive(app, client, login_as, school):
    from school.accounts.models import User
    from school.extensions import db
    from school.families.models import Household

    login_as("reception")
    data = intake_data(school, contact_person_id=str(school["bart"]))
    assert client.post("/families/intake", data=data).status_code == 302
    with app.app_context():
        hid = db.session.scalar(select(Household.id))
        assert db.session.get(Household, hid).contact_person_id == school["bart"]
        db.session.get(User, school["bart"]).active = False
        db.session.commit()
    page = client.get(f"/families/{hid}/edit").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="contact_person_id".*?</select>', page, re.S)[0]
    option = re.search(rf'<option[^>]*value="{school["bart"]}"[^>]*>([^<]*)</option>', select_html)
    assert option is not None and "selected" in option[0]
    assert "Bart Claes" in option[1] and "(inactief)" in option[1]
    values = form_values(page)
    assert values["contact_person_id"] == str(school["bart"])
    values["help_offer"] = "Voorlezen in de klas."
    values["save"] = "1"
    assert client.post(f"/families/{hid}/edit", data=values).status_code == 302
    with app.app_context():
        assert db.session.get(Household, hid).contact_person_id == school["bart"]  # not swapped
    # a new intake offers only active staff
    assert "Bart Claes" not in client.get("/families/intake").get_data(as_text=True)


def test_an_edit_submitted_twice_saves_once(app, client, login_as, school):
    from school.audit import AuditEvent
    from school.extensions import db
    from school.families.models import Household

    login_as("reception")
    client.post("/families/intake", data=intake_data(school))
    with app.app_context():
        hid = db.session.scalar(select(Household.id))
    data = form_values(client.get(f"/families/{hid}/edit").get_data(as_text=True))
    data["help_offer"] = "Soep maken voor het schoolfeest."
    data["save"] = "1"
    assert client.post(f"/families/{hid}/edit", data=data).status_code == 302
    response = client.post(f"/families/{hid}/edit", data=data)
    assert response.status_code == 302 and response.headers["Location"] == f"/families/{hid}"
    with app.app_context():
        updates = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "family.updated")).all()
        assert len(updates) == 1
        assert "help_offer" in updates[0].detail["fields"]
        assert "Soep" not in str(updates[0].detail)


def test_removing_a_caregiver_and_unlinking_a_child(app, client, login_as, school):
    from school.extensions import db
    from school.families.models import Household, Pupil

    login_as("reception")
    client.post("/families/intake", data=intake_data(school))
    with app.app_context():
        hid = db.session.scalar(select(Household.id))
    data = form_values(client.get(f"/families/{hid}/edit").get_data(as_text=True))
    data["caregivers-1-remove"] = "y"
    assert data["children-0-first_name"] == "Emre"
    data["children-0-remove"] = "y"
    data["save"] = "1"
    assert client.post(f"/families/{hid}/edit", data=data).status_code == 302
    with app.app_context():
        household = db.session.get(Household, hid)
        assert [c.first_name for c in household.caregivers] == ["Ayşe"]
        assert [p.first_name for p in household.pupils] == ["Zoë"]
        assert db.session.scalar(select(func.count()).select_from(Pupil)) == 2  # unlinked, not deleted
        assert "mehmet" not in household.search_key and "emre" not in household.search_key


def test_topics_page_renames_and_adds(app, client, login_as, school):
    from school.extensions import db
    from school.families.models import InfoTopic

    login_as("admin")
    page = client.get("/families/topics")
    assert page.status_code == 200
    data = form_values(page.get_data(as_text=True).split('id="topics-form"')[1])
    data["topics-0-label"] = "Ons schoolreglement"
    data["new_label"] = "De zwemlessen"
    assert client.post("/families/topics", data=data).status_code == 302
    with app.app_context():
        labels = [t.label for t in db.session.scalars(select(InfoTopic).order_by(InfoTopic.sort_order))]
        assert labels[0] == "Ons schoolreglement" and labels[-1] == "De zwemlessen"
    assert "Ons schoolreglement" in client.get("/families/intake").get_data(as_text=True)


def test_teachers_and_reception_cannot_change_the_checklist(app, client, login_as):
    login_as("reception")
    assert client.get("/families/topics").status_code == 404


def test_the_family_page_shows_how_they_like_to_be_contacted(app, client, login_as, school):
    login_as("reception")
    response = client.post("/families/intake", data=intake_data(school))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Een woordje aan de schoolpoort, Telefoongesprek" in html  # preferred ways of contact
    assert "Na school aan de schoolpoort" in html  # times that suit them
    assert 'href="mailto:ayse@example.be"' in html


BIG = "9" * 20  # more than a database integer holds


def test_ids_no_database_can_hold_answer_404_not_500(app, client, login_as, school):
    login_as("reception")
    pupils = f"/families/pupils?pupil_query=zoe&household_id={BIG}"
    for path in (f"/families/{BIG}", f"/families/{BIG}/edit", pupils):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/families/duplicates?caregivers-0-phone=0470123456&exclude={BIG}").status_code == 200


@pytest.mark.parametrize(
    "tampered",
    [
        {"children-0-pupil_id": BIG},
        {"children-0-pupil_id": "abc"},
        {"children-0-pupil_id": "²"},
        {"caregivers-0-id": "abc"},
        {"agreements-0-id": "x"},
        {"version": "²"},
    ],
)
def test_hidden_ids_sent_back_wrong_never_give_a_500(app, client, login_as, school, tampered):
    from school.extensions import db
    from school.families.models import Pupil

    login_as("reception")
    response = client.post("/families/intake", data=intake_data(school, **tampered))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():  # the children are saved as typed: nothing linked by a wrong id
        assert sorted(p.first_name for p in db.session.scalars(select(Pupil))) == ["Emre", "Zoë"]
    data = intake_data(school, submission_token="tok-link-" + "l" * 12, link_pupil=BIG)
    del data["finish"]
    assert client.post("/families/intake", data=data).status_code == 200


@pytest.mark.parametrize("rows", [10, 13])  # the new family form's limits are 8 caregivers, 10 of the others
def test_a_family_with_more_rows_than_a_new_form_takes_is_edited_whole(app, client, login_as, school, rows):
    """The roster import (or the form, a row at a time) can give a family any number of caregivers,
    children and agreements: its edit page shows them all, saves them all and offers one more row."""
    from school.extensions import db
    from school.families.models import Caregiver, ContactAgreement, Household, IntakeStatus, Kinship, Pupil

    with app.app_context():
        household = Household(display_name="Groot gezin", intake_status=IntakeStatus.DONE)
        household.caregivers = [Caregiver(first_name=f"Ouder{n}", kinship=Kinship.GUARDIAN)
                                for n in range(rows)]
        household.pupils = [Pupil(first_name=f"Kind{n}", last_name="Groot", enrolments=enrolled(school["1a"]))
                            for n in range(rows)]
        household.agreements = [ContactAgreement(form_id=school["gate"], every_days=14, agreed_on=today())
                                for _ in range(rows)]
        db.session.add(household)
        db.session.commit()
        hid = household.id
    login_as("reception")
    page = client.get(f"/families/{hid}/edit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'value="Ouder{rows - 1}"' in html and f'value="Kind{rows - 1}"' in html
    data = form_values(html)
    assert data[f"agreements-{rows - 1}-form_id"] == str(school["gate"])
    # the spare row after the last one takes a new child
    data[f"children-{rows}-first_name"], data[f"children-{rows}-last_name"] = "Nieuw", "Groot"
    data[f"children-{rows}-class_id"] = str(school["k2"])
    data[f"caregivers-{rows - 1}-first_name"] = "Laatste"
    data["save"] = "1"
    response = client.post(f"/families/{hid}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        household = db.session.get(Household, hid)
        assert len(household.caregivers) == rows and household.caregivers[-1].first_name == "Laatste"
        assert len(household.pupils) == rows + 1 and "Nieuw" in {p.first_name for p in household.pupils}
        assert sum(a.active for a in household.agreements) == rows
    # and the next edit shows the new child, with a spare row again
    html = client.get(f"/families/{hid}/edit").get_data(as_text=True)
    assert 'value="Nieuw"' in html and f'name="children-{rows + 1}-first_name"' in html
