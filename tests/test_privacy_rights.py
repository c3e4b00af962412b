"""The family's rights: export (access and transfer), consent, erasure, the retention purge."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select

from school.audit import AuditEvent
from school.extensions import db
from tests.factories.app import signed_in_client
from tests.factories.matrix_school import build_school
from tests.factories.rows import enrolled


def _add_details(app, school):
    """A shared child (separated parents), a removed moment, an agreement, a follow-up note."""
    from school.contacts.models import ContactMoment, Initiative, Reach
    from school.families.models import ContactAgreement, Household, Pupil
    from school.visibility.models import FollowUp

    with app.app_context():
        inside = db.session.get(Household, school.inside)
        inside.about_child = "Ina tekent graag."
        inside.contact_note = "Liefst na 17 uur bellen."
        inside.agreements.append(
            ContactAgreement(form_id=school.form_id, every_days=14, occasion="voor elk rapport")
        )
        ina = inside.pupils[0]
        second_home = Household(display_name="Gezin Tweede Thuis", pupils=[ina])
        db.session.add(second_home)
        db.session.add(
            ContactMoment(
                household_id=inside.id,
                form_id=school.form_id,
                occurred_on=dt.date.today(),
                initiative=Initiative.FAMILY,
                reach=Reach.ONE_WAY,
                logged_by_id=school.users["care"],
                submission_token="tok-removed",
                note="weggehaald",
                removed_at=dt.datetime.now(dt.UTC),
            )
        )
        db.session.get(FollowUp, school.follow_up_inside).note = "Opvolgen aan de poort"
        only_here = Pupil(first_name="Ilse", last_name="Binnen", enrolments=enrolled(school.class_a))
        inside.pupils.append(only_here)
        db.session.commit()
        return second_home.id, ina.id, only_here.id


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | set().union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value)) if value else set()
    return set()


def test_the_access_export_holds_everything_the_school_holds(app):
    school = build_school(app)
    _add_details(app, school)
    director = signed_in_client(app, school.users["director"])
    response = director.get(f"/privacy/families/{school.inside}/export/access.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    record = json.loads(response.data)
    assert record["format"] == "schoolpoort-household-export" and record["kind"] == "access"
    household = record["household"]
    assert household["name"] == "Gezin Binnen" and household["about_the_child"] == "Ina tekent graag."
    assert household["contact_note"] == "Liefst na 17 uur bellen."
    assert [c["first_name"] for c in record["caregivers"]] == ["Iris"]
    assert {c["first_name"] for c in record["children"]} == {"Ina", "Ilse"}
    assert record["agreements"][0]["occasion"] == "voor elk rapport"
    notes = [m["note"] for m in record["contact_moments"]]
    assert "matrix note" in notes and "weggehaald" in notes  # removed moments are still held
    assert any(m["removed_at"] for m in record["contact_moments"])
    assert record["follow_ups"][0]["plan"] == "Opvolgen aan de poort"
    assert isinstance(record["signals"], list)
    assert any(e["action"] == "family.exported" for e in record["audit_trail"]) is False  # written after
    page = director.get(f"/privacy/families/{school.inside}/export/access")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for text in (
        "Iris",
        "Ina tekent graag.",
        "matrix note",
        "Opvolgen aan de poort",
        "Wie deze gegevens bekeek",
    ):
        assert text in html, text
    assert "family.exported" not in html  # the actions are named, not coded
    assert "gezinsgegevens geëxporteerd" in html


def test_the_transfer_export_leaves_out_notes_signals_and_follow_ups(app):
    school = build_school(app)
    _add_details(app, school)
    director = signed_in_client(app, school.users["director"])
    record = json.loads(director.get(f"/privacy/families/{school.inside}/export/transfer.json").data)
    assert record["kind"] == "transfer"
    for left_out in ("follow_ups", "signals", "audit_trail"):
        assert left_out not in record
    keys = _keys(record)
    for field in (
        "note",
        "confidential",
        "about_the_child",
        "contact_note",
        "needs_from_school",
        "would_like_to_help_with",
        "logged_by",
        "fixed_contact_person",
    ):
        assert field not in keys, field
    assert record["agreements"][0]["occasion"] is None
    with app.app_context():
        from school.contacts.models import ContactMoment

        held = db.session.scalars(
            select(ContactMoment).where(ContactMoment.household_id == school.inside)
        ).all()
    assert len(record["contact_moments"]) == len([m for m in held if m.removed_at is None]) == len(held) - 1
    text = json.dumps(record, ensure_ascii=False)
    for secret in (
        "matrix note",
        "weggehaald",
        "Ina tekent graag.",
        "Liefst na 17 uur",
        "Opvolgen aan de poort",
    ):
        assert secret not in text
    assert {c["first_name"] for c in record["children"]} == {"Ina", "Ilse"}
    page = director.get(f"/privacy/families/{school.inside}/export/transfer").get_data(as_text=True)
    assert "matrix note" not in page and "Ina" in page


def test_consent_is_recorded_with_its_date_and_can_be_withdrawn(app):
    from school.families.models import Household

    school = build_school(app)
    director = signed_in_client(app, school.users["director"])
    url = f"/privacy/families/{school.inside}/consent"
    assert director.post(url, data={"consent": "given"}).status_code == 302
    with app.app_context():
        h = db.session.get(Household, school.inside)
        assert h.consent_external and h.consent_external_at is not None and h.consent_withdrawn_at is None
    page = director.get(f"/families/{school.inside}").get_data(as_text=True)
    assert "gegeven op" in page
    assert director.post(url, data={"consent": "withdrawn"}).status_code == 302
    with app.app_context():
        h = db.session.get(Household, school.inside)
        assert not h.consent_external and h.consent_withdrawn_at is not None
        assert h.consent_external_at is not None  # when it was given stays known
    assert "ingetrokken op" in director.get(f"/families/{school.inside}").get_data(as_text=True)
    assert director.post(url, data={"consent": "maybe"}).status_code == 422
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("consent.%"))
        ).all()
    assert actions == ["consent.given", "consent.withdrawn"]


def test_erasure_removes_the_household_and_keeps_the_trail_under_a_pseudonym(app):
    from school.contacts.models import ContactMoment
    from school.families.models import Caregiver, ContactAgreement, Household, Pupil
    from school.visibility.models import FollowUp

    school = build_school(app)
    second_home, shared_child, only_child = _add_details(app, school)
    director = signed_in_client(app, school.users["director"])
    teacher = signed_in_client(app, school.users["teacher"])
    assert teacher.get(f"/families/{school.inside}").status_code == 200  # an event to keep
    page = director.get(f"/privacy/families/{school.inside}")
    assert page.status_code == 200 and 'id="erase-form"' in page.get_data(as_text=True)

    with app.app_context():
        moments = db.session.scalar(
            select(func.count()).select_from(ContactMoment).where(ContactMoment.household_id == school.inside)
        )
    not_confirmed = director.post(f"/privacy/families/{school.inside}/erase", data={"reason": "request"})
    assert not_confirmed.status_code == 422
    assert "Vink het vakje aan" in not_confirmed.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Household, school.inside) is not None

    response = director.post(
        f"/privacy/families/{school.inside}/erase", data={"reason": "request", "confirm": "y"}
    )
    assert response.status_code == 302
    pseudonym = response.headers["Location"].split("family=")[1]
    assert pseudonym.startswith("x-")
    ref = str(school.inside)
    with app.app_context():
        assert db.session.get(Household, school.inside) is None
        for model, column in (
            (Caregiver, Caregiver.household_id),
            (ContactMoment, ContactMoment.household_id),
            (FollowUp, FollowUp.household_id),
            (ContactAgreement, ContactAgreement.household_id),
        ):
            assert (
                db.session.scalar(select(func.count()).select_from(model).where(column == school.inside)) == 0
            )
        assert db.session.get(Pupil, only_child) is None  # lived only here
        assert db.session.get(Pupil, shared_child) is not None  # still lives in the other household
        assert [p.id for p in db.session.get(Household, second_home).pupils] == [shared_child]
        assert (
            db.session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.household_ref == ref)
            )
            == 0
        )
        kept = db.session.scalars(
            select(AuditEvent).where(AuditEvent.household_ref == pseudonym).order_by(AuditEvent.id)
        ).all()
        assert [e.action for e in kept][-1] == "family.erased"
        assert "family.viewed" in [e.action for e in kept]
        assert all(e.object_id is None for e in kept if e.object_type == "household")
        erased = kept[-1]
        assert erased.user_id == school.users["director"]
        assert erased.detail == {
            "reason": "request",
            "caregivers": 1,
            "children": 2,
            "contact_moments": moments,
            "follow_ups": 1,
        }
        # Other families are untouched.
        assert db.session.get(Household, school.outside) is not None
    assert director.get(f"/families/{school.inside}").status_code == 404
    trail = director.get("/privacy/audit", query_string={"family": pseudonym}).get_data(as_text=True)
    assert "gezin gewist" in trail and "Matrix director" in trail and "op vraag van de ouders" in trail
    assert "Gezin Binnen" not in trail


def test_every_table_that_points_at_a_household_is_handled_by_erasure():
    """A new table with a family's data must be erased with the household (or cascade)."""
    import school.models  # noqa: F401 - every table
    from school.extensions import db as database

    handled = {
        "follow_ups",
        "contact_moments",
        "contact_agreements",
        "caregivers",
        "household_pupils",
        "pupils",
        "households",
    }
    problems = []
    for table in database.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name in ("households", "pupils", "caregivers") and table.name not in handled:
                if fk.ondelete not in ("CASCADE", "SET NULL"):
                    problems.append(f"{table.name}.{fk.parent.name}")
    assert problems == []


