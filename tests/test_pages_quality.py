"""Every page each role can reach in the demo school: valid HTML and no serious
accessibility problem.

The pages are found by following the links each role sees (a bounded crawl),
so a new page is checked without being listed here. The Nu HTML Checker runs
once over all of them; axe-core runs in Chromium on each role's main pages.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest

from school import demo
from tests.factories.app import browser_login
from tests.quality import assert_accessible, assert_valid_html

ROLES = ("beheer", "directie", "zorg", "onthaal", "teacher")
PAGES_PER_ROLE = 30
# Links that do something, or hand out files, rather than show a page.
SKIP = re.compile(r"/(logout|export|download|csv)|\.(csv|json|xlsx)$|^/(static|vendor)/")
HREF = re.compile(r'<a\b[^>]*\bhref="([^"#]+)"')


@pytest.fixture
def demo_school(app):
    with app.app_context():
        assert demo.seed()
        teacher = demo._staff_email(demo._login_teacher_name())
    return {role: (teacher if role == "teacher" else f"{role}@{demo.STAFF_DOMAIN}") for role in ROLES}


def _log_in(client, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 302, response.status_code


def _crawl(client, start: str = "/") -> dict[str, str]:
    """Up to PAGES_PER_ROLE pages reachable from `start`, one per path (first query string wins)."""
    pages: dict[str, str] = {}
    seen_paths: set[str] = set()
    queue = [start]
    while queue and len(pages) < PAGES_PER_ROLE:
        url = queue.pop(0)
        path = urlsplit(url).path
        if path in seen_paths or SKIP.search(url):
            continue
        seen_paths.add(path)
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, (url, response.status_code)
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        pages[url] = html
        for href in HREF.findall(html):
            href = href.replace("&amp;", "&")
            target = urlsplit(urljoin(url, href))
            if target.netloc in ("", "localhost") and target.path not in seen_paths:
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return pages


def test_every_reachable_page_is_valid_html(app, demo_school):
    documents = {}
    for role, email in demo_school.items():
        client = app.test_client()
        _log_in(client, email)
        found = _crawl(client)
        assert len(found) >= 4, (role, sorted(found))
        documents.update({f"{role} {url}": html for url, html in found.items()})
    documents["login"] = app.test_client().get("/login").get_data(as_text=True)
    assert_valid_html(documents)


@pytest.mark.browser
def test_main_pages_of_every_role_pass_axe(app, demo_school, live_server, browser):
    for role, email in demo_school.items():
        viewport = {"width": 390, "height": 844} if role == "teacher" else {"width": 1280, "height": 900}
        context = browser.new_context(viewport=viewport, locale="nl-BE")
        page = context.new_page()
        page.set_default_timeout(15_000)
        browser_login(page, live_server, email, password=demo.DEMO_PASSWORD)
        assert_accessible(page)
        links = page.locator("nav .role-nav a").evaluate_all("links => links.map(a => a.href)")
        for href in links:
            page.goto(href)
            page.wait_for_load_state("networkidle")
            assert_accessible(page)
        context.close()
