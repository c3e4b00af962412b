"""Sessions and logins: throttling in the database, sessions that really end."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select, update

from school.accounts.models import LoginFailure, User
from school.audit import AuditEvent
from school.extensions import db
from tests.factories.app import TEST_PASSWORD, login, make_app

WRONG = "not the password at all"


def _try(client, email, password=WRONG):
    return client.post("/login", data={"email": email, "password": password})


def _events(app, action):
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )


def _page_without(body: bytes, email: bytes) -> bytes:
    """The page minus the typed address and the CSRF tokens (they carry a timestamp)."""
    body = body.replace(email, b"")
    return re.sub(rb'(X-CSRFToken": "|name="csrf_token" value=")[^"]+', rb"\1", body)


def test_five_failures_then_the_same_wait_for_a_known_and_an_unknown_address(app, make_user):
    """From the source that guessed (the test client's one address)."""
    make_user("teacher", email="juf@school.test")
    client = app.test_client()
    for _ in range(5):
        assert _try(client, "juf@school.test").status_code == 422
        assert _try(client, "nobody@school.test").status_code == 422
    known = _try(client, "juf@school.test", TEST_PASSWORD)  # even the right password waits now
    unknown = _try(client, "nobody@school.test")
    assert known.status_code == unknown.status_code == 429
    message = b"Te veel mislukte pogingen vanaf dit toestel of netwerk"
    assert message in known.data and message in unknown.data
    assert _page_without(known.data, b"juf@school.test") == _page_without(unknown.data, b"nobody@school.test")
    assert _events(app, "login.failed") == 10
    assert _events(app, "login.throttled") == 2
    # Another address is not held up.
    make_user("care", email="zorg@school.test")
    assert _try(client, "zorg@school.test", TEST_PASSWORD).status_code == 302


def test_the_throttle_is_in_the_database_so_it_holds_across_workers(app, database_url, tmp_path, make_user):
    """Two app instances on one database stand for two worker processes."""
    make_user("teacher", email="juf@school.test")
    other_worker = make_app(database_url, tmp_path / "other")
    try:
        for i in range(5):
            worker = app if i % 2 else other_worker
            assert _try(worker.test_client(), "Juf@School.test ").status_code == 422
        assert _try(app.test_client(), "juf@school.test", TEST_PASSWORD).status_code == 429
        assert _try(other_worker.test_client(), "juf@school.test", TEST_PASSWORD).status_code == 429
    finally:
        with other_worker.app_context():
            db.session.remove()
            db.engine.dispose()
    with app.app_context():
        keys = db.session.scalars(select(LoginFailure.key)).all()
        assert len(set(keys)) == 1 and "juf" not in keys[0]  # a keyed hash, not the address


def test_the_wait_ends_after_the_window_and_a_good_login_clears_the_count(app, make_user):
    make_user("teacher", email="juf@school.test")
    client = app.test_client()
    for _ in range(5):
        _try(client, "juf@school.test")
    assert _try(client, "juf@school.test", TEST_PASSWORD).status_code == 429
    with app.app_context():
        db.session.execute(update(LoginFailure).values(at=LoginFailure.at - dt.timedelta(minutes=16)))
        db.session.commit()
    assert _try(client, "juf@school.test", TEST_PASSWORD).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0


def test_a_copied_cookie_replayed_after_logout_gets_the_login_page(app, make_user):
    user_id = make_user("director")
    client = app.test_client()
    login(client, app, user_id)
    cookie = client.get_cookie("session").value
    assert client.get("/privacy/audit").status_code == 200
    assert client.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    for path in ("/privacy/audit", "/families/", "/dashboard/"):
        response = thief.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), path
    page = thief.get("/privacy/audit", follow_redirects=True)
    assert b'id="login"' in page.data


def test_a_copied_cookie_dies_with_a_password_change_and_a_deactivation(app, make_user):
    user_id = make_user("teacher", email="t@school.test")
    admin_id = make_user("admin")
    here = app.test_client()
    login(here, app, user_id)
    copied = here.get_cookie("session").value
    new = "a brand new passphrase"
    assert (
        here.post("/account", data={"current": TEST_PASSWORD, "new": new, "confirm": new}).status_code == 302
    )
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/contacts/log").status_code == 302
    assert here.get("/contacts/log").status_code == 200  # this session carries on
    copied = here.get_cookie("session").value
    admin = app.test_client()
    login(admin, app, admin_id)
    data = {"name": "T", "email": "t@school.test", "role": "teacher", "locale": ""}  # "active" unticked
    assert admin.post(f"/admin/users/{user_id}", data=data).status_code == 302
    for client in (here, thief):
        client.set_cookie("session", copied)
        assert client.get("/contacts/log").status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).active is False


def test_the_session_cookie_is_reissued_at_login(app, make_user):
    """A session fixed before login (e.g. a planted cookie) does not carry over."""
    user_id = make_user("teacher")
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by somebody else"
    login(client, app, user_id)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["login_at"] and session["seen_at"]


def test_session_limits_suit_a_school_day(app):
    assert app.config["SESSION_IDLE_MINUTES"] <= 60
    assert 8 <= app.config["SESSION_MAX_HOURS"] <= 12
    assert app.config["PERMANENT_SESSION_LIFETIME"] <= app.config["SESSION_MAX_HOURS"] * 3600


def test_the_attempt_is_recorded_before_the_slow_password_check(app, make_user, monkeypatch):
    """Another worker sees the attempt while the password is still being checked."""
    from school.accounts import service

    make_user("teacher", email="juf@school.test")
    seen_meanwhile = []
    real_verify = service.verify_password

    def verify(password_hash, password):
        with db.engine.connect() as other:  # another connection: only what is committed
            seen_meanwhile.append(other.scalar(select(func.count()).select_from(LoginFailure)))
        return real_verify(password_hash, password)

    monkeypatch.setattr(service, "verify_password", verify)
    client = app.test_client()
    assert _try(client, "juf@school.test").status_code == 422
    assert _try(client, "nobody@school.test").status_code == 422  # the same for an unknown address
    assert seen_meanwhile == [1, 2]
    assert _try(client, "juf@school.test", TEST_PASSWORD).status_code == 302
    assert seen_meanwhile[-1] == 3  # its own attempt too, while checking
    with app.app_context():
        # the good login took its own attempt and the earlier failure away; the other address keeps one
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 1


def test_parallel_attempts_cannot_get_past_the_limit(app, make_user, monkeypatch):
    """Many guesses at once: no more than LOGIN_MAX_FAILURES reach the password check."""
    import threading
    import time

    from school.accounts import service

    make_user("teacher", email="juf@school.test")
    app.config["LOGIN_MAX_FAILURES"] = 3
    checked = []
    real_verify = service.verify_password

    def slow_verify(password_hash, password):
        checked.append(1)
        time.sleep(0.3)  # argon2 on a busy server: every request has counted by now
        return real_verify(password_hash, password)

    monkeypatch.setattr(service, "verify_password", slow_verify)
    start = threading.Barrier(8)
    answers: list[int] = []

    def guess():
        client = app.test_client()
        start.wait()
        answers.append(_try(client, "juf@school.test").status_code)

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(answers) == 8 and set(answers) <= {422, 429}
    # At most the limit reach the check. Fewer (even none) is right too: when every attempt has
    # committed before any has counted (PostgreSQL, read committed), each sees the whole burst.
    assert len(checked) <= 3
    assert answers.count(422) == len(checked)
    assert _events(app, "login.failed") + _events(app, "login.throttled") == 8
    # what was checked counts; the throttled attempts left nothing behind
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == len(checked)
