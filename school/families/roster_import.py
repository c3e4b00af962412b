"""Importing a roster: preview and import in one transaction, named profiles, the CLI."""

from __future__ import annotations

import datetime as dt
import re

from flask import current_app, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload

from school import audit
from school.accounts.models import User
from school.extensions import db
from school.families import roster, search
from school.families import roster_profiles as profiles
from school.families.enrolments import ONE_DAY, in_force, place
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
from school.forms import UNSTORABLE, to_nfc
from school.schoolyear import span_for, today
from school.settings import Setting

# --- profiles: the recognised one, or one the school saved under a name -------------------

PROFILES_KEY = "roster_profiles"
PROFILE_NAME_MAX = 60


class ProfileError(Exception):
    """A profile name that cannot be used; `message` is for people."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def saved_profiles() -> dict[str, dict[str, str]]:
    """Name → mapping (field code → column) of every profile the school saved."""
    setting = db.session.get(Setting, PROFILES_KEY)
    value = setting.value if setting is not None and isinstance(setting.value, dict) else {}
    return {name: {code: column for code, column in mapping.items() if code in roster.FIELDS}
            for name, mapping in value.items() if isinstance(mapping, dict)}


def profile_mapping(table: roster.Table, name: str | None) -> tuple[str, dict[str, str | None]]:
    """The label and mapping of the profile called `name` (a saved one first, then a built-in code),
    or of the profile these headers are recognised as. Never a mapping left by somebody else."""
    if not name:
        profile = profiles.recognise(table.headers)
        return str(profile.label), profiles.propose(profile, table.headers, roster.FIELDS)
    saved = saved_profiles()
    if name in saved:
        columns = saved[name]
        return name, {code: (columns.get(code) if columns.get(code) in table.headers else None)
                      for code in roster.FIELDS}
    if name in profiles.BY_CODE:
        profile = profiles.BY_CODE[name]
        return str(profile.label), profiles.propose(profile, table.headers, roster.FIELDS)
    raise ProfileError(_("There is no profile called %(name)s.", name=name))


def save_profile(name: str, mapping: dict, user: User | None) -> str:
    """Keep this mapping under a name (replacing one of the same name); commits."""
    name = " ".join(to_nfc(name or "").split())
    if not name or len(name) > PROFILE_NAME_MAX or UNSTORABLE.search(name):
        raise ProfileError(_("Give the profile a name of at most %(max)d characters.", max=PROFILE_NAME_MAX))
    value = {code: column for code, column in mapping.items()
             if code in roster.FIELDS and column and profiles.left_out_reason(column) is None}
    setting = db.session.get(Setting, PROFILES_KEY)
    if setting is None:
        setting = Setting(key=PROFILES_KEY, value={}, updated_by_id=user.id if user else None)
        db.session.add(setting)
    stored = dict(setting.value) if isinstance(setting.value, dict) else {}
    stored[name] = value
    setting.value = stored  # a new dict: the JSON column sees the change
    setting.updated_by_id = user.id if user else None
    audit.record("roster.profile_saved", object_type="roster", fields=len(value))
    db.session.commit()
    return name


# --- the pupils a file is about -----------------------------------------------------------


def _pupils_by_key(keys: list[str]) -> dict[str, Pupil]:
    found: dict[str, Pupil] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for pupil in db.session.scalars(_loaded(select(Pupil).where(Pupil.external_key.in_(chunk)))):
            found[pupil.external_key] = pupil
    return found


def _loaded(query):
    return query.options(
        selectinload(Pupil.enrolments).selectinload(Enrolment.school_class),
        selectinload(Pupil.households).selectinload(Household.caregivers),
        selectinload(Pupil.households).selectinload(Household.pupils),
    )


def _pupils_for(rows: list[roster.RosterRow]) -> dict[str, Pupil]:
    """Row match key → the pupil it is: by pupil number; a row without one (or with a number not
    known yet) by name, date of birth and class, among the pupils (without a number) already there.
    A name that fits several pupils is a row error, never a guess."""
    by_key = _pupils_by_key([r.external_key for r in rows if r.ok and r.external_key])
    found = dict(by_key)
    unresolved = [r for r in rows if r.ok and r.match_key not in found]
    if not unresolved:
        return found
    everyone = [
        roster.ExistingPupil(id=pid, first_name=first, last_name=last, birth_date=birth,
                             class_name=class_name or "", left=left_on is not None, household_ids=[],
                             caregivers=[], external_key=key)
        for pid, first, last, birth, class_name, left_on, key in db.session.execute(
            select(Pupil.id, Pupil.first_name, Pupil.last_name, Pupil.birth_date, SchoolClass.name,
                   Pupil.left_on, Pupil.external_key)
            .outerjoin(Enrolment, and_(Enrolment.pupil_id == Pupil.id, in_force(today())))
            .outerjoin(SchoolClass, SchoolClass.id == Enrolment.class_id)
        )
    ]
    # A numbered row not known by its number may be a pupil a sheet without numbers brought in.
    unnumbered = [p for p in everyone if not p.external_key and not p.left]
    chosen: dict[str, int] = {}
    taken: set[int] = set()
    for row in unresolved:
        match = roster.natural_match(row, unnumbered if row.external_key else everyone)
        if match == "ambiguous":
            if not row.external_key:
                row.errors.append(roster.Problem("ambiguous", _l(
                    "More than one pupil is called %(name)s: add the date of birth or the class to the file.",
                    name=f"{row.first_name} {row.last_name}")))
            continue
        if match is not None and match.id not in taken:
            chosen[row.match_key] = match.id
            taken.add(match.id)
    ids = list(chosen.values())
    by_id: dict[int, Pupil] = {}
    for start in range(0, len(ids), 500):
        for pupil in db.session.scalars(_loaded(select(Pupil).where(Pupil.id.in_(ids[start : start + 500])))):
            by_id[pupil.id] = pupil
    found.update({key: by_id[pid] for key, pid in chosen.items() if pid in by_id})
    return found


def _snapshot(pupil: Pupil) -> roster.ExistingPupil:
    caregivers = [
        roster.KnownCaregiver(c.first_name, c.last_name, c.phone, c.email, c.kinship)
        for household in pupil.households if household.anonymised_at is None
        for c in household.caregivers
    ]
    return roster.ExistingPupil(
        id=pupil.id,
        first_name=pupil.first_name,
        last_name=pupil.last_name,
        birth_date=pupil.birth_date,
        class_name=pupil.school_class.name if pupil.school_class else "",
        left=pupil.left_on is not None,
        household_ids=[h.id for h in pupil.households],
        caregivers=caregivers,
        external_key=pupil.external_key,
    )


def _plan(table: roster.Table, mapping: dict) -> tuple[roster.Plan, dict[str, Pupil]]:
    rows = roster.rows_from_table(table, mapping, today())
    pupils = _pupils_for(rows)
    existing = {key: _snapshot(p) for key, p in pupils.items()}
    plan = roster.plan_import(rows, existing, {c.name for c in current_classes()}, table.lossy_encoding)
    plan.left_out = profiles.left_out_columns(table.headers)
    plan.departures = _departures(rows, pupils, plan)
    return plan, pupils


def _departures(
    rows: list[roster.RosterRow], pupils: dict[str, Pupil], plan: roster.Plan
) -> list[roster.Departure]:
    """The pupils this file says have gone: the ones it marks as leavers, and the ones at school today
    in a class the file lists whom no row names anymore.

    Only classes present in the file count, so a file of one class (or of a few) never proposes the
    rest of the school as gone; a whole-school export lists every class and so covers everyone.
    A row with an error still holds its pupil back: an unreadable date is no reason to leave.
    """
    matched = {p.id for p in pupils.values()}
    keys = {r.external_key for r in rows if r.external_key}
    names = {(search.fold(r.first_name), search.fold(r.last_name)) for r in rows if not r.ok}
    classes = {search.fold(r.class_name) for r in rows if r.class_name}
    found: list[roster.Departure] = []
    by_id = {p.id: p for p in pupils.values()}
    for item in plan.rows:
        pupil = by_id.get(item.pupil_id) if item.action == "leaver" else None
        if pupil is not None and pupil.left_on is None:
            klass = pupil.school_class
            found.append(roster.Departure(pupil.id, pupil.full_name, klass.name if klass else "", "leaver"))
    if classes:
        for pid, first, last, key, class_name in db.session.execute(
            select(Pupil.id, Pupil.first_name, Pupil.last_name, Pupil.external_key, SchoolClass.name)
            .join(Enrolment, and_(Enrolment.pupil_id == Pupil.id, in_force(today())))
            .join(SchoolClass, SchoolClass.id == Enrolment.class_id)
            .where(Pupil.left_on.is_(None))
        ):
            if (pid in matched or (key and key in keys) or search.fold(class_name) not in classes
                    or (search.fold(first), search.fold(last)) in names):
                continue
            found.append(roster.Departure(pid, f"{first} {last}", class_name, "missing"))
    found.sort(key=lambda d: (search.fold(d.class_name), search.fold(d.name)))
    return found


class LeftOnError(Exception):
    """A leaving date that cannot be used; `message` is for people."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def parse_left_on(text: str | None) -> dt.date:
    """The day the confirmed pupils left: the import day when empty, else a date within a year of it."""
    text = (text or "").strip()
    if not text:
        return today()
    try:
        day = roster.parse_date(text, today())
    except ValueError:
        raise LeftOnError(_("%(value)s is not a date like 31/12/2025.", value=text[:20])) from None
    if abs((day - today()).days) > 366:
        raise LeftOnError(_("Choose a leaving date within a year of today."))
    return day


