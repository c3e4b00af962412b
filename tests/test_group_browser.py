"""An infoavond with attendance for a class, on a phone."""

from __future__ import annotations

import pytest

from tests.factories.app import browser_login
from tests.factories.reads import moments
from tests.factories.small_school import build_school

pytestmark = pytest.mark.browser


def test_infoavond_with_attendance_for_her_class(page, live_server, app, make_user):
    school = build_school(app)
    make_user("teacher", email="meester.jan@school.test", classes=(school.class_a,))
    browser_login(page, live_server, "meester.jan@school.test")
    page.get_by_role("link", name="Klas- of schoolactiviteit").click()
    page.locator("#activity-form").wait_for()
    page.evaluate("window.__groupMarker = 1")
    page.locator("#activity-kind").get_by_text("Informatieavond", exact=True).click()
    page.get_by_label("Titel (niet verplicht)").fill("Infoavond 1A")
    for child in ("Emma Peeters", "Ola Nowak", "Awa Diallo"):
        page.locator("#attendance").get_by_label(child).check()
    page.get_by_label("Noteer de uitgenodigde gezinnen die niet kwamen als 'niet bereikt'").check()
    page.get_by_role("button", name="Activiteit opslaan").click()
    page.locator("#saved-activity").get_by_text("3 gezinnen kwamen.").wait_for()
    assert page.evaluate("window.__groupMarker") == 1  # no full page load
    saved_note = page.locator("#saved-activity").get_by_text("2 gezinnen zijn genoteerd als niet bereikt.")
    assert saved_note.is_visible()
    saved = moments(app)
    assert sorted(m["reach"] for m in saved) == ["not_reached"] * 2 + ["two_way"] * 3
    assert {m["quadrant"] for m in saved} == {"formal_oral"}
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The summary page lists who came.
    page.get_by_role("link", name="Deze activiteit bekijken of verwijderen").click()
    page.get_by_role("heading", name="3 gezinnen kwamen").wait_for()
