"""Erased means erased: after an erasure no byte of the family's text is left in the database.

On SQLite the whole files are scanned (the main file, its `-wal` and `-shm`): `secure_delete`
overwrites deleted rows, and the write-ahead log is checkpointed and truncated after the
erasure (school.privacy.service). On PostgreSQL every row of every table is checked.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select, text

from school import schoolyear
from school.extensions import db
from tests.factories.app import signed_in_client
from tests.factories.matrix_school import build_school
from tests.factories.rows import enrolled

# Lower case and nothing to normalise: the same bytes in any search key or index built from it.
MARKER = "qzxvmarkerjw"


def _family_with_the_marker(app, school) -> int:
    from school.contacts.models import ContactMoment, Initiative, Reach
    from school.families.models import Caregiver, Household, Kinship, Pupil
    from school.visibility.models import Approach, FollowUp

    with app.app_context():
        household = Household(display_name=f"Gezin {MARKER}", contact_note=f"bel na vier {MARKER}",
                              help_offer=f"soep {MARKER}",
                              pupils=[Pupil(first_name=f"kind{MARKER}", last_name=MARKER,
                                            enrolments=enrolled(school.class_a))])
        household.caregivers.append(Caregiver(first_name=f"ouder{MARKER}", last_name=MARKER,
                                              kinship=Kinship.MOTHER, phone="0470 12 34 56"))
        db.session.add(household)
        db.session.flush()
        db.session.add(ContactMoment(
            household_id=household.id, form_id=school.form_id, occurred_on=schoolyear.today(),
            initiative=Initiative.SCHOOL, reach=Reach.TWO_WAY, logged_by_id=school.users["care"],
            submission_token=f"erase-{MARKER}", note=f"gesprek over {MARKER}",
        ))
        db.session.add(FollowUp(household_id=household.id, owner_id=school.users["care"],
                                approach=Approach.PHONE, note=f"opvolgen {MARKER}",
                                due_on=dt.date.today() + dt.timedelta(days=7)))
        db.session.commit()
        return household.id


def _sqlite_files(app) -> list[Path]:
    with app.app_context():
        main = Path(db.engine.url.database)
    return [main, *(main.with_name(main.name + suffix) for suffix in ("-wal", "-shm"))]


def _marker_in_files(files: list[Path]) -> list[str]:
    return [f.name for f in files if f.exists() and MARKER.encode() in f.read_bytes().lower()]


def _rows_with_marker(app) -> list[str]:
    with app.app_context():
        found = []
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(text(f'SELECT t::text FROM "{table.name}" AS t')).scalars()
            found += [table.name for row in rows if MARKER in row.lower()]
        return found


def test_after_an_erasure_no_byte_of_the_family_is_left(app):
    school = build_school(app)
    household_id = _family_with_the_marker(app, school)
    director = signed_in_client(app, school.users["director"])
    assert director.get(f"/families/{household_id}").status_code == 200
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        files = _sqlite_files(app)
        assert _marker_in_files(files)  # the scan finds it while the family is there
    else:
        assert _rows_with_marker(app)
    response = director.post(f"/privacy/families/{household_id}/erase",
                             data={"reason": "request", "confirm": "y"})
    assert response.status_code == 302
    from school.families.models import Household

    with app.app_context():
        assert db.session.scalar(select(Household).where(Household.id == household_id)) is None
    if sqlite:
        assert _marker_in_files(files) == []
        wal = files[1]
        assert not wal.exists() or wal.stat().st_size == 0  # checkpointed and truncated
    else:
        assert _rows_with_marker(app) == []


def test_the_purge_checkpoints_too(app, runner, monkeypatch):
    """The retention purge erases through the same function, so it checkpoints as well."""
    from school.privacy import service

    calls = []
    real = service.checkpoint
    monkeypatch.setattr(service, "checkpoint", lambda: calls.append(1) or real())
    school = build_school(app)
    household_id = _family_with_the_marker(app, school)
    with app.app_context():
        service.erase_households([household_id], reason="retention", user=None)
    assert calls == [1]


def test_every_sqlite_connection_deletes_securely(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
