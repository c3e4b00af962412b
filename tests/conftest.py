"""Shared fixtures.

- `app`: a fresh app (TESTING, CSRF off) on a migrated database that has been
  emptied and given the seeded catalogue. No app context is pushed, so each
  test-client request gets its own (as in production).
- `ctx`: the same app with an application context pushed, for tests that work
  with the database directly (`db.session`, services). Do not mix it with
  logged-in client requests in one test: they would share `g`.
- `client`, `htmx` (a client whose requests carry HX-Request), `runner`.
- `make_user(role, ...)`, `login(client, user)`.

The database is SQLite in a temporary directory, or PostgreSQL when
DATABASE_URL is set (one database per xdist worker). The schema is built once
per run with the real migrations (`flask db upgrade`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from school import create_app
from school.config import normalise_database_url

TEST_PASSWORD = "a long test password"


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
    app = _make_app(url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        from school.extensions import db

        db.engine.dispose()
    return url


def _make_app(url: str, instance_path, **extra) -> Flask:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        **extra,
    }
    app = create_app(config)
    app.instance_path = str(instance_path)
    return app


def empty_database() -> None:
    """Remove every row (keeping the schema), then put the catalogue back."""
    from school.cli import init_school
    from school.extensions import db

    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        quoted = ", ".join(f'"{t}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(text(f'DELETE FROM "{table}"'))
    db.session.commit()
    init_school()


def fresh_app(database_url: str, tmp_path, **extra) -> Iterator[Flask]:
    """A test app on an emptied database (extra config on top), closed afterwards: a fixture's body."""
    app = _make_app(database_url, tmp_path, **extra)
    with app.app_context():
        empty_database()
    yield app
    with app.app_context():
        from school.extensions import db

        db.session.remove()
        db.engine.dispose()


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
def make_user(app: Flask):
    """Create a user: make_user("teacher", classes=[class_id, ...]) → user id."""

    def _make(role: str = "teacher", *, email: str | None = None, name: str | None = None,
              classes: tuple[int, ...] = (), password: str = TEST_PASSWORD, active: bool = True) -> int:
        from school.accounts import service
        from school.accounts.models import Role

        with app.app_context():
            user = service.create_user(
                name=name or f"Test {role}", email=email or f"{role}-{os.urandom(3).hex()}@school.test",
                role=Role(role), password=password, class_ids=list(classes), active=active,
            )
            return user.id

    return _make


def login(client: FlaskClient, app: Flask, user_id: int, password: str = TEST_PASSWORD):
    from school.accounts.models import User
    from school.extensions import db

    with app.app_context():
        email = db.session.get(User, user_id).email
    return client.post("/login", data={"email": email, "password": password})


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
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served on a free loopback port in a thread; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def page(browser):
    """A phone-sized page (390x844) with a fresh browser context."""
    context = browser.new_context(viewport=PHONE, locale="nl-BE")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def browser_login(page, base_url: str, email: str, password: str = TEST_PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_load_state("networkidle")