# --- retention ------------------------------------------------------------------------------


def test_months_before_keeps_to_the_calendar():
    from school.privacy.queries import months_before

    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 1, 15), 24) == dt.date(2024, 1, 15)
    assert months_before(dt.date(2024, 2, 29), 12) == dt.date(2023, 2, 28)


def _retention_school(app):
    """Families whose children left long ago, recently, partly, and one without children."""
    from school.families.models import Household, Pupil

    long_ago = dt.date.today() - dt.timedelta(days=3 * 365)
    recently = dt.date.today() - dt.timedelta(days=30)
    with app.app_context():
        gone = Household(
            display_name="Gezin Lang Weg",
            pupils=[
                Pupil(first_name="A", last_name="Weg", left_on=long_ago),
                Pupil(first_name="B", last_name="Weg", left_on=long_ago - dt.timedelta(days=100)),
            ],
        )
        recent = Household(
            display_name="Gezin Pas Weg", pupils=[Pupil(first_name="C", last_name="Pas", left_on=recently)]
        )
        partly = Household(
            display_name="Gezin Half",
            pupils=[
                Pupil(first_name="D", last_name="Half", left_on=long_ago),
                Pupil(first_name="E", last_name="Half"),
            ],
        )
        empty = Household(display_name="Gezin Zonder Kinderen")
        db.session.add_all([gone, recent, partly, empty])
        db.session.commit()
        return {"gone": gone.id, "recent": recent.id, "partly": partly.id, "empty": empty.id}


