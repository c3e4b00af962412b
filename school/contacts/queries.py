"""Reading forms, contact moments and group contacts (families always through the scope)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from school import schoolyear
from school.access import refuse
from school.accounts.models import User
from school.catalogue import ContactForm, ContactLevel
from school.contacts.forms import WHOLE_SCHOOL
from school.contacts.models import ContactMoment, GroupContact, Reach
from school.extensions import db
from school.families.enrolments import in_force
from school.families.models import Caregiver, Enrolment, Household, Pupil, SchoolClass, household_pupils
from school.families.queries import current_classes
from school.families.scope import get_household_or_404, scoped, sees_all_families, visible_household_ids
from school.grid import GO_BETWEEN, QUADRANTS, Quadrant
from school.policy import may_correct

# The forms offered first to somebody who has logged nothing yet.
FALLBACK_CODES = ("gate_conversation", "spontaneous_call", "diary_message", "parent_meeting")
FAVOURITES_MAX = 6
FAVOURITES_MIN = 4
FAVOURITES_WINDOW = 300


# --- the catalogue -------------------------------------------------------------


def catalogue(*, broadcast: bool | None = False, active_only: bool = True) -> list[ContactForm]:
    """Forms in catalogue order; broadcast=None gives both kinds."""
    stmt = select(ContactForm).order_by(ContactForm.sort_order, ContactForm.id)
    if active_only:
        stmt = stmt.where(ContactForm.active.is_(True))
    if broadcast is not None:
        stmt = stmt.where(ContactForm.is_broadcast.is_(broadcast))
    return list(db.session.scalars(stmt))


def by_quadrant(forms: list[ContactForm]) -> list[tuple[Quadrant, list[ContactForm]]]:
    """The forms per quadrant, in the order the grid is drawn (empty quadrants left out)."""
    groups = [(q, [f for f in forms if f.quadrant is q]) for q in QUADRANTS]
    return [(q, fs) for q, fs in groups if fs]


def favourite_forms(user: User, offered: list[ContactForm]) -> list[ContactForm]:
    """The forms this user logs most (4 to 6) of late, topped up with the everyday ones.

    "Of late": the user's latest FAVOURITES_WINDOW moments, so the quick log
    costs the same after years of use (and follows what the user logs now).
    """
    by_id = {f.id: f for f in offered}
    latest = (
        select(ContactMoment.id)
        .where(ContactMoment.logged_by_id == user.id)
        .order_by(ContactMoment.created_at.desc(), ContactMoment.id.desc())
        .limit(FAVOURITES_WINDOW)
        .subquery()
    )
    counts = db.session.execute(
        select(ContactMoment.form_id, func.count())
        .join(latest, latest.c.id == ContactMoment.id)
        .where(ContactMoment.removed_at.is_(None), ContactMoment.group_id.is_(None))
        .group_by(ContactMoment.form_id)
        .order_by(func.count().desc(), ContactMoment.form_id)
    ).all()
    chosen = [by_id[form_id] for form_id, _n in counts if form_id in by_id][:FAVOURITES_MAX]
    by_code = {f.code: f for f in offered if f.code}
    for code in FALLBACK_CODES:
        if len(chosen) >= FAVOURITES_MIN:
            break
        form = by_code.get(code)
        if form is not None and form not in chosen:
            chosen.append(form)
    return chosen


def activity_forms() -> list[ContactForm]:
    """Forms for a group activity: class and school level first, then the rest (no broadcasts)."""
    forms = catalogue(broadcast=False)
    group_level = [f for f in forms if f.level is not ContactLevel.FAMILY]
    return group_level + [f for f in forms if f.level is ContactLevel.FAMILY]


def form_or_none(form_id: int, allowed: list[ContactForm]) -> ContactForm | None:
    return next((f for f in allowed if f.id == form_id), None)


# --- choosing families --------------------------------------------------------


@dataclass
class FamilyEntry:
    household_id: int
    family_name: str
    children: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    logged_today: bool = False

    @property
    def label(self) -> str:
        return ", ".join(self.children) or self.family_name


@dataclass
class FamilyGroup:
    class_id: int | None
    title: str
    entries: list[FamilyEntry]


def my_class_ids(user: User) -> list[int]:
    """The current classes a teacher teaches (in the order of the school)."""
    current = {c.id for c in current_classes()}
    return [c.id for c in user.classes if c.id in current]


def class_groups(user: User, class_ids: list[int] | None) -> list[FamilyGroup]:
    """Families per class (children's names), for the given classes or every current class.

    One query for the pupils, one for 'logged today'; only families `user` may see.
    """
    classes = current_classes()
    if class_ids is not None:
        classes = [c for c in classes if c.id in set(class_ids)]
    if not classes:
        return []
    rows = db.session.execute(
        scoped(
            select(Enrolment.class_id, Pupil.first_name, Pupil.last_name, Household.id)
            .add_columns(Household.display_name)
            .join(Enrolment, Enrolment.pupil_id == Pupil.id)
            .join(household_pupils, household_pupils.c.pupil_id == Pupil.id)
            .join(Household, Household.id == household_pupils.c.household_id)
            .where(
                Enrolment.class_id.in_([c.id for c in classes]),
                in_force(schoolyear.today()),
                Household.anonymised_at.is_(None),
            )
            .order_by(Pupil.first_name, Pupil.last_name, Household.display_name),
            user,
        )
    ).all()
    per_class: dict[int, dict[int, FamilyEntry]] = {c.id: {} for c in classes}
    for class_id, first, last, household_id, family_name in rows:
        entry = per_class[class_id].setdefault(household_id, FamilyEntry(household_id, family_name))
        entry.children.append(f"{first} {last}")
    today = logged_today_ids({h for entries in per_class.values() for h in entries})
    groups = []
    for school_class in classes:
        entries = list(per_class[school_class.id].values())
        for entry in entries:
            entry.logged_today = entry.household_id in today
            entry.classes = [school_class.name]
        groups.append(FamilyGroup(school_class.id, school_class.name, entries))
    return groups


def picker_groups(user: User) -> list[FamilyGroup]:
    """What the quick log offers before anything is typed: a teacher's own classes."""
    if sees_all_families(user):
        return []
    groups = class_groups(user, my_class_ids(user))
    listed = {e.household_id for g in groups for e in g.entries}
    others = [e for e in search_families(user, "", limit=50) if e.household_id not in listed]
    if others:
        groups.append(FamilyGroup(None, _("Other families you follow"), others))
    return groups


def search_families(user: User, q: str, limit: int = 30) -> list[FamilyEntry]:
    """Families `user` may see whose name, a child's or a caregiver's name contains `q`."""
    stmt = scoped(select(Household).where(Household.anonymised_at.is_(None)), user)
    q = q.strip().lower()
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            or_(
                func.lower(Household.display_name).like(like),
                Household.id.in_(
                    select(Caregiver.household_id).where(
                        func.lower(Caregiver.first_name + " " + Caregiver.last_name).like(like)
                    )
                ),
                Household.id.in_(
                    select(household_pupils.c.household_id)
                    .join(Pupil, Pupil.id == household_pupils.c.pupil_id)
                    .where(func.lower(Pupil.first_name + " " + Pupil.last_name).like(like))
                ),
            )
        )
    households = db.session.scalars(
        stmt.options(
            selectinload(Household.pupils).selectinload(Pupil.enrolments).selectinload(Enrolment.school_class)
        )
        .order_by(Household.display_name, Household.id)
        .limit(limit)
    ).all()
    today = logged_today_ids({h.id for h in households})
    entries = []
    for household in households:
        pupils = [p for p in household.pupils if p.left_on is None]
        entries.append(
            FamilyEntry(
                household.id,
                household.display_name,
                children=[p.full_name for p in pupils],
                classes=sorted({p.school_class.name for p in pupils if p.school_class}),
                logged_today=household.id in today,
            )
        )
    return entries


