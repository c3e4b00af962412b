"""Accounts: login, sessions, roles, the admin pages and the scoping rule."""

import datetime as dt

import pytest
from sqlalchemy import select

from school.accounts.models import User
from school.extensions import db
from tests.factories.app import TEST_PASSWORD, login


def _get_user(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id)


def test_password_is_stored_as_argon2_hash(app, make_user):
    user = _get_user(app, make_user("teacher"))
    assert user.password_hash.startswith("$argon2id$")
    assert TEST_PASSWORD not in user.password_hash


def test_unknown_user_and_wrong_password_get_the_same_answer(client, make_user):
    make_user("teacher", email="known@school.test")
    wrong = client.post("/login", data={"email": "known@school.test", "password": "x" * 14})
    unknown = client.post("/login", data={"email": "nobody@school.test", "password": "x" * 14})
    assert wrong.status_code == unknown.status_code == 422
    assert b"komen niet overeen" in wrong.data
    marker = b"komen niet overeen"
    assert wrong.data.count(marker) == unknown.data.count(marker) == 1


def test_login_keeps_the_typed_email_on_error(client, make_user):
    make_user("teacher", email="juf@school.test")
    response = client.post("/login", data={"email": "juf@school.test", "password": "wrong password!"})
    assert b'value="juf@school.test"' in response.data
    assert b'aria-invalid="true"' in response.data


def test_deactivated_user_cannot_log_in(client, make_user):
    make_user("teacher", email="gone@school.test", active=False)
    response = client.post("/login", data={"email": "gone@school.test", "password": TEST_PASSWORD})
    assert response.status_code == 422


