"""The quick log as a teacher uses it: Chromium at 390x844, one hand, at the gate."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories.app import browser_login
from tests.factories.reads import moments
from tests.factories.small_school import build_school

pytestmark = pytest.mark.browser


@pytest.fixture
def teacher_page(page, live_server, app, make_user):
    school = build_school(app)
    make_user("teacher", email="juf.an@school.test", name="Juf An", classes=(school.class_a,))
    browser_login(page, live_server, "juf.an@school.test")
    assert page.url.endswith("/contacts/log")
    return page, school


def choose_family(page, child: str) -> None:
    page.locator("#family-results").get_by_role("link", name=child).click()
    page.locator("#moment-form").wait_for()


def mark_window(page) -> None:
    """A marker that only survives if the page is never fully reloaded."""
    page.evaluate("window.__quickLogMarker = 'still here'")


def marker(page):
    return page.evaluate("window.__quickLogMarker || null")


def test_gate_conversation_in_three_taps_without_a_page_load(teacher_page, app):
    page, school = teacher_page
    choose_family(page, "Emma Peeters")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    mark_window(page)
    taps = 0

    def tap(locator):
        nonlocal taps
        locator.click()
        taps += 1

    tap(page.get_by_text("Gesprek aan de schoolpoort", exact=True).first)
    tap(page.locator("#tone").get_by_text("bezorgdheid", exact=True))
    tap(page.get_by_role("button", name="Bewaren"))
    page.locator("#saved-contact").wait_for()
    assert taps <= 3
    assert marker(page) == "still here"
    assert page.locator("#saved-contact").get_by_text("Gezin Peeters").is_visible()
    # Today's list listened to the event and reloaded itself.
    page.locator("#today-list").get_by_text("Gezin Peeters").wait_for()
    [moment] = moments(app)
    assert moment["household_id"] == school.households["Peeters"]
    assert (moment["form"], moment["quadrant"], moment["reach"], moment["tone"]) == (
        "gate_conversation",
        "informal_oral",
        "two_way",
        "concern",
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_double_click_on_save_makes_one_moment(teacher_page, app):
    page, _school = teacher_page
    choose_family(page, "Ola Nowak")
    mark_window(page)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.get_by_text("Spontaan telefoontje", exact=True).first.click()
    page.get_by_role("button", name="Bewaren").dblclick()
    page.locator("#saved-contact").wait_for()
    expect(page.locator("#today-list")).to_contain_text("Gezin Nowak")
    assert marker(page) == "still here"
    assert len(moments(app)) == 1
    # The button is disabled while sending: the second click of the double click sent nothing.
    assert [url.rsplit("/", 2)[-2:] for url in posts] == [["contacts", "log"]]


def test_undo_right_after_saving(teacher_page, app):
    page, _school = teacher_page
    choose_family(page, "Mila Janssens")
    page.get_by_text("Bericht in de agenda", exact=True).first.click()
    page.get_by_role("button", name="Bewaren").click()
    page.get_by_role("button", name="Ongedaan maken").click()
    page.get_by_role("heading", name="Ongedaan gemaakt").wait_for()
    # Today's list listened to the undo's event too (it retries until the swap is done).
    expect(page.locator("#today-list")).to_contain_text("Vandaag nog niets.")
    assert moments(app) == []


def test_a_future_date_is_refused_in_place_with_the_input_kept(teacher_page, app):
    page, _school = teacher_page
    choose_family(page, "Awa Diallo")
    mark_window(page)
    page.get_by_text("Gesprek aan de schoolpoort", exact=True).first.click()
    page.locator("#more-fields summary").click()
    page.get_by_label("Korte notitie (niet verplicht)").fill("opvolgen in een rustig moment")
    page.get_by_label("Datum").evaluate("el => { el.removeAttribute('max'); el.value = '2999-01-01'; }")
    page.get_by_role("button", name="Bewaren").click()
    page.get_by_text("ligt in de toekomst").wait_for()
    assert marker(page) == "still here"
    assert (
        page.get_by_label("Korte notitie (niet verplicht)").input_value() == "opvolgen in een rustig moment"
    )
    assert page.locator("#form-picker input:checked").count() == 1
    assert moments(app) == []


def test_typed_letters_find_the_family(teacher_page):
    page, _school = teacher_page
    page.get_by_label("Typ een paar letters van de naam van een kind of ouder").fill("yas")
    expect(page.locator("#family-results").get_by_text("Emma Peeters")).to_have_count(0)
    expect(page.locator("#family-results").get_by_role("link", name="Yasmine El Amrani")).to_be_visible()
    # The result shows her class, so a family with two children is recognisable.
    expect(page.locator("#family-results")).to_contain_text("1A, 2B")


def test_five_families_at_once(teacher_page, app):
    page, school = teacher_page
    page.get_by_role("link", name="Meerdere gezinnen tegelijk").click()
    page.locator("#several-form").wait_for()
    mark_window(page)
    for child in ("Emma Peeters", "Yasmine El Amrani", "Ola Nowak", "Mila Janssens", "Awa Diallo"):
        page.locator("#several-families").get_by_label(child).check()
    page.locator("#several-form").get_by_text("Gesprek aan de schoolpoort", exact=True).first.click()
    page.get_by_role("button", name="Opslaan voor deze gezinnen").click()
    page.locator("#saved-contact").get_by_text("Opgeslagen voor 5 gezinnen").wait_for()
    assert marker(page) == "still here"
    saved = moments(app)
    assert len(saved) == 5 and len({m["token"] for m in saved}) == 1
    assert {m["quadrant"] for m in saved} == {"informal_oral"}
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_from_the_family_page_the_grid_updates_without_a_page_load(teacher_page, app):
    """Open the family, tap 'Contact noteren': the gate conversation is three taps, and the
    family's grid, signals and timeline below listen for contact-logged."""
    page, school = teacher_page
    household_id = school.households["Peeters"]
    page.goto(page.url.split("/contacts/")[0] + f"/families/{household_id}")
    expect(page.locator("#grid-informal-oral")).to_contain_text("0 contacten")
    expect(page.locator("#timeline-count")).to_contain_text("0 contactmomenten")
    mark_window(page)
    page.locator("#family-log-contact").click()
    page.locator("#log-area #moment-form").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    taps = 0

    def tap(locator):
        nonlocal taps
        locator.click()
        taps += 1

    tap(page.locator("#log-area").get_by_text("Gesprek aan de schoolpoort", exact=True).first)
    tap(page.locator("#log-area #tone").get_by_text("positief", exact=True))
    tap(page.locator("#log-area").get_by_role("button", name="Bewaren"))
    expect(page.locator("#log-area #saved-contact")).to_contain_text("informeel mondeling")
    assert taps <= 3
    expect(page.locator("#grid-informal-oral")).to_contain_text("1 contact")
    expect(page.locator("#grid-formal-oral")).to_contain_text("0 contacten")
    expect(page.locator("#timeline-moments")).to_contain_text("Gesprek aan de schoolpoort")
    expect(page.locator("#timeline-count")).to_contain_text("1 contactmoment")
    assert marker(page) == "still here"
    [saved] = moments(app)
    assert (saved["household_id"], saved["quadrant"], saved["tone"]) == (
        household_id,
        "informal_oral",
        "positive",
    )
    # Undo from the same place takes it off the grid again.
    page.locator("#log-area").get_by_role("button", name="Ongedaan maken").click()
    expect(page.locator("#grid-informal-oral")).to_contain_text("0 contacten")
    assert marker(page) == "still here"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
