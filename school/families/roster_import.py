"""Importing a roster: preview and import in one transaction, remembered column mapping, the CLI."""

from __future__ import annotations

import re

from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from school import audit
from school.accounts.models import User
from school.extensions import db
from school.families import roster, search
from school.families.enrolments import place
from school.families.models import (
    Caregiver,
    Enrolment,
    Household,
    IntakeStatus,
    Kinship,
    Level,
    Pupil,
    SchoolClass,
    SchoolYear,
)
from school.families.queries import current_classes, current_school_year
from school.families.service import touch
from school.schoolyear import span_for, today
from school.settings import Setting

# --- roster import ---------------------------------------------------------------------

ROSTER_MAPPING_KEY = "roster_mapping"


def remembered_mapping() -> dict:
    setting = db.session.get(Setting, ROSTER_MAPPING_KEY)
    return dict(setting.value) if setting is not None and isinstance(setting.value, dict) else {}


def _remember_mapping(mapping: dict, user: User | None) -> None:
    value = {code: column for code, column in mapping.items() if column}
    setting = db.session.get(Setting, ROSTER_MAPPING_KEY)
    if setting is None:
        db.session.add(Setting(key=ROSTER_MAPPING_KEY, value=value, updated_by_id=user.id if user else None))
    elif setting.value != value:
        setting.value = value
        setting.updated_by_id = user.id if user else None


def _pupils_by_key(keys: list[str]) -> dict[str, Pupil]:
    found: dict[str, Pupil] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for pupil in db.session.scalars(
            select(Pupil)
            .where(Pupil.external_key.in_(chunk))
            .options(
                selectinload(Pupil.enrolments).selectinload(Enrolment.school_class),
                selectinload(Pupil.households).selectinload(Household.caregivers),
                selectinload(Pupil.households).selectinload(Household.pupils),
            )
        ):
            found[pupil.external_key] = pupil
    return found


def _snapshot(pupil: Pupil) -> roster.ExistingPupil:
    contacts = {}
    for household in pupil.households:
        if household.anonymised_at is not None:
            continue
        for caregiver in household.caregivers:
            contacts.setdefault(search.fold(caregiver.full_name), (caregiver.phone, caregiver.email))
    return roster.ExistingPupil(
        id=pupil.id,
        first_name=pupil.first_name,
        last_name=pupil.last_name,
        birth_date=pupil.birth_date,
        class_name=pupil.school_class.name if pupil.school_class else "",
        left=pupil.left_on is not None,
        household_ids=[h.id for h in pupil.households],
        caregiver_keys=set(contacts),
        caregiver_contacts=contacts,
    )


def preview_roster(table: roster.Table, mapping: dict) -> roster.Plan:
    rows = roster.rows_from_table(table, mapping, today())
    pupils = _pupils_by_key([r.external_key for r in rows if r.external_key])
    existing = {key: _snapshot(p) for key, p in pupils.items()}
    return roster.plan_import(rows, existing, {c.name for c in current_classes()}, table.lossy_encoding)


def import_roster(
    table: roster.Table, mapping: dict, user: User | None, *, dry_run: bool = False
) -> roster.Plan:
    """Create and update pupils, classes and households in one transaction (match on the pupil number)."""
    rows = roster.rows_from_table(table, mapping, today())
    pupils = _pupils_by_key([r.external_key for r in rows if r.external_key])
    existing = {key: _snapshot(p) for key, p in pupils.items()}
    plan = roster.plan_import(rows, existing, {c.name for c in current_classes()}, table.lossy_encoding)
    if dry_run:
        return plan
    classes = _classes_for_import(plan.new_classes)
    by_contact = _households_by_contact()
    created: list[Household] = []
    touched: set[Household] = set()
    for item in plan.rows:
        row = item.row
        if item.action in ("error", "unchanged"):
            continue
        klass = classes.get(search.fold(row.class_name)) if row.class_name else None
        if item.action == "create":
            pupil = Pupil(
                first_name=row.first_name,
                last_name=row.last_name,
                birth_date=row.birth_date,
                external_key=row.external_key,
            )
            if klass is not None:
                place(pupil, klass, today())
            db.session.add(pupil)
            household = _household_for(row, by_contact)
            if household is None:
                household = Household(display_name=row.last_name, intake_status=IntakeStatus.NONE)
                db.session.add(household)
                created.append(household)
            household.pupils.append(pupil)
            _add_caregivers(household, row, by_contact)
            touched.add(household)
            continue
        pupil = pupils[row.external_key]
        if "first_name" in item.changes:
            pupil.first_name = row.first_name
        if "last_name" in item.changes:
            pupil.last_name = row.last_name
        if row.birth_date is not None:
            pupil.birth_date = row.birth_date
        if pupil.left_on is not None:
            pupil.left_on = None
        if klass is not None and "class_name" in item.changes:
            place(pupil, klass, today())
        if {"caregiver", "caregiver_name", "caregiver_contact"} & set(item.changes):
            households = [h for h in pupil.households if h.anonymised_at is None]
            if not households:
                household = Household(display_name=row.last_name, intake_status=IntakeStatus.NONE)
                db.session.add(household)
                household.pupils.append(pupil)
                created.append(household)
                households = [household]
            _update_caregivers(households, row, by_contact)
        touched.update(pupil.households)
    db.session.flush()
    for household in created:
        audit.record(
            "family.created",
            object_type="household",
            object_id=household.id,
            household_id=household.id,
            source="roster",
        )
    for household in touched:
        if household not in created:
            touch(household)
            audit.record(
                "family.updated",
                object_type="household",
                object_id=household.id,
                household_id=household.id,
                source="roster",
            )
    audit.record("roster.imported", object_type="roster", **plan.counts, new_classes=len(plan.new_classes))
    _remember_mapping(mapping, user)
    db.session.commit()
    return plan


