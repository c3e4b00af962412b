"""Who the school may already know: possible duplicate households, and pupils to link at intake."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from school.accounts.models import User
from school.extensions import db
from school.families import search
from school.families.enrolments import in_force
from school.families.models import (
    Caregiver,
    Enrolment,
    Household,
    Pupil,
    SchoolClass,
)
from school.families.scope import scoped
from school.schoolyear import today

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
            selectinload(Household.pupils).selectinload(Pupil.enrolments).selectinload(Enrolment.school_class),
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
            .outerjoin(Enrolment, and_(Enrolment.pupil_id == Pupil.id, in_force(today())))
            .outerjoin(SchoolClass, SchoolClass.id == Enrolment.class_id)
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
        .options(
            selectinload(Pupil.enrolments).selectinload(Enrolment.school_class),
            selectinload(Pupil.households),
        )
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


def same_pupil(first_name: str, last_name: str, birth_date, pupil: Pupil) -> bool:
    """A typed child who is this pupil: the same first name, last name (accents and case folded)
    and date of birth."""
    return (
        birth_date is not None
        and pupil.birth_date == birth_date
        and search.fold(first_name) == search.fold(pupil.first_name)
        and search.fold(last_name) == search.fold(pupil.last_name)
    )


def pupils_already_known(
    children: list, user: User, *, exclude_ids: set[int] = frozenset(), household_id: int | None = None,
    token: str | None = None,
) -> list[Pupil]:
    """Pupils at school who are a child typed as new (`children`: first_name, last_name, birth_date,
    pupil_id None), among the ones the lookup would offer: not linked to any household yet, or in a
    household in the user's reach. Never a child of the household being edited, nor one this same
    form (`token`) already saved when it was sent twice. One query for every typed child."""
    typed = [c for c in children if c.pupil_id is None and c.birth_date is not None
             and c.first_name and c.last_name]
    if not typed:
        return []
    reach = scoped(select(Household.id).where(Household.anonymised_at.is_(None)), user)
    own = [Household.id == household_id] if household_id is not None else []
    if token:
        own.append(Household.submission_token == token)
    stmt = (
        select(Pupil)
        .where(
            Pupil.left_on.is_(None),
            Pupil.birth_date.in_({c.birth_date for c in typed}),
            or_(~Pupil.households.any(), Pupil.households.any(Household.id.in_(reach))),
            *([~Pupil.households.any(or_(*own))] if own else []),
        )
        .options(
            selectinload(Pupil.enrolments).selectinload(Enrolment.school_class),
            selectinload(Pupil.households),
        )
        .order_by(Pupil.first_name, Pupil.last_name, Pupil.id)
    )
    return [
        pupil for pupil in db.session.scalars(stmt)
        if pupil.id not in exclude_ids
        and any(same_pupil(c.first_name, c.last_name, c.birth_date, pupil) for c in typed)
    ]
