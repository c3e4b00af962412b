"""The privacy pages: valid HTML in every state, and no serious accessibility problem in Chromium."""

from __future__ import annotations

import pytest

from tests.factories.app import browser_login, signed_in_client
from tests.factories.matrix_school import build_school
from tests.quality import assert_accessible, assert_valid_html


def test_the_privacy_pages_are_valid_html(app):
    school = build_school(app)
    director = signed_in_client(app, school.users["director"])
    family = f"/privacy/families/{school.inside}"
    pages = {}
    for path in (family, f"{family}/export/access", f"{family}/export/transfer", "/privacy/audit",
                 f"/privacy/audit?family={school.inside}", f"/families/{school.inside}"):
        response = director.get(path)
        assert response.status_code == 200, path
        pages[path] = response.get_data(as_text=True)
    refused = director.post(f"{family}/erase", data={"reason": "request"})
    assert refused.status_code == 422
    pages["erase without confirming"] = refused.get_data(as_text=True)
    wrong_dates = director.get("/privacy/audit?date_from=2026-05-02&date_to=2026-05-01")
    assert wrong_dates.status_code == 422
    pages["audit with wrong dates"] = wrong_dates.get_data(as_text=True)
    assert_valid_html(pages)


@pytest.mark.browser
def test_the_privacy_pages_are_accessible(page, live_server, app, make_user):
    school = build_school(app)
    make_user("director", email="directie@school.test")
    browser_login(page, live_server, "directie@school.test")
    page.goto(f"{live_server}/privacy/families/{school.inside}")
    assert_accessible(page)
    page.locator("#erase-submit").click()
    page.locator("#privacy-erase .field-error").wait_for()
    assert_accessible(page)
    page.goto(f"{live_server}/privacy/families/{school.inside}/export/access")
    assert_accessible(page)
    page.goto(f"{live_server}/privacy/audit")
    assert_accessible(page)
