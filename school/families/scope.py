"""Which families a user may see: the one scoping function for every query.

Teachers see the families of pupils in their classes, the families they
follow up and the families whose fixed contact person they are. Every other
role sees all families. Outside a user's reach a family answers 404.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, or_, select

from school.accounts.models import Role, User, class_teachers
from school.extensions import db
from school.families.models import Household, Pupil, household_pupils
from school.ids import is_id
from school.visibility.models import FollowUp


def sees_all_families(user: User) -> bool:
    return user.role is not Role.TEACHER


def visible_household_ids(user: User) -> Select:
    """A SELECT of the ids of the households `user` may see."""
    if sees_all_families(user):
        return select(Household.id)
    in_my_classes = (
        select(household_pupils.c.household_id)
        .join(Pupil, Pupil.id == household_pupils.c.pupil_id)
        .join(class_teachers, class_teachers.c.class_id == Pupil.class_id)
        .where(class_teachers.c.user_id == user.id, Pupil.left_on.is_(None))
    )
    followed = select(FollowUp.household_id).where(FollowUp.owner_id == user.id)
    return select(Household.id).where(
        or_(
            Household.id.in_(in_my_classes),
            Household.id.in_(followed),
            Household.contact_person_id == user.id,
        )
    )


def scoped(stmt: Select, user: User) -> Select:
    """Restrict a SELECT over Household to what `user` may see."""
    if sees_all_families(user):
        return stmt
    return stmt.where(Household.id.in_(visible_household_ids(user)))


def get_household_or_404(household_id: int, user: User) -> Household:
    if not is_id(household_id):
        abort(404)
    household = db.session.scalar(
        scoped(select(Household).where(Household.id == household_id), user)
    )
    if household is None and db.session.get(Household, household_id) is not None:
        from school.accounts.access import refuse

        refuse(object_type="household", object_id=household_id, household_id=household_id)
    if household is None or household.anonymised_at is not None:
        abort(404)
    return household