def logged_today_ids(household_ids: set[int]) -> set[int]:
    """Which of these families already have a contact dated today (by anybody)."""
    if not household_ids:
        return set()
    return set(
        db.session.scalars(
            select(ContactMoment.household_id)
            .where(
                ContactMoment.household_id.in_(household_ids),
                ContactMoment.occurred_on == schoolyear.today(),
                ContactMoment.removed_at.is_(None),
            )
            .distinct()
        )
    )


def household_for_log(household_id: int, user: User) -> Household:
    """The family to log for (404 outside the user's reach), with caregivers and children."""
    return get_household_or_404(household_id, user)


# --- contact moments --------------------------------------------------------------


def _moment_options():
    return (
        selectinload(ContactMoment.form),
        selectinload(ContactMoment.household),
        selectinload(ContactMoment.caregiver),
        selectinload(ContactMoment.pupil),
    )


def start_of_today_utc() -> dt.datetime:
    """The school's midnight as naive UTC (how created_at is compared in every database)."""
    return schoolyear.utc_start_of(schoolyear.today())


def todays_moments(user: User) -> list[ContactMoment]:
    """What `user` logged today, newest first (for 'today's list')."""
    return list(
        db.session.scalars(
            select(ContactMoment)
            .where(
                ContactMoment.logged_by_id == user.id,
                ContactMoment.removed_at.is_(None),
                ContactMoment.created_at >= start_of_today_utc(),
            )
            .options(*_moment_options())
            .order_by(ContactMoment.created_at.desc(), ContactMoment.id.desc())
        )
    )


