"""Log in at a phone-sized viewport in Debian's Chromium."""

import pytest

from tests.factories.app import browser_login

pytestmark = pytest.mark.browser


def test_teacher_logs_in_on_a_phone_and_reaches_the_quick_log(page, live_server, make_user):
    make_user("teacher", email="juf.an@school.test", name="Juf An")
    browser_login(page, live_server, "juf.an@school.test")
    assert page.url.endswith("/contacts/log")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.get_by_role("heading", level=1).inner_text() == "Een contact noteren"
    # Nothing sticks out sideways on a 390 px wide phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_wrong_password_keeps_the_email_and_says_why(page, live_server, make_user):
    make_user("reception", email="onthaal@school.test")
    browser_login(page, live_server, "onthaal@school.test", password="not the password")
    assert page.url.endswith("/login")
    assert page.get_by_label("E-mailadres").input_value() == "onthaal@school.test"
    assert page.get_by_text("komen niet overeen").is_visible()
