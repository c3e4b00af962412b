"""As a teacher on a phone: the less-visible families of my class, a follow-up, a call that reached them
logged on the family page, and the signal cleared and the follow-up closed in place."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from school.contacts.models import ContactMoment, Reach
from school.extensions import db
from tests.factories.app import browser_login
from tests.factories.rows import TODAY, agreement, household, moment, school_class

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("frozen_today")]


def test_a_follow_up_is_closed_by_a_phone_call_that_reached_the_family(app, page, live_server, make_user):
    with app.app_context():
        mine, other = school_class("3A"), school_class("5B")
        peeters = household("Gezin Peeters", klass=mine, child="Lien", interpreter_needed=True,
                            interpreter_language="ar")
        janssens = household("Gezin Janssens", klass=mine, child="Tom")
        claes = household("Gezin Claes", klass=other, child="Mo")
        for h in (peeters, janssens, claes):
            agreement(h, "report", occasion="rapport")
        moment(janssens, "gate_conversation", dt.date(2026, 11, 10))
        db.session.commit()
        ids = {"class": mine.id, "peeters": peeters.id}
    make_user("teacher", email="juf.sarah@school.test", name="Juf Sarah", classes=(ids["class"],))

    browser_login(page, live_server, "juf.sarah@school.test")
    page.get_by_role("link", name="Minder zichtbaar").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Minder zichtbaar")
    family = page.locator(f"#lv-family-{ids['peeters']}")
    expect(family).to_contain_text("Nog geen persoonlijk gesprek dit schooljaar")
    expect(family).to_contain_text("Nog geen opvolging")
    expect(page.locator("#less-visible-list")).not_to_contain_text("Gezin Janssens")  # reached
    expect(page.locator("#less-visible-list")).not_to_contain_text("Gezin Claes")  # another class
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # plan a follow-up from the signal
    family.get_by_role("link", name=re.compile("Opvolging plannen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Opvolging plannen")
    expect(page.locator("body")).to_contain_text("Plan een tolk (Arabisch) voor het gesprek.")
    page.get_by_label("Aanpak").select_option(label="telefoongesprek")
    page.get_by_label("Tegen wanneer").fill("2026-11-27")
    page.get_by_label("Plan (niet verplicht)").fill("Bellen met tolk na schooltijd")
    page.get_by_role("button", name="Bewaren").click()
    expect(page.locator("#family-name")).to_have_text("Gezin Peeters")
    reach = page.locator("#family-reach")
    expect(reach.locator(".follow-up").first).to_contain_text("telefoongesprek")
    expect(reach.locator(".follow-up").first).to_contain_text("open")
    expect(reach.locator("#signal-no-personal-contact")).to_be_visible()
    expect(page.locator("#grid-informal-oral")).to_contain_text("0 contacten")

    # she phones them, and logs the call that reached the family right there on the family page
    page.evaluate("window.__familyPageMarker = 'still here'")
    page.locator("#family-log-contact").click()
    page.locator("#log-area").get_by_text("Spontaan telefoontje", exact=True).first.click()
    page.locator("#log-area").get_by_role("button", name="Bewaren").click()
    expect(page.locator("#log-area #saved-contact")).to_contain_text("gesprek in twee richtingen")

    # the regions listen for contact-logged and refresh themselves, without a page load
    expect(page.locator("#grid-informal-oral")).to_contain_text("1 contact")
    assert page.evaluate("window.__familyPageMarker") == "still here"
    with app.app_context():
        [call] = db.session.scalars(select(ContactMoment).where(ContactMoment.household_id == ids["peeters"]))
        assert (call.form.code, call.reach, call.occurred_on) == ("spontaneous_call", Reach.TWO_WAY, TODAY)
    expect(page.locator("#family-reach")).to_contain_text(
        "Afgesloten door een contact dat het gezin bereikte: Spontaan telefoontje op 20 nov 2026"
    )
    expect(page.locator("#family-no-signal")).to_be_visible()
    # the signal itself says which contact cleared it
    expect(page.locator("#family-cleared")).to_contain_text(
        "Opgeheven door het contact van 20 nov 2026 (Spontaan telefoontje)")
    expect(page.locator('#family-cleared [data-cleared="no_personal_contact"]')).to_be_visible()
    expect(page.locator("#family-reach .follow-up").first).to_contain_text("gelukt")

    # and the family has left the teacher's list
    page.goto(f"{live_server}/less-visible")
    expect(page.locator("#less-visible-list")).not_to_contain_text("Gezin Peeters")
    expect(page.locator("#less-visible-summary")).to_contain_text("0 met een signaal")
    page.goto(f"{live_server}/follow-ups")
    expect(page.locator("#closed-follow-ups")).to_contain_text("Gezin Peeters")