def preview_roster(table: roster.Table, mapping: dict) -> roster.Plan:
    return _plan(table, mapping)[0]


def import_roster(
    table: roster.Table, mapping: dict, user: User | None, *, dry_run: bool = False,
    leave: set[int] | frozenset[int] = frozenset(), leave_all: bool = False, left_on: dt.date | None = None,
) -> roster.Plan:
    """Create and update pupils, classes and households in one transaction (match on the pupil number,
    else on name, date of birth and class); of the pupils the preview proposed as gone, mark the ones
    in `leave` (the confirmed ids; every one with `leave_all`) as left on `left_on` (default: today).
    Nothing is ever deleted."""
    plan, pupils = _plan(table, mapping)
    if dry_run:
        return plan
    classes = _classes_for_import(plan.new_classes)
    by_contact = _households_by_contact()
    created: list[Household] = []
    touched: set[Household] = set()
    for item in plan.rows:
        row = item.row
        if item.action in ("error", "unchanged", "leaver"):
            continue
        klass = classes.get(search.fold(row.class_name)) if row.class_name else None
        if item.action == "create":
            pupil = Pupil(
                first_name=row.first_name,
                last_name=row.last_name,
                birth_date=row.birth_date,
                external_key=row.external_key or None,
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
            _update_caregivers([household], row, by_contact)
            touched.add(household)
            continue
        pupil = pupils[row.match_key]
        if "external_key" in item.changes:
            pupil.external_key = row.external_key
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
        if {"caregiver", "caregiver_name", "caregiver_contact", "caregiver_relation"} & set(item.changes):
            households = [h for h in pupil.households if h.anonymised_at is None]
            if not households:
                household = Household(display_name=row.last_name, intake_status=IntakeStatus.NONE)
                db.session.add(household)
                household.pupils.append(pupil)
                created.append(household)
                households = [household]
            _update_caregivers(households, row, by_contact)
        touched.update(pupil.households)
    confirmed = {d.pupil_id for d in plan.departures} if leave_all else set(leave)
    touched.update(_mark_left(plan, confirmed, left_on or today()))
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
    audit.record("roster.imported", object_type="roster", **plan.counts, new_classes=len(plan.new_classes),
                 left=len(plan.marked_left))
    db.session.commit()
    return plan


def _mark_left(plan: roster.Plan, confirmed, day: dt.date) -> set[Household]:
    """The confirmed departures (only ids the plan itself proposed) leave on `day`: their class ends
    the day before. Returns the households touched; `plan.marked_left` says who was marked."""
    ids = [d.pupil_id for d in plan.departures if d.pupil_id in confirmed]
    touched: set[Household] = set()
    for start in range(0, len(ids), 500):
        for pupil in db.session.scalars(_loaded(select(Pupil).where(Pupil.id.in_(ids[start : start + 500])))):
            if pupil.left_on is not None:
                continue
            for enrolment in pupil.enrolments:
                if enrolment.started_on < day and (enrolment.ended_on is None or enrolment.ended_on >= day):
                    enrolment.ended_on = day - ONE_DAY
            pupil.left_on = day
            plan.marked_left.append(pupil.id)
            touched.update(h for h in pupil.households if h.anonymised_at is None)
    return touched


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


def _update_caregivers(households: list[Household], row: roster.RosterRow, by_contact: dict) -> None:
    """Add a roster caregiver who is not there yet (matched on phone or e-mail, then name); fill a
    missing phone or e-mail and an 'other caregiver' relation the file knows, never overwrite one.

    A name that lost letters ('Ay?e') is the same person as the full one ('Ayşe'): the full
    name repairs the saved one, never the other way round.
    """
    present = [c for h in households for c in h.caregivers]
    taken: list[Caregiver] = []
    for incoming in row.caregivers:
        match = roster.match_caregiver(incoming, [c for c in present if c not in taken])
        if match is None:
            target = households[0]
            match = Caregiver(
                first_name=incoming.first_name,
                last_name=incoming.last_name,
                kinship=incoming.kinship,
                phone=incoming.phone,
                email=incoming.email,
                sort_order=(len(target.caregivers) + 1) * 10,
            )
            target.caregivers.append(match)
            present.append(match)
        else:
            known = search.fold(match.full_name)
            if roster.lost_count(incoming.name_key) < roster.lost_count(known) and \
                    roster.same_but_lost_letters(incoming.name_key, known):
                match.first_name, match.last_name = incoming.first_name, incoming.last_name
            match.phone = match.phone or incoming.phone
            match.email = match.email or incoming.email
            if match.kinship is Kinship.OTHER and incoming.kinship is not Kinship.OTHER:
                match.kinship = incoming.kinship
        taken.append(match)
        for key in _contact_keys(incoming):
            by_contact.setdefault(key, match.household or households[0])


def summary_lines(plan: roster.Plan, profile_label: str, left_on: dt.date | None = None) -> list[str]:
    """The preview in words, line by line: what the CLI prints (and the web page shows as a table)."""
    lines = [_("Profile: %(name)s", name=profile_label)]
    for column, reason in plan.left_out:
        lines.append(_("Left out: %(column)s (%(reason)s)", column=column, reason=reason))
    if plan.new_classes:
        lines.append(_("New classes: %(names)s", names=", ".join(plan.new_classes)))
    actions, changes = roster.action_labels(), roster.change_labels()
    for item in plan.rows:
        row = item.row
        if item.action != "unchanged":
            what = actions[item.action]
            if item.changes:
                what += ": " + ", ".join(roster.class_change_text(item) if c == "class_name" else changes[c]
                                         for c in item.changes)
            lines.append(_("Line %(line)s: %(key)s %(name)s, %(klass)s: %(what)s",
                           line=", ".join(str(n) for n in row.lines), key=row.external_key or "-",
                           name=f"{row.first_name} {row.last_name}", klass=row.class_name or "-", what=what))
            for caregiver in row.caregivers if item.action in ("create", "update") else ():
                lines.append("  + " + roster.caregiver_text(caregiver))
            for adult in row.skipped:
                lines.append("  - " + roster.skipped_text(adult))
        for problem in row.errors + row.warnings:
            lines.append(_("Line %(line)d: %(problem)s", line=row.line, problem=problem.message))
    for warning in plan.warnings:
        lines.append(str(warning.message))
    counts = plan.counts
    lines.append(_("%(created)d new, %(updated)d updated, %(unchanged)d unchanged, %(errors)d rows with "
                   "errors left out.", created=counts["create"], updated=counts["update"],
                   unchanged=counts["unchanged"], errors=counts["error"]))
    if counts["leaver"]:
        lines.append(_("%(num)d pupils marked as having left the school are not imported.",
                       num=counts["leaver"]))
    for departure in plan.departures:
        lines.append(roster.departure_text(departure))
    if plan.marked_left:
        lines.append(_("%(num)d pupils marked as left on %(day)s.", num=len(plan.marked_left),
                       day=left_on.strftime("%d/%m/%Y") if left_on else ""))
    elif plan.departures:
        lines.append(_("%(num)d pupils are not in this file anymore: they are marked as left only when "
                       "you confirm it.", num=len(plan.departures)))
    return lines


def import_roster_file(path: str, *, profile: str | None, dry_run: bool, echo, mark_left: bool = False,
                       left_on: str | None = None) -> bool:
    """`flask import-roster FILE [--profile NAME] [--dry-run] [--mark-left [--left-on DATE]]`: the web
    page's import, with the profile the file is recognised as or the one named; never a mapping
    somebody left on the web page. `--mark-left` confirms every pupil the summary lists as gone.

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
            label, mapping = profile_mapping(table, profile)
            day = parse_left_on(left_on)
        except (roster.RosterError, LeftOnError) as problem:
            echo(str(problem.message), err=True)
            return False
        except ProfileError as problem:
            echo(str(problem.message), err=True)
            names = [p.code for p in profiles.BUILT_IN] + sorted(saved_profiles())
            echo(_("Profiles: %(names)s", names=", ".join(names)), err=True)
            return False
        problems = roster.mapping_problems(mapping, table.headers)
        if problems:
            for code, message in problems.items():
                echo(f"{roster.FIELDS[code][0]}: {message}", err=True)
            echo(_("Columns in the file: %(columns)s", columns=", ".join(table.headers)), err=True)
            return False
        plan = import_roster(table, mapping, None, dry_run=dry_run, left_on=day, leave_all=mark_left)
        for line in summary_lines(plan, label, day):
            echo(line)
        if dry_run:
            echo(_("Dry run: nothing was changed."))
        elif plan.departures and not mark_left:
            echo(_("Add --mark-left to mark the pupils not in this file anymore as left."))
        return True
