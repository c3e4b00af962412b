"""Saving, correcting and undoing contact moments; group contacts; the catalogue.

The only place in the contacts package that changes rows and commits. Every
saved moment gets an audit event (never the note text) and goes to the
visibility rules in the same transaction (the signals in school.events).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from school import audit, events, schoolyear
from school.accounts.models import User
from school.catalogue import ContactForm, ContactLevel
from school.contacts import queries
from school.contacts.models import ContactMoment, GroupContact, Initiative, Mediator, Reach, Tone
from school.extensions import db
from school.families.models import Household
from school.grid import Quadrant

UNDO_SECONDS = 120


class ContactError(ValueError):
    """A request that cannot be saved; the message says why (translated by the caller)."""


class AlreadyUsed(ContactError):
    """The submission token belongs to somebody else's submission."""


class TooLate(ContactError):
    """The undo window has passed."""


class Stale(ContactError):
    """Somebody changed the moment meanwhile."""


def default_reach(form: ContactForm) -> Reach:
    """Oral forms reach the family in a two-way exchange; written ones are a one-way message."""
    return Reach.TWO_WAY if form.quadrant.is_oral else Reach.ONE_WAY


def undo_seconds() -> int:
    return int(current_app.config.get("CONTACT_UNDO_SECONDS", UNDO_SECONDS))


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def can_undo(moments: Iterable[ContactMoment], user: User) -> bool:
    moments = list(moments)
    if not moments or any(m.logged_by_id != user.id or m.removed_at is not None for m in moments):
        return False
    age = _naive_utc(schoolyear.utcnow()) - _naive_utc(min(m.created_at for m in moments))
    return age.total_seconds() <= undo_seconds()


# --- logging -----------------------------------------------------------------------


@dataclass
class Saved:
    moments: list[ContactMoment]
    repeated: bool  # a resend of a submission saved before: nothing new was written


def log_moments(
    user: User,
    household_ids: Iterable[int],
    *,
    form: ContactForm,
    token: str,
    occurred_on: dt.date,
    tone: Tone = Tone.NEUTRAL,
    reach: Reach | None = None,
    initiative: Initiative = Initiative.SCHOOL,
    mediator: Mediator = Mediator.NONE,
    note: str | None = None,
    confidential: bool = False,
    caregiver_id: int | None = None,
    pupil_id: int | None = None,
) -> Saved:
    """One moment per family for one submission; a resend (same token) saves nothing new.

    The caller has checked that `user` may see every family.
    """
    if occurred_on > schoolyear.today():
        raise ContactError("future date")
    wanted = list(dict.fromkeys(household_ids))
    existing = _existing(token, wanted, user)
    missing = [h for h in wanted if h not in existing]
    if not missing:
        return Saved([existing[h] for h in wanted], repeated=True)
    moments = [
        ContactMoment(
            household_id=household_id,
            form_id=form.id,
            occurred_on=occurred_on,
            initiative=initiative,
            reach=reach or default_reach(form),
            tone=tone,
            mediator=mediator,
            note=note,
            confidential=confidential and bool(note),
            caregiver_id=caregiver_id,
            pupil_id=pupil_id,
            logged_by_id=user.id,
            submission_token=token,
        )
        for household_id in missing
    ]
    try:
        _save_new(moments)
    except IntegrityError:
        # The same submission arrived twice at once: the other request saved it.
        db.session.rollback()
        existing = _existing(token, wanted, user)
        if len(existing) != len(wanted):
            raise AlreadyUsed("token in use") from None
        return Saved([existing[h] for h in wanted], repeated=True)
    by_household = {**existing, **{m.household_id: m for m in moments}}
    return Saved([by_household[h] for h in wanted], repeated=False)


def _existing(token: str, household_ids: list[int], user: User) -> dict[int, ContactMoment]:
    rows = db.session.scalars(
        select(ContactMoment).where(
            ContactMoment.submission_token == token, ContactMoment.household_id.in_(household_ids)
        )
    ).all()
    if any(m.logged_by_id != user.id for m in rows):
        raise AlreadyUsed("token in use")
    return {m.household_id: m for m in rows}


def _save_new(moments: list[ContactMoment]) -> None:
    """Insert, audit, tell the visibility rules, commit: one transaction."""
    _add_moments(moments)
    db.session.commit()


def _add_moments(moments: list[ContactMoment], action: str = "contact.created", **detail) -> None:
    """Insert the moments, audit each, and tell the visibility rules; the caller commits."""
    db.session.add_all(moments)
    db.session.flush()
    for moment in moments:
        audit.record(
            action, object_type="contact_moment", object_id=moment.id, household_id=moment.household_id,
            **detail,
        )
    events.contacts_logged.send(None, moments=moments)


INTAKE_FORM_CODE = "enrolment_interview"


