"""Shared fixtures; the plain helpers and builders they use live in `tests/factories/`.

- `app`: a fresh app (TESTING, CSRF off) on a migrated database that has been
  emptied and given the seeded catalogue. No app context is pushed, so each
  test-client request gets its own (as in production).
- `ctx`: the same app with an application context pushed, for tests that work
  with the database directly (`db.session`, services). Do not mix it with
  logged-in client requests in one test: they would share `g`.
- `client`, `htmx` (a client whose requests carry HX-Request), `runner`.
- `make_user(role, ...)`, `login_as(role, ...)`; `login(client, app, user)` is
  in `tests.factories.app`.
- `frozen_today`: "today" is `tests.factories.rows.TODAY` (a module asks for it
  with `pytestmark = pytest.mark.usefixtures("frozen_today")`).
- The browser: `browser`, `page` (a phone), `live_server`.

The database is SQLite in a temporary directory, or PostgreSQL when
DATABASE_URL is set (one database per xdist worker). The schema is built once
per run with the real migrations (`flask db upgrade`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from school.accounts import passwords, service
from school.accounts.models import Role
from school.config import normalise_database_url
from school.extensions import db
from tests.factories.app import PHONE, TEST_PASSWORD, fresh_app, login, make_app, serve
from tests.factories.rows import TODAY

# argon2id at its lowest cost: the same algorithm, format and code paths, without the
# quarter second of CPU per hash and per check that production pays on purpose (every
# user made and every login in the suite). The production parameters still run in
# tests/test_load.py, whose gunicorn workers are processes of their own.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", CHEAP_HASHER)
        patch.setattr(passwords, "_DUMMY_HASH", CHEAP_HASHER.hash("not-a-real-password-for-timing"))
        yield


def _postgres_url(base: str, worker: str) -> str:
    url = make_url(normalise_database_url(base))
    name = f"{url.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> str:
    # xdist's worker id, or "master" when run without xdist (-p no:xdist).
    worker_id = getattr(request.config, "workerinput", {}).get("workerid", "master")
    base = os.environ.get("DATABASE_URL")
    if base:
        url = _postgres_url(base, worker_id)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    app = make_app(url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def app(database_url: str, tmp_path) -> Iterator[Flask]:
    yield from fresh_app(database_url, tmp_path)


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def htmx(app: Flask) -> FlaskClient:
    """A test client whose requests look like htmx swaps."""
    client = app.test_client()
    client.environ_base["HTTP_HX_REQUEST"] = "true"
    return client


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def frozen_today(monkeypatch) -> None:
    """The school's "today" is the fixed TODAY of the row factories."""
    monkeypatch.setattr("school.schoolyear.today", lambda: TODAY)


@pytest.fixture
def make_user(app: Flask):
    """Create a user: make_user("teacher", classes=[class_id, ...]) → user id."""

    def _make(role: str = "teacher", *, email: str | None = None, name: str | None = None,
              classes: tuple[int, ...] = (), password: str = TEST_PASSWORD, active: bool = True) -> int:
        with app.app_context():
            user = service.create_user(
                name=name or f"Test {role}", email=email or f"{role}-{os.urandom(3).hex()}@school.test",
                role=Role(role), password=password, class_ids=list(classes), active=active,
            )
            return user.id

    return _make


@pytest.fixture
def login_as(app: Flask, client: FlaskClient, make_user):
    """Log the `client` in as a new user of `role`; returns the user id."""

    def _login(role: str = "teacher", **kwargs) -> int:
        user_id = make_user(role, **kwargs)
        response = login(client, app, user_id)
        assert response.status_code == 302, response.data
        return user_id

    return _login


# --- the browser: Debian's Chromium driven by Playwright --------------------

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served on a free loopback port in a thread; yields its base URL."""
    with serve(app) as base_url:
        yield base_url


@pytest.fixture
def page(browser):
    """A phone-sized page (390x844) with a fresh browser context."""
    context = browser.new_context(viewport=PHONE, locale="nl-BE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
