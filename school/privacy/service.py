"""The family's rights: export, consent, erasure, and the retention purge.

Each function writes its audit event in the same transaction as the change
and commits. Erasure deletes the household and everything about it, and
keeps the audit trail with a pseudonym in place of the household. On SQLite
the deleted rows are overwritten with zeros (`secure_delete`, school.database)
and the write-ahead log, which still holds the pages as they were, is
checkpointed into the main file and truncated after the commit, so no byte of
the family's text stays in any database file (tests/test_erasure_files.py).
Old backups keep it until they are rotated away (README, backups).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, inspect, select

from school import audit
from school.accounts.models import User
from school.contacts.models import ContactMoment
from school.extensions import db
from school.families.models import Caregiver, ContactAgreement, Enrolment, Household, Pupil, household_pupils
from school.families.service import apply_consent
from school.privacy import queries
from school.visibility import store as summaries
from school.visibility.models import FollowUp

logger = logging.getLogger(__name__)

# Why a household was erased (a code in the audit event, never free text).
ERASURE_REASONS = ("request", "left_school", "retention")
EXPORT_KINDS = ("access", "transfer")


def export_household(household: Household, *, kind: str, fmt: str) -> dict:
    """The export for an access request ('access') or a change of school ('transfer')."""
    if kind not in EXPORT_KINDS:
        raise ValueError(kind)
    record = queries.household_record(household, transfer=kind == "transfer")
    audit.record_alone(
        "family.exported", object_type="household", object_id=household.id, household_id=household.id,
        kind=kind, format=fmt,
    )
    return record


# --- consent to share with external partners ------------------------------------------



def set_consent(household: Household, given: bool) -> bool:
    if not apply_consent(household, given):
        return False
    audit.record(
        "consent.given" if given else "consent.withdrawn",
        object_type="household", object_id=household.id, household_id=household.id,
    )
    db.session.commit()
    return True


# --- erasure --------------------------------------------------------------------------


@dataclass(frozen=True)
class Erased:
    household_id: int
    pseudonym: str


def new_pseudonym() -> str:
    """Random, so that nothing links it back to the household once the mapping is gone."""
    return "x-" + secrets.token_hex(5)


def erase_household(household: Household, *, reason: str, user: User | None) -> Erased:
    """Erase one household now (a request, or a family that left); commits."""
    return erase_households([household.id], reason=reason, user=user)[0]


def erase_households(household_ids: Iterable[int], *, reason: str, user: User | None) -> list[Erased]:
    """Delete these households with their caregivers, children (unless they also live in a
    household that stays), agreements, contact moments, notes and follow-ups.

    The audit trail stays: every event about a household gets its pseudonym,
    and one `family.erased` event per household says who erased it, when and
    why (counts only). Set-based: a fixed number of statements for any number
    of households. Commits.
    """
    if reason not in ERASURE_REASONS:
        raise ValueError(reason)
    ids = sorted(set(household_ids))
    if not ids:
        return []
    counts = _counts(ids)
    linked = select(household_pupils.c.pupil_id).where(household_pupils.c.household_id.in_(ids))
    staying = select(household_pupils.c.pupil_id).where(household_pupils.c.household_id.not_in(ids))
    orphans = list(db.session.scalars(
        select(Pupil.id).where(Pupil.id.in_(linked), Pupil.id.not_in(staying))
    ))
    _forget(ids, orphans)
    # Their per-family summaries go too; the school's daily counts are recounted at the commit.
    summaries.forget(ids)
    for statement in (
        delete(FollowUp).where(FollowUp.household_id.in_(ids)),
        delete(ContactMoment).where(ContactMoment.household_id.in_(ids)),
        delete(ContactAgreement).where(ContactAgreement.household_id.in_(ids)),
        delete(Caregiver).where(Caregiver.household_id.in_(ids)),
        delete(household_pupils).where(household_pupils.c.household_id.in_(ids)),
        delete(Enrolment).where(Enrolment.pupil_id.in_(orphans)),
        delete(Pupil).where(Pupil.id.in_(orphans)),
        delete(Household).where(Household.id.in_(ids)),
    ):
        db.session.execute(statement.execution_options(synchronize_session=False))
    pseudonyms = {household_id: new_pseudonym() for household_id in ids}
    audit.pseudonymise(pseudonyms)
    user_id = user.id if user is not None else None
    for household_id in ids:
        event = audit.record(
            "family.erased", object_type="household", user_id=user_id, reason=reason,
            **counts.get(household_id, {}),
        )
        event.household_ref = pseudonyms[household_id]
    db.session.commit()
    checkpoint()
    return [Erased(household_id, pseudonyms[household_id]) for household_id in ids]


def checkpoint() -> None:
    """SQLite: copy the write-ahead log into the main file and truncate it to nothing, so that the
    erased family's text does not live on in the `-wal` file. It waits (up to the busy timeout)
    for readers still using older pages; if one outlasts that, the log is truncated at the next
    checkpoint and this is logged. Nothing to do on PostgreSQL."""
    if db.engine.dialect.name != "sqlite":
        return
    connection = db.engine.raw_connection()
    try:
        # Outside any transaction (the driver's own BEGIN is off: school.database).
        busy, _log, _done = connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        connection.close()
    if busy:
        logger.warning("erasure: the write-ahead log could not be truncated yet (a reader was busy)")


def _forget(ids: list[int], pupil_ids: list[int]) -> None:
    """Take what is about to be deleted out of the session (without loading anything)."""
    wanted = set(ids)
    for obj in list(db.session.identity_map.values()):
        loaded = inspect(obj).dict
        if (
            (isinstance(obj, Household) and loaded.get("id") in wanted)
            or (isinstance(obj, Pupil) and loaded.get("id") in pupil_ids)
            or (isinstance(obj, Enrolment) and loaded.get("pupil_id") in pupil_ids)
            or (isinstance(obj, (Caregiver, ContactMoment, ContactAgreement, FollowUp))
                and loaded.get("household_id") in wanted)
        ) and obj in db.session:
            db.session.expunge(obj)


def _counts(ids: list[int]) -> dict[int, dict[str, int]]:
    """Per household: how many caregivers, children, moments and follow-ups are erased."""
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    for name, column in (
        ("caregivers", Caregiver.household_id),
        ("children", household_pupils.c.household_id),
        ("contact_moments", ContactMoment.household_id),
        ("follow_ups", FollowUp.household_id),
    ):
        for household_id, n in db.session.execute(
            select(column, func.count()).where(column.in_(ids)).group_by(column)
        ):
            counts[household_id][name] = n
    return counts


# --- retention ------------------------------------------------------------------------


def purge(*, dry_run: bool, months: int | None = None) -> tuple[list[queries.PurgeCandidate], list[Erased]]:
    """Erase every household whose children all left more than `months` months ago.

    Returns what qualified and (unless `dry_run`) what was erased.
    """
    candidates = queries.retention_candidates(months=months)
    if dry_run or not candidates:
        return candidates, []
    return candidates, erase_households([c.household_id for c in candidates], reason="retention", user=None)