def test_purge_dry_run_lists_and_changes_nothing(app, runner):
    from school.families.models import Household

    ids = _retention_school(app)
    result = runner.invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"would erase: household {ids['gone']} (Gezin Lang Weg)" in result.output
    assert "Pas Weg" not in result.output and "Half" not in result.output and "Zonder" not in result.output
    assert "1 household(s) would be erased" in result.output
    with app.app_context():
        assert db.session.get(Household, ids["gone"]) is not None
        assert (
            db.session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "family.erased")
            )
            == 0
        )


def test_purge_erases_the_families_whose_children_all_left_long_ago(app, runner):
    from school.families.models import Household, Pupil

    ids = _retention_school(app)
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "1 household(s) erased" in result.output
    assert "Lang Weg" not in result.output  # no names of erased families in a cron log
    with app.app_context():
        assert db.session.get(Household, ids["gone"]) is None
        for key in ("recent", "partly", "empty"):
            assert db.session.get(Household, ids[key]) is not None, key
        assert db.session.scalar(select(func.count()).select_from(Pupil).where(Pupil.last_name == "Weg")) == 0
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "family.erased")).all()
        assert event.user_id is None and event.detail["reason"] == "retention"
        assert f"erased: {event.household_ref} " in result.output
        assert event.detail["children"] == 2
    again = runner.invoke(args=["purge"])
    assert "0 household(s) erased" in again.output


def test_the_retention_period_is_configurable(app, runner):
    ids = _retention_school(app)
    app.config["RETENTION_MONTHS"] = 0
    result = runner.invoke(args=["purge", "--dry-run"])
    assert f"household {ids['recent']}" in result.output and f"household {ids['gone']}" in result.output
    assert f"household {ids['partly']}" not in result.output
