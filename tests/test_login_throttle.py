"""Login throttling per source (issue 23, ASVS 6.3): the source that guessed is refused, the
account's owner elsewhere still gets in, at most a little later; one source spraying many
addresses is refused too. The client address is REMOTE_ADDR (or, behind TRUSTED_PROXIES,
what the proxy forwarded)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from school.accounts import service
from school.accounts.models import LoginFailure
from school.audit import AuditEvent
from school.extensions import db
from school.policy import Role
from tests.factories.app import TEST_PASSWORD, fresh_app

WRONG = "not the password at all"
GUESSER, OWNER = "203.0.113.66", "198.51.100.7"


def _try(client, email, password=WRONG, address=GUESSER, forwarded=None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def _details(app, action) -> list[dict]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == action)))


@pytest.fixture
def pauses(monkeypatch) -> list[float]:
    """The waits a login under attack asked for (not slept: the test stays fast)."""
    asked: list[float] = []
    monkeypatch.setattr(service, "pause", asked.append)
    return asked


def test_the_guessing_source_is_refused_and_the_owner_elsewhere_gets_in(app, make_user, pauses):
    make_user("director", email="directie@school.test")
    attacker, owner = app.test_client(), app.test_client()
    for _ in range(5):
        assert _try(attacker, "directie@school.test").status_code == 422
    assert _try(attacker, "directie@school.test").status_code == 429
    # The right password from the guessing source is refused too, without being checked.
    assert _try(attacker, "directie@school.test", TEST_PASSWORD).status_code == 429
    # From another address the director gets in, while the attack goes on.
    assert _try(owner, "directie@school.test", TEST_PASSWORD, address=OWNER).status_code == 302
    assert _try(attacker, "directie@school.test").status_code == 429
    assert _try(attacker, "directie@school.test", TEST_PASSWORD).status_code == 429
    assert pauses == []  # one guessing source is no distributed attack
    assert [d["limit"] for d in _details(app, "login.throttled")] == ["account"] * 4
    with app.app_context():
        # the owner's login took none of the guesser's failures away
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 5


def test_the_owners_own_typos_elsewhere_do_not_count_against_the_guesser(app, make_user):
    """A good login clears its own source's failures only."""
    make_user("teacher", email="juf@school.test")
    guesser, owner = app.test_client(), app.test_client()
    for _ in range(4):
        _try(guesser, "juf@school.test")
        _try(owner, "juf@school.test", address=OWNER)
    assert _try(owner, "juf@school.test", TEST_PASSWORD, address=OWNER).status_code == 302
    assert _try(guesser, "juf@school.test").status_code == 422
    assert _try(guesser, "juf@school.test", TEST_PASSWORD).status_code == 429  # the fifth counted
    owner = app.test_client()  # logged out: from the owner's address the count starts afresh
    for _ in range(5):
        assert _try(owner, "juf@school.test", address=OWNER).status_code == 422


def test_under_a_distributed_attack_the_right_password_gets_in_after_a_short_wait(app, make_user, pauses):
    make_user("director", email="directie@school.test")
    client = app.test_client()
    sources = [f"192.0.2.{n}" for n in range(1, 5)]
    for address in sources:
        for _ in range(2):
            assert _try(client, "directie@school.test", address=address).status_code == 422
    assert pauses == [1.0, 1.0]  # the fourth source's checks: three others had failed
    pauses.clear()
    assert _try(app.test_client(), "directie@school.test", TEST_PASSWORD, address=OWNER).status_code == 302
    assert pauses == [1.0]
    assert _details(app, "login")[-1] == {"delayed": True}
    # The guessers wait as long for each of their checks, and are refused after their five.
    for _ in range(3):
        assert _try(client, "directie@school.test", address=sources[0]).status_code == 422
    assert _try(client, "directie@school.test", TEST_PASSWORD, address=sources[0]).status_code == 429
    assert pauses == [1.0] * 4
    # Another address is not under attack: no wait.
    make_user("teacher", email="juf@school.test")
    assert _try(app.test_client(), "juf@school.test", TEST_PASSWORD, address=OWNER).status_code == 302
    assert pauses == [1.0] * 4


def test_the_wait_is_bounded_whatever_is_configured(app, make_user, pauses):
    app.config["LOGIN_ATTACK_DELAY_SECONDS"] = 600
    app.config["LOGIN_ATTACK_SOURCES"] = 1
    make_user("director", email="directie@school.test")
    client = app.test_client()
    _try(client, "directie@school.test")
    assert _try(client, "directie@school.test", TEST_PASSWORD, address=OWNER).status_code == 302
    assert pauses == [service.MAX_ATTACK_DELAY_SECONDS] and service.MAX_ATTACK_DELAY_SECONDS <= 5


def test_one_source_spraying_many_addresses_is_refused(app, make_user):
    app.config["LOGIN_MAX_SOURCE_FAILURES"] = 6
    make_user("teacher", email="juf@school.test")
    client = app.test_client()
    for n in range(6):  # one guess per address: below the limit per address
        assert _try(client, f"user{n}@school.test").status_code == 422
    assert _try(client, "user7@school.test").status_code == 429
    assert _try(client, "juf@school.test", TEST_PASSWORD).status_code == 429
    assert _details(app, "login.throttled")[-1] == {"limit": "source"}
    # Another source is not held up, for those addresses either.
    assert _try(app.test_client(), "juf@school.test", TEST_PASSWORD, address=OWNER).status_code == 302
    assert _try(client, "user7@school.test", address=OWNER).status_code == 422


def test_the_table_holds_no_address_nor_typed_text(app, make_user):
    make_user("teacher", email="juf@school.test")
    _try(app.test_client(), "juf@school.test")
    with app.app_context():
        row = db.session.execute(select(LoginFailure.key, LoginFailure.source)).one()
    assert len(row.key) == len(row.source) == 64
    assert all(text not in value for value in row for text in ("juf", "203.0.113", GUESSER))


def test_a_forwarded_for_header_is_not_believed_without_a_trusted_proxy(app, make_user):
    """Otherwise a guesser would be a new source with every request."""
    make_user("teacher", email="juf@school.test")
    client = app.test_client()
    for n in range(5):
        _try(client, "juf@school.test", forwarded=f"10.0.0.{n}")
    assert _try(client, "juf@school.test", TEST_PASSWORD, forwarded="10.9.9.9").status_code == 429


@pytest.fixture
def proxied_app(database_url, tmp_path):
    yield from fresh_app(database_url, tmp_path, TRUSTED_PROXIES=1)


def test_behind_a_trusted_proxy_the_forwarded_client_is_the_source(proxied_app):
    app = proxied_app
    with app.app_context():
        service.create_user(name="Juf", email="juf@school.test", role=Role.TEACHER,
                            password=TEST_PASSWORD)
    client = app.test_client()
    proxy = "127.0.0.1"  # every request reaches the app from the proxy
    for _ in range(5):
        _try(client, "juf@school.test", address=proxy, forwarded=GUESSER)
    assert _try(client, "juf@school.test", TEST_PASSWORD, address=proxy,
                forwarded=GUESSER).status_code == 429
    # The client in front of the proxy's own header is not believed: the proxy appended the real one.
    assert _try(client, "juf@school.test", TEST_PASSWORD, address=proxy,
                forwarded=f"{OWNER}, {GUESSER}").status_code == 429
    assert _try(client, "juf@school.test", TEST_PASSWORD, address=proxy,
                forwarded=OWNER).status_code == 302
