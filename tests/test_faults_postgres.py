"""PostgreSQL: a row held by another transaction answers "try again" (503), it does not hang.

Without a lock_timeout a request that needs a locked row waits until gunicorn
kills the worker; with it, the lock-timeout error is an OperationalError that
school.web answers like a busy SQLite file: nothing written, the input kept.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, select, text

from school.extensions import db
from school.families.models import Household
from tests.factories.app import TEST_PASSWORD, fresh_app, login
from tests.factories.intake import form_values
from tests.factories.small_school import build_school

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"), reason="PostgreSQL's lock_timeout (SQLite: tests/test_faults.py)"
)

HELP = "Soep maken voor het schoolfeest."


@pytest.fixture
def quick_app(database_url, tmp_path):
    """The test app, with a short lock timeout so a held row shows quickly."""
    yield from fresh_app(database_url, tmp_path, DATABASE_LOCK_TIMEOUT=0.3)


class _HeldRow:
    """Another connection holding a family's row lock (SELECT … FOR UPDATE) for a `with`."""

    def __init__(self, url: str, household_id: int):
        self.engine = create_engine(url)
        self.household_id = household_id

    def __enter__(self):
        self.conn = self.engine.connect()
        self.transaction = self.conn.begin()
        self.conn.execute(
            text("SELECT id FROM households WHERE id = :id FOR UPDATE"), {"id": self.household_id}
        )
        return self

    def __exit__(self, *_exc):
        self.transaction.rollback()
        self.conn.close()
        self.engine.dispose()


def _director(app, client) -> None:
    from school.accounts import service
    from school.accounts.models import Role

    with app.app_context():
        user = service.create_user(name="Directie", email="directie@school.test", role=Role.DIRECTOR,
                                   password=TEST_PASSWORD).id
    assert login(client, app, user).status_code == 302


def _help_offer(app, household_id: int) -> str | None:
    with app.app_context():
        return db.session.scalar(select(Household.help_offer).where(Household.id == household_id))


def test_the_connection_has_the_lock_timeout(quick_app):
    with quick_app.app_context():
        assert db.session.scalar(text("SHOW lock_timeout")) == "300ms"


@pytest.mark.parametrize("htmx", [False, True])
def test_a_held_family_row_answers_try_again_and_keeps_the_input(quick_app, htmx):
    app = quick_app
    school = build_school(app)
    household_id = school.households["Peeters"]
    client = app.test_client()
    _director(app, client)
    values = form_values(client.get(f"/families/{household_id}/edit").get_data(as_text=True))
    values["help_offer"] = HELP
    values["save"] = "1"
    headers = {"HX-Request": "true"} if htmx else {}
    url = app.config["SQLALCHEMY_DATABASE_URI"]

    with _HeldRow(url, household_id):
        response = client.post(f"/families/{household_id}/edit", data=values, headers=headers)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    html = response.get_data(as_text=True)
    assert "Er is niets opgeslagen" in html and "probeer het opnieuw" in html
    if htmx:
        # the form in the page stays as it is; the message goes beside it
        assert response.headers["HX-Retarget"] == "#request-problem"
        assert "<form" not in html
    else:
        # without JavaScript the form comes back with what was typed
        assert "HX-Retarget" not in response.headers
        assert HELP in html
    assert _help_offer(app, household_id) != HELP

    # Once the row is free the same input saves.
    again = client.post(f"/families/{household_id}/edit", data=values, headers=headers)
    assert again.status_code in (200, 302)
    assert _help_offer(app, household_id) == HELP
