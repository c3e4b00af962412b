"""As the director on a desktop: the dashboard, a filter that swaps the figures and the URL in place."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories.app import browser_login
from tests.factories.dashboard_school import build_school
from tests.factories.rows import in_app
from tests.quality import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("frozen_today")]


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-BE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_the_director_filters_the_dashboard_without_a_page_load(app, desktop, live_server, make_user):
    page = desktop
    ids = in_app(app, build_school)
    make_user("director", email="directie@school.test", name="Directie")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "favicon" not in (
        m.location or {}).get("url", "") else None)

    browser_login(page, live_server, "directie@school.test")
    page.get_by_role("link", name="Dashboard").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contactdashboard")
    expect(page.locator("#dashboard-families")).to_have_text("6 gezinnen in beeld")
    expect(page.locator("#goal-tailored-contact .goal-count")).to_have_text("3 van 6 gezinnen")
    expect(page.locator("#goal-tailored-contact")).to_contain_text("Doel: 90%")
    expect(page.locator("#trend-chart")).to_be_visible()
    assert_accessible(page)
    page.evaluate("window.__sameDocument = true")

    # choose a class: htmx swaps the figures and pushes the URL, the document stays
    page.get_by_label("Klas", exact=True).focus()
    page.get_by_label("Klas", exact=True).select_option(label="3A")
    expect(page).to_have_url(re.compile(rf"[?&]class={ids['3A']}(&|$)"))
    expect(page.locator("#dashboard-families")).to_have_text("3 gezinnen in beeld")
    expect(page.locator("#goal-tailored-contact .goal-count")).to_have_text("2 van 3 gezinnen")
    expect(page.locator("#dashboard-live")).to_have_text("De cijfers zijn bijgewerkt: 3 gezinnen in beeld")
    expect(page.locator(f"#heat-class-{ids['5B']}")).to_have_count(0)
    assert page.evaluate("window.__sameDocument") is True
    expect(page.locator("#filter-class")).to_be_focused()  # the focus stays where the user was
    assert_accessible(page)

    # the period: from 1 October the informal oral quadrant reached fewer families
    page.get_by_label("Klas", exact=True).select_option(value="")
    expect(page.locator("#dashboard-families")).to_have_text("6 gezinnen in beeld")
    page.get_by_label("Van", exact=True).fill("2026-10-01")  # fires change, as a date picker does
    expect(page).to_have_url(re.compile(r"from=2026-10-01"))
    expect(page.locator("#school-grid-informal-oral .grid-count")).to_contain_text("1 gezin bereikt")
    assert page.evaluate("window.__sameDocument") is True

    # the URL is bookmarkable: opened afresh it shows the same figures
    url = page.url
    page.goto(url)
    expect(page.locator("#school-grid-informal-oral .grid-count")).to_contain_text("1 gezin bereikt")
    expect(page.locator("#filter-from")).to_have_value("2026-10-01")

    # the print view, from the link that keeps the filters
    page.locator("#dashboard-print-link").click()
    expect(page).to_have_url(re.compile(r"/dashboard/print\?.*from=2026-10-01"))
    expect(page.locator("#dashboard-print")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("#heatmap")).to_be_visible()
    assert errors == [], errors