def test_next_only_goes_to_our_own_paths(app, client, make_user):
    user_id = make_user("admin", email="beheer@school.test")
    for target, expected in [
        ("/families/", "/families/"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
    ]:
        client = app.test_client()
        response = client.post(
            "/login", query_string={"next": target},
            data={"email": "beheer@school.test", "password": TEST_PASSWORD},
        )
        assert response.headers["Location"] == expected, target
    assert user_id


def test_logout_ends_every_session_of_the_user(app, make_user):
    user_id = make_user("teacher")
    phone, laptop = app.test_client(), app.test_client()
    login(phone, app, user_id)
    login(laptop, app, user_id)
    assert laptop.get("/contacts/log").status_code == 200
    assert phone.post("/logout").status_code == 302
    # The laptop's cookie still exists, but its session version is outdated.
    response = laptop.get("/contacts/log")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_replayed_cookie_after_logout_gets_the_login_page(app, make_user):
    user_id = make_user("director")
    client = app.test_client()
    login(client, app, user_id)
    cookie = client.get_cookie("session").value
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    response = replay.get("/dashboard/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_password_change_ends_other_sessions_but_not_this_one(app, make_user):
    user_id = make_user("care")
    here, other = app.test_client(), app.test_client()
    login(here, app, user_id)
    login(other, app, user_id)
    too_short = here.post("/account", data={"current": TEST_PASSWORD, "new": "short", "confirm": "short"})
    assert too_short.status_code == 422
    assert b"minstens 12 tekens" in too_short.data.lower()
    new = "a brand new passphrase"
    response = here.post("/account", data={"current": TEST_PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 302
    assert here.get("/follow-ups").status_code == 200
    assert other.get("/follow-ups").status_code == 302
    assert login(app.test_client(), app, user_id, password=new).status_code == 302


def test_wrong_current_password_does_not_change_it(app, client, make_user):
    user_id = make_user("care")
    login(client, app, user_id)
    new = "a brand new passphrase"
    response = client.post("/account", data={"current": "not my password", "new": new, "confirm": new})
    assert response.status_code == 422
    assert login(app.test_client(), app, user_id).status_code == 302


@pytest.mark.parametrize("role", ["teacher", "reception", "care", "director"])
def test_only_admin_reaches_account_administration(app, client, login_as, role):
    login_as(role)
    assert client.get("/admin/users").status_code == 404
    assert client.get("/admin/users/new").status_code == 404


def test_admin_creates_a_teacher_and_assigns_a_class(app, client, login_as):
    from school.families.models import Level, SchoolClass, SchoolYear
    from school.schoolyear import span_for

    with app.app_context():
        span = span_for(dt.date.today())
        year = SchoolYear(starts_on=span.start, ends_on=span.end)
        db.session.add(year)
        db.session.flush()
        klass = SchoolClass(school_year_id=year.id, name="L3", level=Level.LAGER)
        db.session.add(klass)
        db.session.commit()
        class_id = klass.id
    login_as("admin")
    form = client.get("/admin/users/new")
    assert b"L3" in form.data
    data = {"name": "Meester Tom", "email": "Tom@School.test", "role": "teacher", "locale": "",
            "classes": [str(class_id)], "active": "y", "password": "tom's long password"}
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        tom = db.session.scalar(select(User).where(User.email == "tom@school.test"))
        assert [c.name for c in tom.classes] == ["L3"]
        assert tom.role.value == "teacher"
    again = client.post("/admin/users/new", data=data)
    assert again.status_code == 422
    assert b"gebruikt dit e-mailadres al" in again.data


def test_admin_resets_a_password_and_deactivates(app, client, login_as, make_user):
    login_as("admin")
    teacher_id = make_user("teacher", email="t@school.test")
    teacher = app.test_client()
    login(teacher, app, teacher_id)
    new = "reset by the admin!"
    assert client.post(f"/admin/users/{teacher_id}/password", data={"new": new}).status_code == 302
    assert teacher.get("/contacts/log").status_code == 302  # its session ended
    assert login(app.test_client(), app, teacher_id, password=new).status_code == 302
    data = {"name": "T", "email": "t@school.test", "role": "teacher", "locale": ""}  # active unticked
    assert client.post(f"/admin/users/{teacher_id}", data=data).status_code == 302
    assert _get_user(app, teacher_id).active is False
    assert login(app.test_client(), app, teacher_id, password=new).status_code == 422


def test_admin_cannot_lock_themselves_out(app, client, login_as):
    admin_id = login_as("admin")
    data = {"name": "Me", "email": "me@school.test", "role": "teacher", "locale": "", "active": "y"}
    response = client.post(f"/admin/users/{admin_id}", data=data)
    assert response.status_code == 422
    assert _get_user(app, admin_id).role.value == "admin"


def test_cli_create_user(app, runner):
    result = runner.invoke(
        args=["create-user", "--email", "first@school.test", "--name", "First Admin", "--role", "admin"],
        input="the first admin password\nthe first admin password\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "first@school.test"))
        assert user.role.value == "admin"
    short = runner.invoke(
        args=["create-user", "--email", "x@school.test", "--name", "X"], input="short\nshort\n"
    )
    assert short.exit_code != 0


def test_language_choice_is_remembered_per_user(app, client, login_as):
    user_id = login_as("teacher")
    response = client.post("/language", data={"locale": "fr", "next": "/contacts/log"})
    assert response.headers["Location"] == "/contacts/log"
    assert _get_user(app, user_id).locale == "fr"
    page = client.get("/contacts/log")
    assert b'<html lang="fr">' in page.data
    # A new login on another device starts in French too.
    other = app.test_client()
    login(other, app, user_id)
    assert b'<html lang="fr">' in other.get("/contacts/log").data
    assert client.post("/language", data={"locale": "xx"}).status_code == 400


def test_browser_language_is_used_before_any_choice(client):
    assert b'<html lang="en">' in client.get("/login", headers={"Accept-Language": "en-GB,en"}).data
    assert b'<html lang="fr">' in client.get("/login", headers={"Accept-Language": "fr-BE"}).data
    assert b'<html lang="nl">' in client.get("/login", headers={"Accept-Language": "de"}).data


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("nl", "Aanmelden"), ("fr", "Se connecter"), ("en", "Log in")],
)
def test_login_page_in_each_language(client, locale, expected):
    response = client.get("/login", headers={"Accept-Language": locale})
    assert f"<h1>{expected}</h1>".encode() in response.data


@pytest.mark.parametrize(("key", "age"), [("seen_at", 61 * 60), ("login_at", 11 * 3600)])
def test_idle_and_absolute_session_limits(app, client, login_as, key, age):
    import time

    login_as("teacher")
    assert client.get("/contacts/log").status_code == 200
    with client.session_transaction() as session:
        session[key] = int(time.time()) - age
    response = client.get("/contacts/log")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/contacts/log").status_code == 302


def test_an_htmx_request_after_the_session_ended_redirects_the_whole_page(app, client, login_as):
    """Not the login page swapped into a region: an HX-Redirect to it, back to the page the user was on."""
    import time
    from urllib.parse import parse_qs, urlsplit

    login_as("director")
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 61 * 60
    headers = {"HX-Request": "true", "HX-Current-URL": "http://localhost/dashboard/?level=lager"}
    response = client.get("/dashboard/?level=kleuter", headers=headers)
    assert response.status_code == 401
    assert "Location" not in response.headers
    assert "HX-Request" in response.headers["Vary"]
    target = urlsplit(response.headers["HX-Redirect"])
    assert target.path == "/login"
    assert parse_qs(target.query) == {"next": ["/dashboard/?level=lager"]}
    assert b"<form" not in response.data
    # the login page then says why
    assert "Je sessie is afgelopen" in client.get("/login").get_data(as_text=True)

    # never logged in (Flask-Login's own check), and an htmx form post: the same
    fresh = app.test_client()
    posted = fresh.post("/contacts/log", data={}, headers={**headers,
                                                           "HX-Current-URL": "http://localhost/contacts/log"})
    assert posted.status_code == 401
    assert parse_qs(urlsplit(posted.headers["HX-Redirect"]).query) == {"next": ["/contacts/log"]}
    # a page of another site is never where the login leads
    elsewhere = fresh.get("/dashboard/", headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/x"})
    assert elsewhere.status_code == 401 and elsewhere.headers["HX-Redirect"] == "/login"
    # a boosted navigation or a plain request still gets the ordinary redirect
    boosted = fresh.get("/dashboard/", headers={"HX-Request": "true", "HX-Boosted": "true"})
    plain = fresh.get("/dashboard/?level=lager")
    assert boosted.status_code == plain.status_code == 302
    assert "HX-Redirect" not in plain.headers
    assert parse_qs(urlsplit(plain.headers["Location"]).query) == {"next": ["/dashboard/?level=lager"]}


def test_activity_keeps_the_session_alive(app, client, login_as):
    import time

    login_as("teacher")
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 59 * 60
    assert client.get("/contacts/log").status_code == 200
    assert client.get("/contacts/log").status_code == 200
