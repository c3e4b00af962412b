"""The schema comes only from the migrations, and they match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from school.extensions import db


def test_models_and_migrations_agree(ctx):
    """What `flask db check` checks: nothing left to migrate."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_catalogue_is_seeded_in_every_quadrant(ctx):
    from sqlalchemy import select

    from school.catalogue import ContactForm
    from school.grid import QUADRANTS

    forms = db.session.scalars(select(ContactForm)).all()
    assert {f.quadrant for f in forms} == set(QUADRANTS)
    assert any(f.is_broadcast for f in forms)
    gate = next(f for f in forms if f.code == "gate_conversation")
    assert gate.name == "Gesprek aan de schoolpoort"


def test_sqlite_connections_use_wal_and_foreign_keys(ctx):
    from sqlalchemy import text

    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
