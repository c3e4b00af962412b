"""Hardening (OWASP ASVS level 2 as the yardstick): headers, cookies, CSRF, sizes, keys, redirects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from school import create_app
from school.config import DEV_SECRET_KEY
from tests.factories.app import TEST_PASSWORD, login, make_app, signed_in_client
from tests.factories.matrix_school import build_school

ROOT = Path(__file__).resolve().parent.parent


# --- headers ----------------------------------------------------------------------


def test_security_headers_on_a_family_page_and_its_fragment(app):
    school = build_school(app)
    client = signed_in_client(app, school.users["director"])
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(f"/families/{school.inside}", headers=headers)
        assert response.status_code == 200
        csp = response.headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["object-src"] == "'none'"
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response.headers["Cache-Control"] == "no-store"
        assert "Strict-Transport-Security" not in response.headers  # plain http: no HSTS


def test_nothing_with_family_data_is_cached_but_assets_are(app):
    school = build_school(app)
    client = signed_in_client(app, school.users["director"])
    for path in (
        f"/privacy/families/{school.inside}/export/access.json",
        "/families/search?q=Binnen",
        "/contacts/log",
        "/nowhere",
    ):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    assert "no-store" not in client.get("/static/app.css").headers.get("Cache-Control", "")
    assert "no-store" not in client.get("/vendor/htmx.min.js").headers.get("Cache-Control", "")


def test_hsts_and_a_secure_session_cookie_over_https(app, make_user):
    user_id = make_user("teacher", email="https@school.test")
    response = app.test_client().post(
        "/login",
        data={"email": "https@school.test", "password": TEST_PASSWORD},
        base_url="https://school.test",
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    plain = login(app.test_client(), app, user_id)
    cookie = plain.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # http://127.0.0.1 for `make run` keeps working


def test_templates_carry_no_inline_script_or_style():
    """The CSP allows no inline script or style: none may be written in the first place."""
    problems = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in match.group(0):
                problems.append(f"{path.name}: inline <script>")
        problems += [f"{path.name}: {m.group(0)}" for m in re.finditer(r"\son[a-z]+\s*=", text)]
        problems += [f"{path.name}: style attribute" for _ in re.finditer(r"\sstyle\s*=", text)]
        problems += [f"{path.name}: <style>" for _ in re.finditer(r"<style\b", text)]
        problems += [f"{path.name}: javascript: URL" for _ in re.finditer(r"javascript:", text, re.I)]
    assert problems == []


def test_htmx_may_not_evaluate_code():
    base = (ROOT / "templates" / "base.html").read_text(encoding="utf-8")
    assert '"allowEval": false' in base
    assert "hx-on" not in "".join(p.read_text(encoding="utf-8") for p in (ROOT / "templates").rglob("*.html"))


# --- CSRF on every state change ------------------------------------------------------


@pytest.fixture
def csrf_app(database_url, tmp_path, app):
    """The same database as `app` (already emptied), with CSRF protection on."""
    csrf = make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)
    yield csrf
    with csrf.app_context():
        from school.extensions import db

        db.session.remove()
        db.engine.dispose()


def _post_rules(app):
    from school.access import rule_for

    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "POST" in rule.methods:
            yield rule, rule_for(app, rule.endpoint)


def test_every_post_without_a_csrf_token_is_refused(csrf_app):
    """Every route that changes something, for a role that may use it, htmx or not: 400 without the token."""
    from school.accounts.models import Role

    school = build_school(csrf_app)
    checked = 0
    for rule, access in _post_rules(csrf_app):
        role = "director"
        if not access.public:
            role = next(
                r.value
                for r in (Role.DIRECTOR, Role.ADMIN, Role.CARE, Role.TEACHER, Role.RECEPTION)
                if r in access.roles
            )
        values = {
            "household_id": school.inside,
            "moment_id": school.moments.get(role, 1),
            "group_id": school.groups.get(role, 1),
            "follow_up_id": school.follow_up_inside,
            "user_id": school.users["other_teacher"],
            "form_id": school.form_id,
            "token": school.uploads.get(role, "x"),
        }
        path = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
        for headers in ({}, {"HX-Request": "true"}):
            client = signed_in_client(csrf_app, school.users[role])
            response = client.post(path, data={"household_id": school.inside}, headers=headers)
            assert response.status_code == 400, (role, path, headers, response.status_code)
            checked += 1
    assert checked >= 40


def test_a_post_with_the_pages_token_in_the_htmx_header_goes_through(csrf_app):
    school = build_school(csrf_app)
    client = signed_in_client(csrf_app, school.users["director"])
    page = client.get(f"/privacy/families/{school.inside}").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = client.post(
        f"/privacy/families/{school.inside}/consent",
        data={"consent": "given"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 302
    assert client.post("/logout", headers={"X-CSRFToken": "not-the-token"}).status_code == 400


def test_login_itself_needs_the_token(csrf_app, make_user):
    make_user("teacher", email="csrf@school.test")
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": "csrf@school.test", "password": "a long test password"})
    assert response.status_code == 400


# --- sizes, keys and redirects -------------------------------------------------------------


def test_a_request_larger_than_the_maximum_is_refused(app, login_as):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    client = app.test_client()
    response = client.post("/login", data={"email": "x" * (80 * 1024), "password": "y"})
    assert response.status_code == 413
    from school.config import DEFAULTS

    assert 0 < DEFAULTS["MAX_CONTENT_LENGTH"] <= 16 * 1024 * 1024


@pytest.mark.parametrize("key", [DEV_SECRET_KEY, "", "short"])
def test_production_refuses_a_development_or_weak_secret_key(tmp_path, key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": key, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})
    # Debug and test runs may use it.
    create_app(
        {
            "SECRET_KEY": key or DEV_SECRET_KEY,
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite",
        }
    )


def test_production_starts_with_a_real_key(tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "a-real-random-secret-key-0123456789",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite",
        }
    )
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        " //evil.example",
    ],
)
def test_after_login_only_our_own_paths(app, make_user, target):
    make_user("teacher", email="next@school.test")
    response = app.test_client().post(
        "/login",
        query_string={"next": target},
        data={"email": "next@school.test", "password": "a long test password"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/", target


def test_the_language_switch_only_goes_back_to_our_own_paths(client):
    response = client.post("/language", data={"locale": "fr", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"
    assert (
        client.post("/language", data={"locale": "fr", "next": "/families/"}).headers["Location"]
        == "/families/"
    )