def _classes_for_import(new_names: list[str]) -> dict[str, SchoolClass]:
    year = current_school_year()
    if year is None:
        span = span_for(today())
        year = SchoolYear(starts_on=span.start, ends_on=span.end)
        db.session.add(year)
    classes = {search.fold(c.name): c for c in current_classes()}
    for name in new_names:
        level = Level.KLEUTER if re.match(r"^(k|p|kleuter|peuter)", search.fold(name)) else Level.LAGER
        digits = re.findall(r"\d+", name)
        order = (0 if level is Level.KLEUTER else 100) + (int(digits[0]) * 10 if digits else 90)
        klass = SchoolClass(school_year=year, name=name[:60], level=level, sort_order=order)
        db.session.add(klass)
        classes[search.fold(name)] = klass
    return classes


def _households_by_contact() -> dict[str, Household]:
    """Phone keys and e-mail addresses of every caregiver → their household (siblings land together)."""
    index: dict[str, Household] = {}
    rows = db.session.execute(
        select(Caregiver.phone, Caregiver.email, Household)
        .join(Household, Household.id == Caregiver.household_id)
        .where(Household.anonymised_at.is_(None))
    ).all()
    for phone, email, household in rows:
        key = search.phone_key(phone)
        if len(key) >= 6:
            index.setdefault(f"tel:{key}", household)
        if email:
            index.setdefault(f"mail:{email.lower()}", household)
    return index


def _contact_keys(caregiver: roster.CaregiverRow) -> list[str]:
    keys = []
    if caregiver.phone and len(search.phone_key(caregiver.phone)) >= 6:
        keys.append(f"tel:{search.phone_key(caregiver.phone)}")
    if caregiver.email:
        keys.append(f"mail:{caregiver.email.lower()}")
    return keys


def _household_for(row: roster.RosterRow, by_contact: dict[str, Household]) -> Household | None:
    for caregiver in row.caregivers:
        for key in _contact_keys(caregiver):
            if key in by_contact:
                return by_contact[key]
    return None


def _add_caregivers(household: Household, row: roster.RosterRow, by_contact: dict[str, Household]) -> None:
    _update_caregivers([household], row, by_contact)


def _update_caregivers(households: list[Household], row: roster.RosterRow, by_contact: dict) -> None:
    """Add a roster caregiver who is not there yet; fill a missing phone or e-mail, never overwrite one.

    A name that lost letters ('Ay?e') is the same person as the full one ('Ayşe'): the full
    name repairs the saved one, never the other way round.
    """
    for incoming in row.caregivers:
        present = {search.fold(c.full_name): c for h in households for c in h.caregivers}
        key = roster.find_name(incoming.name_key, present)
        match = present.get(key) if key is not None else None
        if match is not None and roster.lost_count(incoming.name_key) < roster.lost_count(key):
            match.first_name, match.last_name = incoming.first_name, incoming.last_name
        if match is None:
            target = households[0]
            match = Caregiver(
                first_name=incoming.first_name,
                last_name=incoming.last_name,
                kinship=Kinship.OTHER,
                phone=incoming.phone,
                email=incoming.email,
                sort_order=(len(target.caregivers) + 1) * 10,
            )
            target.caregivers.append(match)
        else:
            match.phone = match.phone or incoming.phone
            match.email = match.email or incoming.email
        for key in _contact_keys(incoming):
            by_contact.setdefault(key, match.household or households[0])


def import_roster_file(path: str, *, dry_run: bool, echo) -> bool:
    """`flask import-roster FILE [--dry-run]`: the web page's import, with the remembered mapping.

    It runs in a request context for the translations; a POST one, so that on SQLite the
    transaction begins IMMEDIATE and waits for the write lock like every other writer (a GET
    would read first and then fail with "database is locked" against a concurrent writer).
    A dry run only reads.
    """
    with current_app.test_request_context(method="POST"):
        g.database_read_only = dry_run
        with open(path, "rb") as handle:
            data = handle.read(roster.MAX_BYTES + 1)
        try:
            table = roster.read_roster(data, path)
        except roster.RosterError as problem:
            echo(str(problem.message), err=True)
            return False
        mapping = roster.guess_mapping(table.headers, remembered_mapping())
        problems = roster.mapping_problems(mapping, table.headers)
        if problems:
            for code, message in problems.items():
                echo(f"{roster.FIELDS[code][0]}: {message}", err=True)
            echo(_("Columns in the file: %(columns)s", columns=", ".join(table.headers)), err=True)
            return False
        plan = import_roster(table, mapping, None, dry_run=dry_run)
        for item in plan.rows:
            for problem in item.row.errors + item.row.warnings:
                echo(_("Line %(line)d: %(problem)s", line=item.row.line, problem=problem.message))
        for warning in plan.warnings:
            echo(str(warning.message))
        counts = plan.counts
        echo(_("%(created)d new, %(updated)d updated, %(unchanged)d unchanged, %(errors)d rows with errors "
               "left out.", created=counts["create"], updated=counts["update"], unchanged=counts["unchanged"],
               errors=counts["error"]))
        if dry_run:
            echo(_("Dry run: nothing was changed."))
        return True
