"""Reception at the desk, in Dutch, in Chromium: an intake on one page, then finding the family."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from school.schoolyear import span_for, today
from tests.factories.app import browser_login
from tests.factories.rows import enrolled

pytestmark = pytest.mark.browser

TABLET = {"width": 1024, "height": 768}
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture(params=[TABLET, LAPTOP], ids=["tablet", "laptop"])
def desk(browser, request):
    """At the reception desk: a tablet or a laptop."""
    context = browser.new_context(viewport=request.param, locale="nl-BE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def school(app, make_user):
    from school.extensions import db
    from school.families.models import Level, SchoolClass, SchoolYear

    with app.app_context():
        span = span_for(today())
        year = SchoolYear(starts_on=span.start, ends_on=span.end)
        one_a = SchoolClass(school_year=year, name="1A", level=Level.LAGER, sort_order=10)
        k2 = SchoolClass(school_year=year, name="K2", level=Level.KLEUTER, sort_order=2)
        db.session.add_all([year, one_a, k2])
        db.session.commit()
        ids = {"1a": one_a.id, "k2": k2.id}
    ids["bart"] = make_user("teacher", name="Bart Claes", classes=(ids["k2"],))
    make_user("reception", email="onthaal@school.test", name="Rita Onthaal")
    return ids


def test_intake_of_a_family_then_find_it_by_three_letters(app, live_server, desk, school):
    page = desk
    browser_login(page, live_server, "onthaal@school.test")
    started = time.monotonic()
    page.get_by_role("button", name="Nieuwe inschrijving").click()
    page.wait_for_url(re.compile(r"/families/intake$"))
    assert page.get_by_role("heading", name="Nieuwe inschrijving", level=1).is_visible()

    # 1. relatie
    page.get_by_label("Wat moet de school weten over het kind?").fill("Zoë tekent graag.")
    page.get_by_label("Taal voor contact", exact=True).select_option("tr")
    page.get_by_label("Er is een tolk nodig").check()
    page.get_by_label("Tolk voor welke taal").select_option("tr")
    page.get_by_label("Een woordje aan de schoolpoort").check()
    page.get_by_label("Telefoongesprek").check()
    # 2. informatie
    page.get_by_label("Een rondleiding in de school").check()
    # 3. administratie: two caregivers (two rows are there from the start)
    page.locator("#caregivers-0-first_name").fill("Ayşe")
    page.locator("#caregivers-0-last_name").fill("Çelik")
    page.locator("#caregivers-0-kinship").select_option("mother")
    page.locator("#caregivers-0-phone").fill("0470 12 34 56")
    page.locator("#caregivers-1-first_name").fill("Mehmet")
    page.locator("#caregivers-1-last_name").fill("Çelik")
    page.locator("#caregivers-1-kinship").select_option("father")
    # two children in different classes: the second row comes with "Kind toevoegen" (htmx)
    page.locator("#children-0-first_name").fill("Zoë")
    page.locator("#children-0-last_name").fill("Çelik")
    page.locator("#children-0-birth_date").fill("2019-03-04")
    page.locator("#children-0-class_id").select_option(label="1A")
    page.get_by_role("button", name="Kind toevoegen").click()
    page.locator("#children-1-first_name").wait_for()
    assert page.locator("#caregivers-0-first_name").input_value() == "Ayşe"  # nothing typed is lost
    expect_focus = page.evaluate("document.activeElement.id")
    assert expect_focus == "children-1-first_name"
    page.keyboard.type("Emre")
    page.locator("#children-1-last_name").fill("Çelik")
    page.locator("#children-1-birth_date").fill("2021-06-01")
    page.locator("#children-1-class_id").select_option(label="K2")
    # the agreement: a short conversation at the gate every two weeks
    page.locator("#agreements-0-form_id").select_option(label="Gesprek aan de schoolpoort")
    page.locator("#agreements-0-every_days").select_option(label="om de twee weken")
    page.get_by_label("Wie hielp bij dit gesprek").select_option("professional_interpreter")
    page.get_by_role("button", name="Inschrijving afronden").click()
    page.wait_for_url(re.compile(r"/families/\d+$"))
    assert time.monotonic() - started < 180
    assert page.get_by_text("Inschrijving van Çelik bewaard").is_visible()

    from school.contacts.models import ContactMoment
    from school.extensions import db
    from school.families.models import Household
    from school.grid import Quadrant

    household_id = int(page.url.rsplit("/", 1)[1])
    with app.app_context():
        household = db.session.get(Household, household_id)
        assert sorted(p.first_name for p in household.pupils) == ["Emre", "Zoë"]
        assert {p.school_class.name for p in household.pupils} == {"1A", "K2"}
        assert len(household.caregivers) == 2
        assert household.interpreter_needed and household.interpreter_language == "tr"
        assert [(a.form.code, a.every_days) for a in household.agreements] == [("gate_conversation", 14)]
        assert household.contact_person_id == school["bart"]  # class teacher of the youngest child
        moment = db.session.scalar(select(ContactMoment).where(ContactMoment.household_id == household_id))
        assert moment.form.quadrant is Quadrant.FORMAL_ORAL  # the intake is a formal, oral contact

    # and the family page says so: the intake in the timeline as a formal, oral contact, with who
    # helped, on the day of the conversation, and counted in the grid's formal-oral cell
    entry = page.locator(f"#moment-{moment.id}")
    expect(entry).to_have_class(re.compile(r"\bmoment-formal-oral\b"))
    expect(entry.locator(".moment-head")).to_contain_text("Inschrijvingsgesprek")
    expect(entry.locator(".quadrant-tag")).to_have_text("formeel mondeling")
    expect(entry.locator(".moment-facts")).to_contain_text("met hulp van: professionele tolk")
    expect(entry.locator("time")).to_have_attribute("datetime", today().isoformat())
    expect(page.locator("#grid-formal-oral")).not_to_have_class(re.compile(r"\bgrid-empty\b"))

    # find the family again: three letters of a child's name, keyboard only
    page.get_by_role("link", name="Gezinnen").first.click()
    search = page.get_by_label("Zoek een gezin", exact=False)
    search.click()
    # the list before typing already shows this family: wait for the answer to "emr"
    with page.expect_response(lambda response: "q=emr" in response.url):
        search.press_sequentially("emr", delay=60)
    result = page.locator(f"#family-option-{household_id}")
    result.wait_for()
    assert "Emre Çelik · K2" in result.inner_text() and "Zoë Çelik · 1A" in result.inner_text()
    search.press("ArrowDown")
    expect(result).to_have_attribute("aria-selected", "true")
    # results swapped in between the arrow key and Enter come without aria-selected:
    # the box's active descendant still says which family was chosen
    result.evaluate("option => option.setAttribute('aria-selected', 'false')")
    search.press("Enter")
    page.wait_for_url(re.compile(rf"/families/{household_id}$"))


def test_accents_do_not_matter_when_typing(app, live_server, desk, school):
    from school.extensions import db
    from school.families.models import Caregiver, Household, Kinship, Pupil

    with app.app_context():
        db.session.add(Household(display_name="Çelik", caregivers=[
            Caregiver(first_name="Ayşe", last_name="Çelik", kinship=Kinship.MOTHER)],
            pupils=[Pupil(first_name="Zoë", last_name="Çelik", enrolments=enrolled(school["1a"]))]))
        db.session.commit()
    page = desk
    browser_login(page, live_server, "onthaal@school.test")
    page.goto(f"{live_server}/families/")
    search = page.get_by_label("Zoek een gezin", exact=False)
    search.press_sequentially("zoe cel", delay=40)
    page.wait_for_function("document.querySelectorAll('#family-result-list [role=option]').length === 1")
    assert "Zoë Çelik" in page.locator("#family-result-list").inner_text()
    page.wait_for_url(re.compile(r"q=zoe(\+|%20)cel"))  # the pushed URL renders the same list as a full page
    page.reload()
    assert page.locator("#family-result-list [role=option]").count() == 1


@pytest.fixture
def celik(app, school):
    from school.extensions import db
    from school.families.models import Caregiver, Household, Kinship, Pupil

    with app.app_context():
        household = Household(display_name="Çelik", caregivers=[
            Caregiver(first_name="Ayşe", last_name="Çelik", kinship=Kinship.MOTHER, phone="0470 12 34 56")],
            pupils=[Pupil(first_name="Zoë", last_name="Çelik", enrolments=enrolled(school["1a"])),
                    Pupil(first_name="Emre", last_name="Çelik", enrolments=enrolled(school["k2"]))])
        db.session.add(household)
        db.session.commit()
        return household.id


def test_find_a_family_from_any_page_with_the_header_search(app, live_server, desk, school, celik):
    page = desk
    browser_login(page, live_server, "onthaal@school.test")
    page.goto(f"{live_server}/families/intake")
    page.keyboard.press("/")  # from anywhere: "/" goes to the search box in the header
    assert page.evaluate("document.activeElement.id") == "header-q"
    page.keyboard.type("emr", delay=50)
    result = page.locator(f"#header-search-results #family-option-{celik}")
    result.wait_for()
    assert "Emre Çelik · K2" in result.inner_text() and "Zoë Çelik · 1A" in result.inner_text()
    assert page.get_attribute("#header-q", "aria-expanded") == "true"
    page.keyboard.press("Escape")  # closes the results
    assert not result.is_visible()
    # by class and by phone number; arrow keys and Enter open the family
    for typed in ("k2", "0470 12 34"):
        page.fill("#header-q", "")
        with page.expect_response(lambda response, typed=typed: searched_for(response.url) == typed):
            page.locator("#header-q").press_sequentially(typed, delay=30)
        result.wait_for()
    page.keyboard.press("ArrowDown")
    expect(result).to_have_attribute("aria-selected", "true")
    assert page.get_attribute("#header-q", "aria-activedescendant") == f"family-option-{celik}"
    # results that arrive after the arrow key (typing faster than the server) keep the choice
    with page.expect_response(re.compile(r"/families/search\?q=")):
        page.evaluate("htmx.trigger('#header-q', 'search')")
    page.wait_for_timeout(100)  # the swap settles
    expect(result).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/families/{celik}$"))
    # Enter with nothing chosen: the family list with the same search (also without JavaScript)
    page.fill("#header-q", "celik")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/families/\?q=celik$"))
    assert page.locator(f"#family-option-{celik}").is_visible()


def test_a_teacher_finds_only_the_families_of_their_classes(app, live_server, desk, school, celik, make_user):
    from school.extensions import db
    from school.families.models import Household, Pupil

    with app.app_context():
        db.session.add(Household(display_name="Peeters", pupils=[
            Pupil(first_name="Emma", last_name="Peeters", enrolments=enrolled(school["1a"]))]))
        db.session.commit()
    make_user("teacher", email="juf@school.test", classes=(school["k2"],))
    page = desk
    browser_login(page, live_server, "juf@school.test")
    page.goto(f"{live_server}/account")
    page.locator("#header-q").press_sequentially("em", delay=30)  # Emre (K2, hers) and Emma (1A, not)
    page.locator(f"#header-search-results #family-option-{celik}").wait_for()
    assert page.locator("#header-search-results [role=option]").count() == 1
    assert "Emma" not in page.locator("#header-search-results").inner_text()


def test_saving_right_after_typing_a_phone_number_saves_at_the_first_click(app, live_server, desk, school):
    """The duplicate check the phone field starts on leaving it must not swallow the click on Save."""
    page = desk
    browser_login(page, live_server, "onthaal@school.test")
    page.goto(f"{live_server}/families/intake")
    page.locator("#caregivers-0-first_name").fill("Sanne")
    page.locator("#caregivers-0-kinship").select_option("mother")
    page.locator("#caregivers-0-phone").fill("0499 12 98 70")
    page.get_by_role("button", name="Tussentijds bewaren").click()
    page.wait_for_url(re.compile(r"/families/\d+/edit$"), timeout=5_000)
    assert page.get_by_text("tussentijds bewaard").is_visible()


def test_a_validation_error_keeps_everything_and_says_where(app, live_server, desk, school):
    page = desk
    browser_login(page, live_server, "onthaal@school.test")
    page.goto(f"{live_server}/families/intake")
    page.get_by_label("Wat moet de school weten over het kind?").fill("Mila zingt graag.")
    page.locator("#caregivers-0-first_name").fill("Lotte")
    page.locator("#caregivers-0-kinship").select_option("mother")
    page.locator("#children-0-first_name").fill("Mila")
    page.locator("#children-0-last_name").fill("Wouters")
    with page.expect_response(re.compile(r"/families/intake$")) as response:
        page.get_by_role("button", name="Inschrijving afronden").click()  # no class chosen
    assert response.value.status == 422
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.activeElement.id") == "form-errors"
    assert "1 veld vraagt aandacht" in page.locator("#form-errors").inner_text()
    assert page.input_value("#about_child") == "Mila zingt graag."
    assert page.input_value("#children-0-last_name") == "Wouters"
    page.get_by_role("link", name="Kind 1: Klas").click()
    assert page.evaluate("document.activeElement.id") == "children-0-class_id"
    page.locator("#children-0-class_id").select_option(label="1A")
    page.get_by_role("button", name="Inschrijving afronden").click()
    page.wait_for_url(re.compile(r"/families/\d+$"))


def searched_for(url: str) -> str | None:
    """The q of a request to the header search, decoded; None for any other request."""
    parts = urlsplit(url)
    return parse_qs(parts.query).get("q", [""])[0] if parts.path.endswith("/families/search") else None