def log_intake_conversation(
    _sender, *, household: Household, user: User, token: str, mediator: Mediator = Mediator.NONE,
    occurred_on: dt.date | None = None,
) -> ContactMoment | None:
    """The intake itself (events.intake_finished): a formal, oral, two-way contact on the school's
    initiative, on the day of the conversation (today unless given). Never commits."""
    form = db.session.scalar(select(ContactForm).where(ContactForm.code == INTAKE_FORM_CODE))
    if form is None:
        return None
    token = token or f"intake-{household.id}-{household.version}"
    exists = db.session.scalar(
        select(ContactMoment.id).where(
            ContactMoment.household_id == household.id, ContactMoment.submission_token == token
        )
    )
    if exists:
        return None
    moment = ContactMoment(
        household_id=household.id,
        form_id=form.id,
        occurred_on=occurred_on or schoolyear.today(),
        initiative=Initiative.SCHOOL,
        reach=Reach.TWO_WAY,
        tone=Tone.NEUTRAL,
        mediator=mediator,
        logged_by_id=user.id,
        submission_token=token,
    )
    _add_moments([moment], "contact.logged", form=INTAKE_FORM_CODE)
    return moment


# --- undo and correcting -----------------------------------------------------------------


def undo(user: User, token: str) -> list[ContactMoment]:
    """Soft-remove what `user` just saved with this token (within the undo window)."""
    moments = [m for m in queries.moments_by_token(user, token) if m.removed_at is None]
    if not moments:
        raise ContactError("nothing to undo")
    if not can_undo(moments, user):
        raise TooLate("too late")
    _remove(moments, user)
    db.session.commit()
    return moments


def remove_moment(user: User, moment: ContactMoment) -> None:
    """Soft removal: the row stays for the audit trail, out of every count."""
    _remove([moment], user)
    db.session.commit()


def _remove(moments: list[ContactMoment], user: User) -> None:
    """Mark removed, audit, and reopen any follow-up these moments had closed."""
    now = schoolyear.utcnow()
    for moment in moments:
        moment.removed_at = now
        moment.removed_by_id = user.id
        audit.record(
            "contact.removed",
            object_type="contact_moment",
            object_id=moment.id,
            household_id=moment.household_id,
        )
    db.session.flush()
    events.contacts_removed.send(None, moments=moments)


def update_moment(
    user: User, moment: ContactMoment, *, version: int | None, form: ContactForm, **changes
) -> ContactMoment:
    """Correct a moment; `version` is what the editor saw (a later change by somebody else wins)."""
    if version is not None and version != moment.version:
        raise Stale("changed meanwhile")
    closed_before = queries.reached_in_person(moment)
    moment.form_id = form.id
    moment.form = form
    for name, value in changes.items():
        setattr(moment, name, value)
    if changes.get("reach", moment.reach) is None:
        moment.reach = default_reach(form)
    if not moment.note:
        moment.confidential = False
    audit.record(
        "contact.updated",
        object_type="contact_moment",
        object_id=moment.id,
        household_id=moment.household_id,
    )
    try:
        db.session.flush()
        if not queries.reached_in_person(moment):
            events.contacts_removed.send(None, moments=[moment])  # it no longer closes a follow-up
        elif not closed_before:
            # Only an edit that makes it a contact that reached the family closes follow-ups:
            # correcting the note of an old conversation must not close a newer plan.
            events.contacts_logged.send(None, moments=[moment])
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Stale("changed meanwhile") from None
    return moment


# --- group contacts ----------------------------------------------------------------------


@dataclass
class GroupSaved:
    group: GroupContact
    moments: list[ContactMoment]
    repeated: bool


def _existing_group(token: str, user: User) -> GroupSaved | None:
    group = db.session.scalar(select(GroupContact).where(GroupContact.submission_token == token))
    if group is None:
        return None
    if group.logged_by_id != user.id:
        raise AlreadyUsed("token in use")
    moments = list(db.session.scalars(select(ContactMoment).where(ContactMoment.group_id == group.id)))
    return GroupSaved(group, moments, repeated=True)


def log_activity(
    user: User,
    *,
    form: ContactForm,
    class_id: int | None,
    occurred_on: dt.date,
    token: str,
    came: Iterable[int],
    not_came: Iterable[int] = (),
    title: str | None = None,
    note: str | None = None,
) -> GroupSaved:
    """An activity with attendance: one two-way moment per family that came and,
    if given, a 'did not reach them' moment per invited family that did not."""
    if form.is_broadcast:
        raise ContactError("a broadcast has no attendance")
    came = list(dict.fromkeys(came))
    not_came = [h for h in dict.fromkeys(not_came) if h not in set(came)]
    return _save_group(
        user, form=form, class_id=class_id, occurred_on=occurred_on, token=token, title=title, note=note,
        attendance=((came, Reach.TWO_WAY), (not_came, Reach.NOT_REACHED)),
    )


def log_broadcast(
    user: User,
    *,
    form: ContactForm,
    class_id: int | None,
    occurred_on: dt.date,
    token: str,
    title: str | None = None,
    note: str | None = None,
) -> GroupSaved:
    """One row for the whole class or school; no family counts as reached by it."""
    if not form.is_broadcast:
        raise ContactError("not a broadcast form")
    return _save_group(
        user, form=form, class_id=class_id, occurred_on=occurred_on, token=token, title=title, note=note,
        attendance=(),
    )


