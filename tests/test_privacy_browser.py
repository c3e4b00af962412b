"""The director in Chromium: export a household, erase it, see in the audit trail that it happened."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.factories.app import browser_login
from tests.factories.matrix_school import build_school

pytestmark = pytest.mark.browser


def test_director_exports_erases_and_finds_it_in_the_audit_trail(page, live_server, app, make_user):
    school = build_school(app)
    make_user("director", email="directie@school.test", name="Dirk Directie")
    browser_login(page, live_server, "directie@school.test")
    page.goto(f"{live_server}/families/{school.inside}")
    assert page.locator("#family-name").inner_text() == "Gezin Binnen"
    page.get_by_role("link", name="De gegevens van het gezin: een kopie, toestemming, wissing").click()
    assert page.url.endswith(f"/privacy/families/{school.inside}")

    # The copy for the family: the JSON download and the page to print.
    with page.expect_download() as download:
        page.locator("#export-access-json").click()
    record = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert record["household"]["name"] == "Gezin Binnen"
    assert record["caregivers"][0]["first_name"] == "Iris"
    assert "matrix note" in {m["note"] for m in record["contact_moments"]}
    page.locator("#export-access-page").click()
    assert page.get_by_role("heading", level=1).inner_text().endswith("Gezin Binnen")
    assert page.get_by_text("matrix note").first.is_visible()
    page.go_back()

    # Erasing asks for a confirmation first.
    page.locator("#erase-submit").click()
    assert page.locator("#privacy-erase .field-error").inner_text() == "Vink het vakje aan om te bevestigen."
    page.get_by_label("Ja, wis dit gezin").check()
    page.locator("#erase-submit").click()
    page.wait_for_load_state("networkidle")
    assert "/privacy/audit?family=x-" in page.url
    assert "Gezin Binnen is gewist" in page.locator("#flash-messages").inner_text()
    rows = page.locator("#audit-table tbody tr")
    actions = [rows.nth(i).get_attribute("data-action") for i in range(rows.count())]
    assert actions[0] == "family.erased" and actions.count("family.exported") == 2
    erased = rows.first.inner_text()
    assert "Dirk Directie" in erased and "gezin gewist" in erased and "op vraag van de ouders" in erased
    assert "Gezin Binnen" not in page.locator("#audit-table").inner_text()

    # The family is gone; the trail, filtered with htmx from the menu, still says who did it.
    page.goto(f"{live_server}/families/{school.inside}")
    assert page.get_by_role("heading", level=1).inner_text() == "Pagina niet gevonden"
    page.get_by_role("link", name="Logboek").click()
    page.wait_for_url(re.compile(r"/privacy/audit$"))  # loaded, htmx listening, before choosing
    page.select_option("#action", "family.erased")
    expect(page.locator("#audit-table tbody tr")).to_have_count(1)  # the results swapped in by htmx
    assert page.locator("#audit-table tbody tr").get_attribute("data-action") == "family.erased"
    assert "action=family.erased" in page.url  # pushed into the history: a real page of its own
    assert "Dirk Directie" in page.locator("#audit-table tbody tr").inner_text()
