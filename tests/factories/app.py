"""Apps, servers and signed-in users for the tests.

- `make_app(url, instance_path, **config)`: a test app (TESTING, CSRF off) on a database URL;
  its templates compile once per process (`COMPILED_TEMPLATES`), not once per app.
- `empty_database()`: every row removed (schema kept), the catalogue put back; in an app context.
- `fresh_app(url, tmp_path, **config)`: the body of an `app`-like fixture (an emptied database).
- `serve(app)`: the app on a free loopback port in a thread, for the browser.
- `login(client, app, user_id)`: a real login through the form.
- `signed_in_client(app, user_id)`: a client with a valid session, without the cost of a login.
- `browser_login(page, base_url, email)`: the login form, filled in the browser.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import text
from werkzeug.serving import make_server

from school import create_app
from school.accounts.models import User
from school.cli import init_school
from school.extensions import db

TEST_PASSWORD = "a long test password"
PHONE = {"width": 390, "height": 844}


class _CompiledTemplates(BytecodeCache):
    """Compiled templates kept in memory for every test app of this process.

    Each test makes a fresh app, and each app's Jinja environment would compile every
    template it renders again (tenths of a second of CPU per test). Jinja keys each entry
    by template name and checks the source's checksum, so a changed template compiles anew.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = _CompiledTemplates()


def make_app(url: str, instance_path, **extra) -> Flask:
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
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    return app


def empty_database() -> None:
    """Remove every row (keeping the schema), then put the catalogue back."""
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
    app = make_app(database_url, tmp_path, **extra)
    with app.app_context():
        empty_database()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """The app served on a free loopback port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def login(client: FlaskClient, app: Flask, user_id: int, password: str = TEST_PASSWORD):
    with app.app_context():
        email = db.session.get(User, user_id).email
    return client.post("/login", data={"email": email, "password": password})


def signed_in_client(app: Flask, user_id: int) -> FlaskClient:
    """A client with a valid session for this user, without the cost of a real login."""
    with app.app_context():
        version = db.session.get(User, user_id).session_version
    client = app.test_client()
    now = int(time.time())
    with client.session_transaction() as session:
        session.update({"_user_id": f"{user_id}.{version}", "_fresh": True, "login_at": now, "seen_at": now})
    return client


def browser_login(page, base_url: str, email: str, password: str = TEST_PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_load_state("networkidle")