def moments_by_token(user: User, token: str) -> list[ContactMoment]:
    """The moments one submission of `user` saved (removed ones included)."""
    if not token:
        return []
    return list(
        db.session.scalars(
            select(ContactMoment)
            .where(ContactMoment.submission_token == token, ContactMoment.logged_by_id == user.id)
            .options(*_moment_options())
            .order_by(ContactMoment.id)
        )
    )


def moment_or_404(moment_id: int, user: User) -> ContactMoment:
    """A moment `user` may correct: their own, or any for care and director; never a removed one."""
    moment = db.session.get(ContactMoment, moment_id)
    if moment is None or moment.removed_at is not None:
        abort(404)
    get_household_or_404(moment.household_id, user)
    if not may_correct(user, moment):
        refuse(object_type="contact_moment", object_id=moment.id, household_id=moment.household_id)
    return moment



# --- group contacts ------------------------------------------------------------------


def group_or_404(group_id: int, user: User) -> GroupContact:
    group = db.session.get(GroupContact, group_id)
    if group is None or group.removed_at is not None:
        abort(404)
    if (
        group.class_id is not None
        and not sees_all_families(user)
        and group.class_id not in my_class_ids(user)
    ):
        if group.logged_by_id != user.id:
            refuse(object_type="group_contact", object_id=group.id)
    return group


def group_moments(group: GroupContact, user: User) -> list[ContactMoment]:
    """The moments an activity created, for families `user` may see."""
    stmt = (
        select(ContactMoment)
        .where(ContactMoment.group_id == group.id, ContactMoment.removed_at.is_(None))
        .options(selectinload(ContactMoment.household))
        .order_by(ContactMoment.id)
    )
    if not sees_all_families(user):
        stmt = stmt.where(ContactMoment.household_id.in_(visible_household_ids(user)))
    return list(db.session.scalars(stmt))


def broadcasts_for_household(household_id: int, since: dt.date, until: dt.date) -> list[GroupContact]:
    """Broadcasts that went to this family between two dates (inclusive), newest first.

    Class-level broadcasts for a class one of the family's children was in on that day,
    school-level ones for everybody. They belong in the family's timeline but never count as
    reaching the family (there is no contact moment behind them).
    """
    to_a_child_of_theirs = exists().where(
        household_pupils.c.household_id == household_id,
        Enrolment.pupil_id == household_pupils.c.pupil_id,
        Pupil.id == household_pupils.c.pupil_id,
        Enrolment.class_id == GroupContact.class_id,
        in_force(GroupContact.occurred_on),
    )
    return list(
        db.session.scalars(
            select(GroupContact)
            .join(ContactForm, ContactForm.id == GroupContact.form_id)
            .where(
                ContactForm.is_broadcast.is_(True),
                GroupContact.removed_at.is_(None),
                GroupContact.occurred_on >= since,
                GroupContact.occurred_on <= until,
                or_(GroupContact.class_id.is_(None), to_a_child_of_theirs),
            )
            .options(selectinload(GroupContact.form), selectinload(GroupContact.school_class))
            .order_by(GroupContact.occurred_on.desc(), GroupContact.id.desc())
        )
    )


def audience_choices(user: User, *, whole_school: bool) -> list[tuple[str, str]]:
    """The classes `user` may log a group contact for (and the whole school if allowed)."""
    classes: list[SchoolClass] = current_classes()
    if not sees_all_families(user):
        mine = set(my_class_ids(user))
        classes = [c for c in classes if c.id in mine]
    choices = [(str(c.id), c.name) for c in classes]
    if whole_school:
        choices.append((WHOLE_SCHOOL, _("The whole school")))
    return choices



def counts_by_reach(moments: list[ContactMoment]) -> Counter:
    return Counter(m.reach.value for m in moments)


def reached_in_person(moment: ContactMoment, broadcast_form_ids: Collection[int] = frozenset()) -> bool:
    """Did this (flushed) moment really reach the family in person (what closes a follow-up)?

    Oral, two-way, not only through a go-between, not removed, not a broadcast.
    """
    form = db.session.get(ContactForm, moment.form_id)  # the identity map has it: no query
    return (
        moment.removed_at is None
        and moment.reach == Reach.TWO_WAY
        and moment.mediator not in GO_BETWEEN
        and form is not None
        and form.quadrant.is_oral
        and not form.is_broadcast
        and moment.form_id not in broadcast_form_ids
    )
