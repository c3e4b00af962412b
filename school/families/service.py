"""Creating and changing households: the intake, editing a family, possible duplicates.

The only place (with queries.py and roster.py) that writes families. Every
change is audited in the same transaction; the intake itself is logged as a
formal, oral contact moment.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from school.accounts.models import Role, User
from school.contacts.models import (
    ContactAgreement,
    ContactForm,
    ContactLevel,
    ContactMoment,
    Initiative,
    Mediator,
    Reach,
    Tone,
)
from school.extensions import db
from school.families import intake, roster, search
from school.families.models import (
    Caregiver,
    Household,
    InfoTopic,
    IntakeStatus,
    Kinship,
    Level,
    Pupil,
    SchoolClass,
    SchoolYear,
)
from school.families.queries import current_classes, current_school_year
from school.families.scope import scoped
from school.families.topics import topic_label
from school.grid import Quadrant
from school.privacy import audit
from school.privacy.models import AuditEvent
from school.schoolyear import span_for, today, utcnow
from school.visibility.models import Setting

INTAKE_FORM_CODE = "enrolment_interview"
CONTACT_PERSON_ROLES = (Role.TEACHER, Role.CARE, Role.DIRECTOR, Role.RECEPTION)


# --- plain input, built by the form ----------------------------------------------


@dataclass
class CaregiverInput:
    id: int | None
    first_name: str
    last_name: str
    kinship: Kinship
    phone: str | None = None
    email: str | None = None
    contact_language: str | None = None
    remove: bool = False


@dataclass
class ChildInput:
    pupil_id: int | None
    first_name: str
    last_name: str
    birth_date: dt.date | None = None
    class_id: int | None = None
    external_key: str | None = None
    remove: bool = False


@dataclass
class AgreementInput:
    id: int | None
    form_id: int | None
    every_days: int | None = None
    occasion: str | None = None
    remove: bool = False


@dataclass
class HouseholdInput:
    display_name: str = ""
    about_child: str | None = None
    needs_from_school: str | None = None
    contact_language: str | None = None
    interpreter_needed: bool = False
    interpreter_language: str | None = None
    written_ok: bool | None = None
    digital_ok: bool | None = None
    preferred_channels: list[str] = field(default_factory=list)
    preferred_times: list[str] = field(default_factory=list)
    contact_note: str | None = None
    help_offer: str | None = None
    info_explained: list[int] = field(default_factory=list)
    contact_person_id: int | None = None
    consent_external: bool = False
    intake_mediator: Mediator = Mediator.NONE
    caregivers: list[CaregiverInput] = field(default_factory=list)
    children: list[ChildInput] = field(default_factory=list)
    agreements: list[AgreementInput] = field(default_factory=list)


class AlreadySaved(Exception):
    """The same submission arrived twice; the first one was saved."""

    def __init__(self, household_id: int):
        super().__init__(household_id)
        self.household_id = household_id


class ChildNotLinkable(Exception):
    """A child's id sent back by the family form names no child that form may link or change:
    none (any more), one who left school, or another family's child with other details.
    Raised before anything is committed; the caller rolls back."""

    def __init__(self, pupil_id: int, *, other_family: bool):
        super().__init__(pupil_id)
        self.pupil_id = pupil_id
        self.other_family = other_family


@dataclass
class Difference:
    label: str
    saved: str
    yours: str


class EditConflict(Exception):
    """Somebody else saved the family after this form was opened."""

    def __init__(
        self, household: Household, differences: list[Difference], by: str | None, at: dt.datetime | None
    ):
        super().__init__(household.id)
        self.household = household
        self.differences = differences
        self.by = by
        self.at = at


# --- choices for the form ---------------------------------------------------------


def class_choices() -> list[tuple[int, str]]:
    return [(c.id, c.name) for c in current_classes()]


def contact_form_choices() -> dict[str, list[tuple[int, str]]]:
    """The catalogue by quadrant (forms for one family: no broadcasts)."""
    forms = db.session.scalars(
        select(ContactForm)
        .where(
            ContactForm.active.is_(True),
            ContactForm.is_broadcast.is_(False),
            ContactForm.level == ContactLevel.FAMILY,
        )
        .order_by(ContactForm.sort_order, ContactForm.name)
    ).all()
    grouped: dict[str, list] = {"": [("", _("choose a form of contact"))]}
    for quadrant in Quadrant:
        items = [(f.id, f.label) for f in forms if f.quadrant is quadrant]
        if items:
            grouped[quadrant.label] = items
    return grouped


def person_choices(current: int | None = None) -> list[tuple[int, str]]:
    """Active staff who can be a fixed contact person, plus the family's `current` one even when
    that account was switched off: shown as inactive, so saving the form keeps it, never swaps it."""
    users = db.session.scalars(
        select(User)
        .where(
            or_(
                User.active.is_(True) & User.role.in_(CONTACT_PERSON_ROLES),
                User.id == (current or -1),
            )
        )
        .order_by(User.name)
    ).all()
    return [
        (u.id, f"{u.name} · {u.role.label}" if u.active
         else _("%(person)s (inactive)", person=f"{u.name} · {u.role.label}"))
        for u in users
    ]


def topic_choices(include: list[int] = ()) -> list[tuple[int, str]]:
    """Active topics, plus inactive ones this family already has ticked."""
    topics = db.session.scalars(
        select(InfoTopic)
        .where(or_(InfoTopic.active.is_(True), InfoTopic.id.in_(list(include) or [-1])))
        .order_by(InfoTopic.sort_order, InfoTopic.id)
    ).all()
    return [(t.id, topic_label(t)) for t in topics]


def all_topics() -> list[InfoTopic]:
    return list(db.session.scalars(select(InfoTopic).order_by(InfoTopic.sort_order, InfoTopic.id)))


@dataclass
class TopicInput:
    id: int
    label: str | None
    active: bool
    sort_order: int | None


def save_topics(rows: list[TopicInput], new_label: str | None) -> int:
    """Rename, switch off or reorder the checklist, and add a new item; commits. Returns changes."""
    topics = {t.id: t for t in all_topics()}
    changed = 0
    for row in rows:
        topic = topics.get(row.id)
        if topic is None:
            continue
        before = (topic.label, topic.active, topic.sort_order)
        # A seeded topic is shown translated: only a text the user really changed renames it.
        if row.label and row.label != topic_label(topic):
            topic.label = row.label
        topic.active = row.active
        if row.sort_order is not None:
            topic.sort_order = row.sort_order
        changed += before != (topic.label, topic.active, topic.sort_order)
    if new_label:
        last = max((t.sort_order for t in topics.values()), default=0)
        db.session.add(InfoTopic(label=new_label, active=True, sort_order=last + 10))
        changed += 1
    if changed:
        audit.record("settings.info_topics_changed", object_type="info_topic", changes=changed)
    db.session.commit()
    return changed


# --- the intake and the edit ----------------------------------------------------------


def already_created(token: str, user: User) -> int | None:
    """The household an earlier submission of this intake form created, if any."""
    return _earlier_submission("family.created", token, user)


def create_household(data: HouseholdInput, user: User, *, finish: bool, token: str) -> Household:
    """A new household from the intake form; commits. Raises AlreadySaved on a resubmit."""
    earlier = _earlier_submission("family.created", token, user)
    if earlier is not None:
        raise AlreadySaved(earlier)
    household = Household(display_name="", intake_status=IntakeStatus.DRAFT, submission_token=token or None)
    try:
        db.session.add(household)
        _apply(household, data)
        _set_status(household, data, user, finish=finish, token=token)
        db.session.flush()
        audit.record(
            "family.created",
            object_type="household",
            object_id=household.id,
            household_id=household.id,
            token=token,
            intake_status=household.intake_status.value,
            caregivers=len(household.caregivers),
            children=len(household.pupils),
        )
        db.session.commit()
    except IntegrityError:
        # The same form arrived twice at once: the other request created the household.
        db.session.rollback()
        first = token and db.session.scalar(select(Household.id).where(Household.submission_token == token))
        if not first:
            raise
        raise AlreadySaved(first) from None
    return household


def update_household(
    household: Household,
    data: HouseholdInput,
    user: User,
    *,
    expected_version: int | None,
    finish: bool,
    token: str,
) -> Household:
    """Save an edit; a stale version raises EditConflict (nothing saved), commits otherwise."""
    if expected_version != household.version:
        if _earlier_submission("family.updated", token, user, household.id) is not None:
            raise AlreadySaved(household.id)
        raise _conflict(household, data)
    before = summary(household)
    _apply(household, data)
    _set_status(household, data, user, finish=finish, token=token)
    touch(household)
    changed = [key for key, value in summary(household).items() if before.get(key) != value]
    audit.record(
        "family.updated",
        object_type="household",
        object_id=household.id,
        household_id=household.id,
        token=token,
        fields=changed,
        intake_status=household.intake_status.value,
    )
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        fresh = db.session.get(Household, household.id)
        raise _conflict(fresh, data) from None
    return household


def touch(household: Household) -> None:
    """Mark the household row changed, so its version goes up on this save.

    The version only moves when the households row itself is updated; a save that
    changes only a caregiver, a child or an agreement would otherwise leave it as
    it was, and a second stale form would overwrite that change unnoticed.
    """
    household.updated_at = utcnow()
    flag_modified(household, "updated_at")


def _earlier_submission(action: str, token: str, user: User, household_id: int | None = None) -> int | None:
    if not token:
        return None
    stmt = select(AuditEvent).where(AuditEvent.action == action, AuditEvent.user_id == user.id)
    if household_id is not None:
        stmt = stmt.where(AuditEvent.household_ref == str(household_id))
    for event in db.session.scalars(stmt.order_by(AuditEvent.id.desc()).limit(20)):
        if (event.detail or {}).get("token") == token and event.object_id is not None:
            return event.object_id
    return None


def _set_status(household: Household, data: HouseholdInput, user: User, *, finish: bool, token: str) -> None:
    if household.intake_status is IntakeStatus.DONE:
        return
    # The conversation happened when the intake was first saved, part-way or not; who
    # helped is kept with the draft, so finishing days later logs both as they were.
    household.intake_on = household.intake_on or today()
    household.intake_mediator = data.intake_mediator
    if not finish:
        household.intake_status = IntakeStatus.DRAFT
        return
    household.intake_status = IntakeStatus.DONE
    db.session.flush()
    log_intake_moment(household, user, token, data.intake_mediator, household.intake_on)


def log_intake_moment(
    household: Household,
    user: User,
    token: str,
    mediator: Mediator = Mediator.NONE,
    occurred_on: dt.date | None = None,
):
    """The intake itself: a formal, oral, two-way contact on the school's initiative, on the
    day of the conversation (today unless given)."""
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
        occurred_on=occurred_on or today(),
        initiative=Initiative.SCHOOL,
        reach=Reach.TWO_WAY,
        tone=Tone.NEUTRAL,
        mediator=mediator,
        logged_by_id=user.id,
        submission_token=token,
    )
    db.session.add(moment)
    db.session.flush()
    audit.record(
        "contact.logged",
        object_type="contact_moment",
        object_id=moment.id,
        household_id=household.id,
        form=INTAKE_FORM_CODE,
    )
    from school.visibility.service import after_contacts_logged

    after_contacts_logged([moment])
    return moment


def _apply(household: Household, data: HouseholdInput) -> None:
    household.about_child = data.about_child
    household.needs_from_school = data.needs_from_school
    household.contact_language = data.contact_language
    household.interpreter_needed = data.interpreter_needed
    household.interpreter_language = data.interpreter_language if data.interpreter_needed else None
    household.written_ok = data.written_ok
    household.digital_ok = data.digital_ok
    household.preferred_channels = [c for c in data.preferred_channels if c in intake.CHANNELS]
    household.preferred_times = [t for t in data.preferred_times if t in intake.TIMES]
    household.contact_note = data.contact_note
    household.help_offer = data.help_offer
    household.info_explained = sorted({int(i) for i in data.info_explained})
    from school.privacy.service import apply_consent  # given and withdrawn, each with its date

    apply_consent(household, bool(data.consent_external))
    _apply_caregivers(household, data.caregivers)
    _apply_children(household, data.children)
    _apply_agreements(household, data.agreements)
    household.display_name = data.display_name or default_display_name(household)
    if data.contact_person_id is not None:
        household.contact_person_id = data.contact_person_id
    else:
        person = default_contact_person(household.pupils)
        household.contact_person_id = person.id if person else None


def _apply_caregivers(household: Household, rows: list[CaregiverInput]) -> None:
    existing = {c.id: c for c in household.caregivers}
    order = 0
    for row in rows:
        caregiver = existing.get(row.id) if row.id else None
        if row.remove:
            if caregiver is not None:
                household.caregivers.remove(caregiver)
            continue
        if not row.first_name:
            continue
        if caregiver is None:
            caregiver = Caregiver(kinship=row.kinship)
            household.caregivers.append(caregiver)
        order += 10
        caregiver.first_name = row.first_name
        caregiver.last_name = row.last_name
        caregiver.kinship = row.kinship
        caregiver.phone = row.phone
        caregiver.email = row.email
        caregiver.contact_language = row.contact_language
        caregiver.sort_order = order


def _apply_children(household: Household, rows: list[ChildInput]) -> None:
    valid_classes = {c.id for c in current_classes()}
    linked = {p.id: p for p in household.pupils}
    for row in rows:
        if row.remove:
            pupil = linked.get(row.pupil_id) if row.pupil_id else None
            if pupil is None and not row.pupil_id and row.external_key:
                pupil = db.session.scalar(select(Pupil).where(Pupil.external_key == row.external_key))
            if pupil is not None and pupil in household.pupils:
                household.pupils.remove(pupil)
            continue
        pupil = None
        if row.pupil_id:
            pupil = linked.get(row.pupil_id) or _child_to_link(row)
        elif row.external_key:
            # A child the school administration already knows: link, never duplicate.
            pupil = db.session.scalar(select(Pupil).where(Pupil.external_key == row.external_key))
        if pupil is None:
            if not (row.first_name and row.last_name):
                continue
            pupil = Pupil(first_name=row.first_name, last_name=row.last_name, external_key=row.external_key)
        else:
            pupil.first_name = row.first_name or pupil.first_name
            pupil.last_name = row.last_name or pupil.last_name
        if row.birth_date is not None:
            pupil.birth_date = row.birth_date
        if row.class_id is not None and (row.class_id in valid_classes or row.class_id == pupil.class_id):
            pupil.class_id = row.class_id
            pupil.school_class = db.session.get(SchoolClass, row.class_id)
        if pupil not in household.pupils:
            household.pupils.append(pupil)


def _child_to_link(row: ChildInput) -> Pupil:
    """A child not (yet) in this family, linked by its id (the form's "link" button: a child of
    separated parents lives in two households). It must be at school, and this family's form does
    not change its details (the other family's, too): sent back as they are, or blank."""
    pupil = db.session.get(Pupil, row.pupil_id)
    if pupil is None or pupil.left_on is not None:
        raise ChildNotLinkable(row.pupil_id, other_family=False)
    changed = (
        (row.first_name and row.first_name != pupil.first_name)
        or (row.last_name and row.last_name != pupil.last_name)
        or (row.birth_date is not None and row.birth_date != pupil.birth_date)
        or (row.class_id is not None and row.class_id != pupil.class_id)
    )
    if changed and pupil.households:
        raise ChildNotLinkable(row.pupil_id, other_family=True)
    return pupil


def _apply_agreements(household: Household, rows: list[AgreementInput]) -> None:
    existing = {a.id: a for a in household.agreements}
    for row in rows:
        agreement = existing.get(row.id) if row.id else None
        if row.remove or row.form_id is None:
            if agreement is not None:
                agreement.active = False
            continue
        if agreement is None:
            agreement = ContactAgreement(agreed_on=today(), active=True)
            household.agreements.append(agreement)
        agreement.form_id = row.form_id
        agreement.every_days = row.every_days
        agreement.occasion = row.occasion


def default_display_name(household: Household) -> str:
    names: list[str] = []
    for person in [*household.caregivers, *household.pupils]:
        if person.last_name and person.last_name not in names:
            names.append(person.last_name)
    if not names:
        names = [p.first_name for p in [*household.caregivers, *household.pupils] if p.first_name][:2]
    return (" – ".join(names[:3]) or _("New family"))[:160]


def default_contact_person(pupils: list[Pupil]) -> User | None:
    """The class teacher of the youngest child (by birth date, else the lowest class)."""

    def age_order(pupil: Pupil):
        klass = pupil.school_class or (
            db.session.get(SchoolClass, pupil.class_id) if pupil.class_id else None
        )
        birth = pupil.birth_date or dt.date.min
        return (pupil.birth_date is None, -birth.toordinal(), klass.sort_order if klass else 10**6)

    for pupil in sorted(pupils, key=age_order):
        klass = pupil.school_class or (
            db.session.get(SchoolClass, pupil.class_id) if pupil.class_id else None
        )
        if klass is None:
            continue
        teachers = [t for t in klass.teachers if t.active]
        if teachers:
            return teachers[0]
    return None


# --- finding: possible duplicates, existing pupils ------------------------------------


def find_duplicates(
    phones: list[str], emails: list[str], user: User, exclude_id: int | None = None, limit: int = 5
) -> list[Household]:
    """Households in reach that already have one of these phone numbers or e-mail addresses."""
    keys = {search.phone_key(search.clean_query(p)) for p in phones if p}
    keys = {k for k in keys if len(k) >= 6}
    mails = {search.clean_query(e).lower() for e in emails if e and "@" in e}
    if not keys and not mails:
        return []
    conditions = [Household.search_key.contains(k, autoescape=True) for k in keys]
    if mails:
        conditions.append(
            Household.id.in_(select(Caregiver.household_id).where(func.lower(Caregiver.email).in_(mails)))
        )
    stmt = scoped(select(Household).where(Household.anonymised_at.is_(None), or_(*conditions)), user)
    if exclude_id is not None:
        stmt = stmt.where(Household.id != exclude_id)
    candidates = db.session.scalars(
        stmt.options(
            selectinload(Household.caregivers),
            selectinload(Household.pupils).selectinload(Pupil.school_class),
        )
        .order_by(Household.display_name)
        .limit(limit * 3)
    ).all()
    found = [
        h
        for h in candidates
        if any(search.phone_key(c.phone) in keys or (c.email or "").lower() in mails for c in h.caregivers)
    ]
    return found[:limit]


def find_pupils(query: str, user: User, limit: int = 8) -> list[Pupil]:
    """Pupils whose name (or class) holds every typed word, accent-insensitive."""
    query = search.clean_query(query)
    terms = search.query_terms(query)
    if not terms or len("".join(terms)) < 2:
        return []
    in_households = search.matching(
        scoped(select(Household.id).where(Household.anonymised_at.is_(None)), user), query
    )
    # A child in no household yet has no search key: fold its name here, the same way, so
    # "zoe" finds "Zoë" (the database's lower() keeps the accents).
    unlinked = [
        pupil_id
        for pupil_id, first, last, klass in db.session.execute(
            select(Pupil.id, Pupil.first_name, Pupil.last_name, SchoolClass.name)
            .outerjoin(SchoolClass, SchoolClass.id == Pupil.class_id)
            .where(Pupil.left_on.is_(None), ~Pupil.households.any())
        )
        if all(term in search.fold(f"{first} {last} {klass or ''}") for term in terms)
    ][:limit]
    stmt = (
        select(Pupil)
        .where(Pupil.left_on.is_(None))
        .where(
            or_(
                Pupil.id.in_(select(Pupil.id).join(Pupil.households).where(Household.id.in_(in_households))),
                Pupil.id.in_(unlinked or [-1]),
                Pupil.external_key == query.strip(),
            )
        )
        .options(selectinload(Pupil.school_class), selectinload(Pupil.households))
        .order_by(Pupil.first_name, Pupil.last_name)
        .limit(200)
    )
    found = []
    for pupil in db.session.scalars(stmt):
        text = search.fold(
            f"{pupil.first_name} {pupil.last_name} {pupil.school_class.name if pupil.school_class else ''}"
        )
        if all(term in text for term in terms) or pupil.external_key == query.strip():
            found.append(pupil)
    return found[:limit]


# --- what a household looks like, for the conflict view -------------------------------

SUMMARY_LABELS = {
    "display_name": _l("Family name in lists"),
    "contact_language": _l("Language for contact"),
    "interpreter": _l("Interpreter"),
    "written_ok": _l("Written messages work"),
    "digital_ok": _l("Digital messages work"),
    "channels": _l("Preferred ways of contact"),
    "times": _l("Times that suit them"),
    "about_child": _l("What should the school know about the child?"),
    "needs_from_school": _l("What do the parents need from the school?"),
    "contact_note": _l("Other agreements about contact"),
    "help_offer": _l("What would they like to help with?"),
    "info_explained": _l("What the school explained"),
    "caregivers": _l("Caregivers"),
    "children": _l("Children"),
    "agreements": _l("Agreement"),
    "contact_person": _l("Fixed contact person"),
    "consent_external": _l("Consent to share with external partners"),
}


def _yes_no(value: bool | None) -> str:
    return "?" if value is None else (_("yes") if value else _("no"))


def summary(household: Household) -> dict[str, str]:
    """Each part of a saved household as one line of text."""
    from school.i18n import language_name

    return _summary_lines(
        display_name=household.display_name,
        contact_language=language_name(household.contact_language),
        interpreter=(language_name(household.interpreter_language) or _("yes"))
        if household.interpreter_needed
        else _("no"),
        written_ok=_yes_no(household.written_ok),
        digital_ok=_yes_no(household.digital_ok),
        channels=", ".join(intake.channel_label(c) for c in household.preferred_channels or []),
        times=", ".join(intake.time_label(t) for t in household.preferred_times or []),
        about_child=household.about_child or "",
        needs_from_school=household.needs_from_school or "",
        contact_note=household.contact_note or "",
        help_offer=household.help_offer or "",
        info_explained=sorted(int(i) for i in household.info_explained or []),
        caregivers=[(c.full_name, c.kinship, c.phone, c.email) for c in household.caregivers],
        children=[(p.full_name, p.class_id) for p in household.pupils],
        agreements=[(a.form_id, a.every_days, a.occasion) for a in household.agreements if a.active],
        contact_person=household.contact_person_id,
        consent_external=_yes_no(household.consent_external),
    )


def summary_of_input(data: HouseholdInput) -> dict[str, str]:
    from school.i18n import language_name

    return _summary_lines(
        display_name=data.display_name,
        contact_language=language_name(data.contact_language),
        interpreter=(language_name(data.interpreter_language) or _("yes"))
        if data.interpreter_needed
        else _("no"),
        written_ok=_yes_no(data.written_ok),
        digital_ok=_yes_no(data.digital_ok),
        channels=", ".join(intake.channel_label(c) for c in data.preferred_channels),
        times=", ".join(intake.time_label(t) for t in data.preferred_times),
        about_child=data.about_child or "",
        needs_from_school=data.needs_from_school or "",
        contact_note=data.contact_note or "",
        help_offer=data.help_offer or "",
        info_explained=sorted(data.info_explained),
        caregivers=[
            (f"{c.first_name} {c.last_name}".strip(), c.kinship, c.phone, c.email)
            for c in data.caregivers
            if not c.remove and c.first_name
        ],
        children=[
            (f"{c.first_name} {c.last_name}".strip(), c.class_id) for c in data.children if not c.remove
        ],
        agreements=[
            (a.form_id, a.every_days, a.occasion) for a in data.agreements if not a.remove and a.form_id
        ],
        contact_person=data.contact_person_id,
        consent_external=_yes_no(data.consent_external),
    )


def _summary_lines(
    *, info_explained, caregivers, children, agreements, contact_person, **plain
) -> dict[str, str]:
    topics = dict(topic_choices(info_explained))
    classes = {c.id: c.name for c in db.session.scalars(select(SchoolClass))} if children else {}
    form_ids = {a[0] for a in agreements}
    forms = (
        {f.id: f.label for f in db.session.scalars(select(ContactForm).where(ContactForm.id.in_(form_ids)))}
        if form_ids
        else {}
    )
    person = db.session.get(User, contact_person) if contact_person else None
    lines = dict(plain)
    lines["info_explained"] = ", ".join(topics.get(i, "?") for i in info_explained)
    lines["caregivers"] = "; ".join(
        " · ".join(str(v) for v in (name, kinship.label, phone, email) if v)
        for name, kinship, phone, email in caregivers
    )
    lines["children"] = "; ".join(f"{name} ({classes.get(cid, '—')})" for name, cid in children)
    lines["agreements"] = "; ".join(
        " · ".join(v for v in (forms.get(fid, "?"), intake.rhythm_label(days), occasion or "") if v)
        for fid, days, occasion in agreements
    )
    lines["contact_person"] = person.name if person else _("the class teacher of the youngest child")
    return {key: lines.get(key, "") for key in SUMMARY_LABELS}


def _conflict(household: Household, data: HouseholdInput) -> EditConflict:
    saved, yours = summary(household), summary_of_input(data)
    differences = [
        Difference(str(SUMMARY_LABELS[key]), saved[key], yours[key])
        for key in SUMMARY_LABELS
        if saved[key] != yours[key]
    ]
    last = db.session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.household_ref == str(household.id),
            AuditEvent.action.in_(("family.updated", "family.created")),
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    by = None
    if last is not None and last.user_id:
        author = db.session.get(User, last.user_id)
        by = author.name if author else None
    return EditConflict(household, differences, by, last.at if last is not None else None)


# --- roster import ---------------------------------------------------------------------

ROSTER_MAPPING_KEY = "roster_mapping"
_UPLOAD_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
UPLOAD_MAX_AGE = dt.timedelta(hours=12)


def _upload_dir() -> Path:
    path = Path(current_app.instance_path) / "roster-uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


class UploadExpired(Exception):
    """The stored roster is older than UPLOAD_MAX_AGE: it was removed, the user uploads it again."""


def _too_old(mtime: float) -> bool:
    return mtime < time.time() - UPLOAD_MAX_AGE.total_seconds()


def sweep_uploads(*, dry_run: bool = False) -> int:
    """Remove stored rosters older than UPLOAD_MAX_AGE (pupils' and parents' names and numbers
    must not wait on disk for the next upload); returns how many uploads were (or would be) removed."""
    folder = Path(current_app.instance_path) / "roster-uploads"
    if not folder.is_dir():
        return 0
    tokens = set()
    for old in folder.glob("*"):
        try:
            if not _too_old(old.stat().st_mtime):
                continue
        except OSError:
            continue
        tokens.add(old.stem)
        if not dry_run:
            old.unlink(missing_ok=True)
    return len(tokens)


def store_upload(data: bytes, filename: str, user: User) -> str:
    """Keep an uploaded roster between the steps, under a random token (never in the cookie)."""
    folder = _upload_dir()
    sweep_uploads()
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.bin").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps({"filename": filename[:200], "user_id": user.id}))
    return token


def load_upload(token: str, user: User) -> tuple[bytes, str] | None:
    """The stored file of this user, or None (unknown, another user's).

    Raises UploadExpired (and removes the file) when it is older than UPLOAD_MAX_AGE.
    """
    if not _UPLOAD_TOKEN.match(token or ""):
        return None
    folder = _upload_dir()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        stored_at = (folder / f"{token}.bin").stat().st_mtime
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("user_id") != user.id:
        return None
    if _too_old(stored_at):
        delete_upload(token)
        raise UploadExpired(token)
    try:
        data = (folder / f"{token}.bin").read_bytes()
    except OSError:
        return None
    return data, str(meta.get("filename", ""))


def delete_upload(token: str) -> None:
    if not _UPLOAD_TOKEN.match(token or ""):
        return
    folder = _upload_dir()
    for suffix in (".bin", ".json"):
        (folder / f"{token}{suffix}").unlink(missing_ok=True)


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
                selectinload(Pupil.school_class),
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
                pupil.school_class = klass
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
        if klass is not None and "class_name" in item.changes:
            pupil.school_class = klass
        if pupil.left_on is not None:
            pupil.left_on = None
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
