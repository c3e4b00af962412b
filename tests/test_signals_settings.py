"""The director sets the thresholds of the signals; the lists use them at once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from school.audit import AuditEvent
from school.extensions import db
from school.settings import Setting
from school.visibility.signals import DEFAULTS, SETTING_KEY
from tests.factories.app import login
from tests.factories.rows import agreement, household, school_class

pytestmark = pytest.mark.usefixtures("frozen_today")


def values(**changes) -> dict[str, str]:
    return {name: str(value) for name, value in {**DEFAULTS.as_dict(), **changes}.items()}


def stored(app):
    with app.app_context():
        setting = db.session.get(Setting, SETTING_KEY)
        return dict(setting.value) if setting else None


def test_the_page_documents_every_default_and_why(app, client, login_as):
    login_as("director")
    html = client.get("/settings/signals").get_data(as_text=True)
    assert "Drempels van de signalen" in html
    assert "Een maand geeft de klastitularis tijd" in html
    assert "Standaard: 30 (van 0 tot 120)." in html
    for name in DEFAULTS.as_dict():
        assert f'id="{name}"' in html and f'for="{name}"' in html
        assert f'aria-describedby="{name}-hint"' in html


def test_saving_thresholds_changes_the_signals(app, client, login_as):
    def build():
        klass = school_class("1A")
        h = household("Gezin Nieuw", klass=klass, intake_on=dt.date(2026, 11, 1))
        agreement(h, "report", occasion="rapport")
        return klass.id

    with app.app_context():
        build()
        db.session.commit()
    login_as("director")
    assert "Gezin Nieuw" not in client.get("/less-visible").get_data(as_text=True)  # 19 days after intake
    response = client.post("/settings/signals", data=values(start_period_days=14))
    assert response.status_code == 302
    assert stored(app)["start_period_days"] == 14
    assert "Gezin Nieuw" in client.get("/less-visible").get_data(as_text=True)
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "settings.updated")).one()
        assert event.detail["changed"] == ["start_period_days"]


@pytest.mark.parametrize("bad", [
    {"recent_days": "5"}, {"only_written_min": "veel"}, {"start_period_days": ""},
])
def test_bad_values_are_422_with_the_input_kept_and_nothing_saved(app, client, login_as, bad):
    login_as("director")
    response = client.post("/settings/signals", data={**values(), **bad})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    (name, value), = bad.items()
    assert f'aria-describedby="{name}-error {name}-hint"' in html
    assert 'aria-invalid="true"' in html
    assert f'value="{value}"' in html or value == ""
    assert stored(app) is None


def test_only_the_director_and_admin(app, make_user):
    expected = (("teacher", 404), ("care", 404), ("reception", 404), ("admin", 200), ("director", 200))
    for role, status in expected:
        c = app.test_client()
        login(c, app, make_user(role))
        assert c.get("/settings/signals").status_code == status, role