def _save_group(
    user: User, *, form: ContactForm, class_id: int | None, occurred_on: dt.date, token: str,
    title: str | None, note: str | None, attendance: Iterable[tuple[list[int], Reach]],
) -> GroupSaved:
    """The group contact and a moment per family in `attendance` ((household ids, reach) pairs), in one
    transaction; a resend with the same token answers with what the first send saved."""
    if occurred_on > schoolyear.today():
        raise ContactError("future date")
    again = _existing_group(token, user)
    if again is not None:
        return again
    group = GroupContact(
        form_id=form.id,
        class_id=class_id,
        occurred_on=occurred_on,
        title=title,
        note=note,
        logged_by_id=user.id,
        submission_token=token,
    )
    db.session.add(group)
    try:
        db.session.flush()
        moments = [
            ContactMoment(
                household_id=household_id,
                form_id=form.id,
                occurred_on=occurred_on,
                initiative=Initiative.SCHOOL,
                reach=reach,
                tone=Tone.NEUTRAL,
                mediator=Mediator.NONE,
                group_id=group.id,
                logged_by_id=user.id,
                submission_token=token,
            )
            for ids, reach in attendance
            for household_id in ids
        ]
        audit.record("group_contact.created", object_type="group_contact", object_id=group.id)
        if moments:
            _save_new(moments)
        else:  # a broadcast: nobody is reached, so nothing for the visibility rules
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
        again = _existing_group(token, user)
        if again is None:
            raise
        return again
    return GroupSaved(group, moments, repeated=False)


def remove_group(user: User, group: GroupContact) -> None:
    """Soft-remove a group contact and the moments it created."""
    group.removed_at = schoolyear.utcnow()
    audit.record("group_contact.removed", object_type="group_contact", object_id=group.id)
    moments = db.session.scalars(
        select(ContactMoment).where(ContactMoment.group_id == group.id, ContactMoment.removed_at.is_(None))
    ).all()
    _remove(list(moments), user)
    db.session.commit()


# --- the catalogue ---------------------------------------------------------------------------


def _form_added_by(token: str | None) -> ContactForm | None:
    """The contact form an earlier send of the catalogue page's form (this token) added, if any."""
    if not token:
        return None
    return db.session.scalar(select(ContactForm).where(ContactForm.submission_token == token))


def add_form(
    *, name: str, quadrant: Quadrant, level: ContactLevel, is_broadcast: bool, active: bool = True,
    token: str | None = None,
) -> tuple[ContactForm, bool]:
    """A new form in the catalogue; commits. Returns the form and whether this call added it: a
    resend of the same page's form (same `token`) adds nothing and returns the form the first added."""
    earlier = _form_added_by(token)
    if earlier is not None:
        return earlier, False
    last = db.session.scalar(select(ContactForm.sort_order).order_by(ContactForm.sort_order.desc()).limit(1))
    form = ContactForm(
        name=name,
        quadrant=quadrant,
        level=level,
        is_broadcast=is_broadcast,
        active=active,
        sort_order=(last or 0) + 10,
        submission_token=token or None,
    )
    try:
        db.session.add(form)
        db.session.flush()
        audit.record("contact_form.created", object_type="contact_form", object_id=form.id)
        db.session.commit()
    except IntegrityError:
        # The same form arrived twice at once: the other request added it.
        db.session.rollback()
        earlier = _form_added_by(token)
        if earlier is None:
            raise
        return earlier, False
    return form, True


def update_form(
    form: ContactForm, *, name: str, quadrant: Quadrant, level: ContactLevel, is_broadcast: bool, active: bool
) -> None:
    """Rename, move to another quadrant, (de)activate. Old moments keep their form."""
    form.name = name
    form.quadrant = quadrant
    form.level = level
    form.is_broadcast = is_broadcast
    form.active = active
    audit.record("contact_form.updated", object_type="contact_form", object_id=form.id)
    db.session.commit()


def move_form(form: ContactForm, direction: int) -> bool:
    """Swap with the neighbour in the same quadrant (-1 up, +1 down); False at the edge."""
    siblings = [
        f for f in queries.catalogue(broadcast=None, active_only=False) if f.quadrant is form.quadrant
    ]
    index = siblings.index(form)
    other_index = index + (1 if direction > 0 else -1)
    if not 0 <= other_index < len(siblings):
        return False
    # Renumber the quadrant first, so equal sort orders can be swapped too.
    orders = sorted(f.sort_order for f in siblings)
    if len(set(orders)) != len(orders):
        orders = [orders[0] + 10 * i for i in range(len(orders))]
    siblings[index], siblings[other_index] = siblings[other_index], siblings[index]
    for sibling, order in zip(siblings, orders, strict=True):
        sibling.sort_order = order
    audit.record("contact_form.moved", object_type="contact_form", object_id=form.id)
    db.session.commit()
    return True


def init_app(_app) -> None:
    """Connect to what the families domain tells (school.events)."""
    events.intake_finished.connect(log_intake_conversation)
