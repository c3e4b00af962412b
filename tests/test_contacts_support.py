"""Shared helpers for the contacts tests (no tests here): a small school.

Class 1A (teacher's class) has five families, class 2B two more; the El Amrani
family has a child in each class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

FAMILIES_1A = ("Peeters", "El Amrani", "Nowak", "Janssens", "Diallo")
FAMILIES_2B = ("Dubois",)


@dataclass
class School:
    class_a: int
    class_b: int
    households: dict[str, int] = field(default_factory=dict)
    caregivers: dict[str, int] = field(default_factory=dict)
    pupils: dict[str, int] = field(default_factory=dict)


def build_school(app) -> School:
    from school import schoolyear
    from school.extensions import db
    from school.families.models import Caregiver, Household, Kinship, Level, Pupil, SchoolClass, SchoolYear

    with app.app_context():
        span = schoolyear.span_for(schoolyear.today())
        year = SchoolYear(starts_on=span.start, ends_on=span.end)
        class_a = SchoolClass(school_year=year, name="1A", level=Level.LAGER, sort_order=1)
        class_b = SchoolClass(school_year=year, name="2B", level=Level.LAGER, sort_order=2)
        db.session.add_all([year, class_a, class_b])
        children = {
            "Peeters": [("Emma", class_a)],
            "El Amrani": [("Yasmine", class_a), ("Adam", class_b)],
            "Nowak": [("Ola", class_a)],
            "Janssens": [("Mila", class_a)],
            "Diallo": [("Awa", class_a)],
            "Dubois": [("Lucas", class_b)],
        }
        made = {}
        for family, kids in children.items():
            household = Household(display_name=f"Gezin {family}")
            household.caregivers = [
                Caregiver(first_name="Sara", last_name=family, kinship=Kinship.MOTHER, sort_order=1),
                Caregiver(first_name="Omar", last_name=family, kinship=Kinship.FATHER, sort_order=2),
            ]
            household.pupils = [
                Pupil(first_name=first, last_name=family, school_class=school_class)
                for first, school_class in kids
            ]
            db.session.add(household)
            made[family] = household
        db.session.commit()
        school = School(class_a.id, class_b.id)
        for family, household in made.items():
            school.households[family] = household.id
            school.caregivers[family] = household.caregivers[1].id  # the father
            for pupil in household.pupils:
                school.pupils[pupil.first_name] = pupil.id
        return school


def form_id(app, code: str) -> int:
    from school.catalogue import ContactForm
    from school.extensions import db

    with app.app_context():
        return db.session.scalar(select(ContactForm.id).where(ContactForm.code == code))


def moments(app, **where):
    """The contact moments (not removed unless asked), as plain dicts."""
    from school.contacts.models import ContactMoment
    from school.extensions import db

    include_removed = where.pop("include_removed", False)
    with app.app_context():
        stmt = select(ContactMoment).order_by(ContactMoment.id)
        if not include_removed:
            stmt = stmt.where(ContactMoment.removed_at.is_(None))
        for name, value in where.items():
            stmt = stmt.where(getattr(ContactMoment, name) == value)
        return [
            {
                "id": m.id,
                "household_id": m.household_id,
                "form": m.form.code,
                "reach": m.reach.value,
                "tone": m.tone.value,
                "initiative": m.initiative.value,
                "mediator": m.mediator.value,
                "occurred_on": m.occurred_on,
                "note": m.note,
                "confidential": m.confidential,
                "caregiver_id": m.caregiver_id,
                "pupil_id": m.pupil_id,
                "group_id": m.group_id,
                "logged_by_id": m.logged_by_id,
                "removed_at": m.removed_at,
                "token": m.submission_token,
                "quadrant": m.form.quadrant.value,
            }
            for m in db.session.scalars(stmt)
        ]


def audit_actions(app, action: str) -> list[dict]:
    from school.audit import AuditEvent
    from school.extensions import db

    with app.app_context():
        return [
            {
                "object_id": e.object_id,
                "household_ref": e.household_ref,
                "detail": e.detail,
                "user_id": e.user_id,
            }
            for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))
        ]


def count(app, model) -> int:
    from school.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))
