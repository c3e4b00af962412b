"""Follow-ups, signal thresholds, and what a new contact moment means for them.

The contacts package tells what it saved or took back through school.events
(`contacts_logged`, `contacts_removed`); `init_app` connects them to
`after_contacts_logged` and `after_contacts_removed`, which run in the same
transaction, before its commit.

Only a PERSONAL moment closes a follow-up: oral, two-way, and not only through a
go-between (a brugfiguur or the child). DOMAIN.md: a follow-up "is closed by
logging a contact that really reached the family". A one-way message (a letter,
a note in the diary, a report) is not a conversation, and neither is a two-way
written exchange on the platform: the plan was made because the school had not
really reached the family in person, and the "no personal contact" signal keeps
firing after such a message. Contact only through somebody else is the
"uitbestedingsreflex" the sources warn about, not the school reaching the
family. An interpreter helps the team speak with the family itself, so that
does count. A broadcast never counts, nor a removed moment; an attempt that
did not reach the family obviously does not either.

A moment closes only the follow-ups planned on or before its date: a call of
25 September logged late does not answer a plan made in November.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from school import audit, events, schoolyear
from school.accounts.models import User
from school.catalogue import ContactForm
from school.contacts.models import ContactMoment
from school.contacts.queries import reached_in_person
from school.extensions import db
from school.families.models import Household
from school.families.scope import widen_reach
from school.policy import may_entrust
from school.schoolyear import utcnow
from school.visibility.models import Approach, FollowUp, FollowUpStatus
from school.visibility.signals import Thresholds


def _school_day(stamp: dt.datetime) -> dt.date:
    """The school's calendar day of a UTC timestamp (stored naive or aware)."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC"))
    aware = stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
    return aware.astimezone(zone).date()


def after_contacts_logged(moments: Sequence[ContactMoment]) -> list[FollowUp]:
    """Close the open follow-ups of the families these moments really reached.

    Called in the caller's transaction, before its commit; never commits. Only
    follow-ups planned on or before the closing moment's date close. Each
    closed follow-up gets status DONE, the moment that closed it (the latest
    reaching moment of that household in the batch) and the time, and an
    audit event. Returns the follow-ups it closed.

    Also safe for corrected or removed moments: a moment that no longer
    reaches the family (its reach changed, or it was removed) reopens the
    follow-ups it had closed.
    """
    if not moments:
        return []
    db.session.flush()  # the moments need their ids
    broadcast_forms = set(
        db.session.scalars(select(ContactForm.id).where(ContactForm.is_broadcast.is_(True)))
    )
    closing: dict[int, ContactMoment] = {}
    taken_back = [m for m in moments if not reached_in_person(m, broadcast_forms)]
    if taken_back:
        after_contacts_removed(taken_back)
    for moment in moments:
        if not reached_in_person(moment, broadcast_forms):
            continue
        best = closing.get(moment.household_id)
        if best is None or (moment.occurred_on, moment.id) > (best.occurred_on, best.id):
            closing[moment.household_id] = moment
    if not closing:
        return []
    open_ones = db.session.scalars(
        select(FollowUp).where(
            FollowUp.household_id.in_(closing),
            FollowUp.status.in_((FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS)),
        )
    ).all()
    now = utcnow()
    closed = []
    for follow_up in open_ones:
        moment = closing[follow_up.household_id]
        # Planned after this contact: it does not answer the plan. No plan is made after "today"
        # (schoolyear.today(), which a contact's date is bounded by): capping keeps the two days on
        # one calendar - late in the evening Brussels' day is already tomorrow's UTC one, and tests
        # set today apart from the clock.
        planned_on = follow_up.created_at and min(_school_day(follow_up.created_at), schoolyear.today())
        if planned_on and planned_on > moment.occurred_on:
            continue
        follow_up.status = FollowUpStatus.DONE
        follow_up.closed_by_moment_id = moment.id
        follow_up.closed_at = now
        audit.record(
            "follow_up.updated", object_type="follow_up", object_id=follow_up.id,
            household_id=follow_up.household_id, status=FollowUpStatus.DONE.value, closed_by_moment=moment.id,
        )
        closed.append(follow_up)
    return closed


def after_contacts_removed(moments: Sequence[ContactMoment]) -> list[FollowUp]:
    """Reopen the follow-ups that these (now removed) moments had closed; never commits.

    For the contacts package's undo and removal (calling after_contacts_logged
    with the removed moments does the same): a contact that is taken back no
    longer reached the family, so the plan is open again.
    """
    ids = [m.id for m in moments if m.id is not None]
    if not ids:
        return []
    reopened = db.session.scalars(
        select(FollowUp).where(FollowUp.closed_by_moment_id.in_(ids), FollowUp.status == FollowUpStatus.DONE)
    ).all()
    for follow_up in reopened:
        follow_up.status = FollowUpStatus.OPEN
        follow_up.closed_by_moment_id = None
        follow_up.closed_at = None
        audit.record(
            "follow_up.updated", object_type="follow_up", object_id=follow_up.id,
            household_id=follow_up.household_id, status=FollowUpStatus.OPEN.value, reopened=True,
        )
    return list(reopened)



# --- follow-ups ---------------------------------------------------------------


class AlreadyUsed(ValueError):
    """The submission token belongs to somebody else's follow-up."""


def follow_up_by_token(token: str | None, user: User) -> FollowUp | None:
    """The follow-up an earlier send of the same form saved (None without a token).

    Raises AlreadyUsed when that follow-up is somebody else's: a token is one
    user's, for one rendered form.
    """
    if not token:
        return None
    found = db.session.scalar(select(FollowUp).where(FollowUp.submission_token == token))
    if found is not None and found.created_by_id != user.id:
        raise AlreadyUsed(token)
    return found


