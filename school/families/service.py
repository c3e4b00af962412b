"""Creating and changing households: the intake, editing a family, possible duplicates.

The only place (with queries.py and roster.py) that writes families. Every
change is audited in the same transaction; the intake itself is logged as a
formal, oral contact moment.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from school import audit, events
from school.accounts.models import Role, User
from school.audit import AuditEvent
from school.catalogue import ContactForm, ContactLevel
from school.extensions import db
from school.families import intake
from school.families.conflicts import conflict_with, summary
from school.families.enrolments import place
from school.families.inputs import AgreementInput, CaregiverInput, ChildInput, HouseholdInput, TopicInput
from school.families.models import (
    Caregiver,
    ContactAgreement,
    Household,
    InfoTopic,
    IntakeStatus,
    Pupil,
    SchoolClass,
)
from school.families.queries import current_classes
from school.families.topics import topic_label
from school.grid import Quadrant
from school.schoolyear import today, utcnow

CONTACT_PERSON_ROLES = (Role.TEACHER, Role.CARE, Role.DIRECTOR, Role.RECEPTION)


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


def all_topics() -> list[InfoTopic]:
    return list(db.session.scalars(select(InfoTopic).order_by(InfoTopic.sort_order, InfoTopic.id)))


def topic_added_by(token: str | None) -> InfoTopic | None:
    """The checklist item an earlier send of the checklist page's form (this token) added, if any."""
    if not token:
        return None
    return db.session.scalar(select(InfoTopic).where(InfoTopic.submission_token == token))


def save_topics(rows: list[TopicInput], new_label: str | None, token: str | None = None) -> int:
    """Rename, switch off or reorder the checklist, and add a new item; commits. Returns changes.

    A resend of the same page's form (same `token`) adds its new item no second time."""
    if new_label and topic_added_by(token) is not None:
        new_label = None
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
        db.session.add(InfoTopic(label=new_label, active=True, sort_order=last + 10,
                                 submission_token=token or None))
        changed += 1
    if changed:
        audit.record("settings.info_topics_changed", object_type="info_topic", changes=changed)
    try:
        db.session.commit()
    except IntegrityError:
        # The same form arrived twice at once: the other request saved it.
        db.session.rollback()
        if topic_added_by(token) is None:
            raise
        return 0
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
        raise conflict_with(household, data)
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
        raise conflict_with(fresh, data) from None
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
    events.intake_finished.send(
        None, household=household, user=user, token=token, mediator=data.intake_mediator,
        occurred_on=household.intake_on,
    )



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


def apply_consent(household: Household, given: bool) -> bool:
    """Record consent (with its date) or its withdrawal (with that date); never commits.

    For the family form and the privacy page alike. Returns whether anything changed.
    """
    if bool(household.consent_external) == given:
        return False
    now = utcnow()
    household.consent_external = given
    if given:
        household.consent_external_at = now
        household.consent_withdrawn_at = None
    else:
        household.consent_withdrawn_at = now
    return True


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
        if row.class_id is not None and row.class_id in valid_classes:
            # From today: a class change keeps the class the child was in until yesterday.
            place(pupil, db.session.get(SchoolClass, row.class_id), today())
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
        or (row.class_id is not None and row.class_id != pupil.school_class_id)
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
        klass = pupil.school_class
        birth = pupil.birth_date or dt.date.min
        return (pupil.birth_date is None, -birth.toordinal(), klass.sort_order if klass else 10**6)

    for pupil in sorted(pupils, key=age_order):
        klass = pupil.school_class
        if klass is None:
            continue
        teachers = [t for t in klass.teachers if t.active]
        if teachers:
            return teachers[0]
    return None