def create_follow_up(
    household: Household, *, owner: User, approach: Approach, due_on: dt.date | None,
    note: str | None, signal_code: str | None, created_by: User, token: str | None = None,
    entrusted: bool = False,
) -> FollowUp:
    """A new follow-up; commits. A resend of the same form (same `token`) saves nothing new
    and returns the follow-up the first send saved (check `follow_up_by_token` first to tell).

    `entrusted`: the owner did not see the family yet, and `created_by` (care or the director:
    `queries.owner_choices` offers nobody else such an owner) gives it to them: recorded and audited."""
    if entrusted and not may_entrust(created_by):
        raise ValueError("only care staff and the director entrust a family to a teacher")
    earlier = follow_up_by_token(token, created_by)
    if earlier is not None:
        return earlier
    follow_up = FollowUp(
        household_id=household.id, owner_id=owner.id, approach=approach, due_on=due_on,
        note=(note or "").strip() or None, signal_code=signal_code or None, created_by_id=created_by.id,
        status=FollowUpStatus.OPEN, submission_token=token or None,
        entrusted_by_id=created_by.id if entrusted else None, entrusted_at=utcnow() if entrusted else None,
    )
    db.session.add(follow_up)
    try:
        db.session.flush()
    except IntegrityError:
        # The same form arrived twice at once: the other request saved it.
        db.session.rollback()
        earlier = follow_up_by_token(token, created_by)
        if earlier is None:
            raise
        return earlier
    audit.record(
        "follow_up.created", object_type="follow_up", object_id=follow_up.id, household_id=household.id,
        signal=signal_code, owner=owner.id,
    )
    if entrusted:
        _audit_entrusted(follow_up)
    db.session.commit()
    return follow_up


def _audit_entrusted(follow_up: FollowUp) -> None:
    """The decision that gave the owner the family: its own event (who decided is the event's user)."""
    audit.record(
        "follow_up.entrusted", object_type="follow_up", object_id=follow_up.id,
        household_id=follow_up.household_id, owner=follow_up.owner_id,
    )


@dataclass
class Conflict(Exception):
    """Somebody else changed the follow-up since the form was opened."""

    current: FollowUp


MANUAL_STATUSES = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS, FollowUpStatus.CLOSED)


def update_follow_up(
    follow_up: FollowUp, *, expected_version: int, status: FollowUpStatus, owner: User,
    approach: Approach, due_on: dt.date | None, note: str | None, closing_reason: str | None,
    entrusted_by: User | None = None,
) -> FollowUp:
    """Change a follow-up by hand (optimistic locking on `version`).

    Raises Conflict when `expected_version` is not the stored one: the caller
    shows both versions and lets the user decide. A new owner who did not see the
    family yet is entrusted with it by `entrusted_by` (care or the director), recorded and
    audited; a new owner who did sees it no longer by anybody's decision, so the
    earlier one is cleared. The same owner keeps the decision that was made.
    """
    if entrusted_by is not None and not may_entrust(entrusted_by):
        raise ValueError("only care staff and the director entrust a family to a teacher")
    if follow_up.version != expected_version:
        raise Conflict(follow_up)
    if status not in MANUAL_STATUSES and status is not follow_up.status:
        raise ValueError(status)
    changed = []
    new_owner = follow_up.owner_id != owner.id
    if new_owner:
        follow_up.entrusted_by_id = entrusted_by.id if entrusted_by is not None else None
        follow_up.entrusted_at = utcnow() if entrusted_by is not None else None
    for name, value in (
        ("status", status), ("owner_id", owner.id), ("approach", approach), ("due_on", due_on),
        ("note", (note or "").strip() or None),
    ):
        if getattr(follow_up, name) != value:
            setattr(follow_up, name, value)
            changed.append(name)
    if status is FollowUpStatus.CLOSED:
        reason = (closing_reason or "").strip() or None
        if follow_up.closing_reason != reason:
            follow_up.closing_reason = reason
            changed.append("closing_reason")
        if follow_up.closed_at is None:
            follow_up.closed_at = utcnow()
    elif status.is_open:
        follow_up.closed_at = None
        follow_up.closing_reason = None
        follow_up.closed_by_moment_id = None
    if not changed:
        return follow_up
    audit.record(
        "follow_up.updated", object_type="follow_up", object_id=follow_up.id,
        household_id=follow_up.household_id, status=follow_up.status.value, changed=changed,
    )
    if new_owner and entrusted_by is not None:
        _audit_entrusted(follow_up)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(db.session.get(FollowUp, follow_up.id)) from None
    return follow_up


# --- thresholds -----------------------------------------------------------------


def save_thresholds(values: dict[str, int], user: User) -> Thresholds:
    return Thresholds.save(values, user)


# --- what the domains below tell (school.events) -------------------------------------


def _contacts_logged(_sender, *, moments: Sequence[ContactMoment]) -> None:
    after_contacts_logged(moments)


def _contacts_removed(_sender, *, moments: Sequence[ContactMoment]) -> None:
    after_contacts_removed(moments)


def followed_families(user: User) -> Select:
    """The households whose follow-up `user` owns: a teacher sees them too (the family scope)."""
    return select(FollowUp.household_id).where(FollowUp.owner_id == user.id)


def init_app(app: Flask) -> None:
    events.contacts_logged.connect(_contacts_logged)
    events.contacts_removed.connect(_contacts_removed)
    widen_reach(app, followed_families)
