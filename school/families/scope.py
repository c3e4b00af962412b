"""Which families a user may see: the one scoping function for every query.

Teachers see the families of pupils in their classes today (a class of last
school year holds nobody today: school.families.enrolments), the families whose
fixed contact person they are, and the families the domains above add with
`widen_reach` (the families they follow up).  Every other
role sees all families. Outside a user's reach a family answers 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask, abort, current_app
from sqlalchemy import Select, and_, or_, select

from school.access import family_opened, refuse
from school.accounts.models import Role, User, class_teachers
from school.extensions import db
from school.families.enrolments import families_on
from school.families.models import Household
from school.ids import is_id
from school.schoolyear import today

# A domain above this one that gives a teacher more families (visibility: the families whose
# follow-up she owns) registers a function user -> SELECT of household ids, in its init_app.
ReachOf = Callable[[User], Select]
_EXTENSION = "schoolpoort.family_reach"


def widen_reach(app: Flask, reach: ReachOf) -> None:
    """Let a teacher also see the households `reach(user)` selects (one registration per app)."""
    reaches = app.extensions.setdefault(_EXTENSION, [])
    if reach not in reaches:
        reaches.append(reach)


def sees_all_families(user: User) -> bool:
    return user.role is not Role.TEACHER


def visible_household_ids(user: User) -> Select:
    """A SELECT of the ids of the households `user` may see."""
    if sees_all_families(user):
        return select(Household.id)
    my_classes = select(class_teachers.c.class_id).where(class_teachers.c.user_id == user.id)
    in_my_classes = families_on(today(), my_classes).subquery()
    widened = [Household.id.in_(reach(user)) for reach in current_app.extensions.get(_EXTENSION, ())]
    return select(Household.id).where(
        or_(
            Household.id.in_(select(in_my_classes.c.household_id)),
            *widened,
            Household.contact_person_id == user.id,
        )
    )


def who_sees(household_id: int, users: Iterable[User]) -> set[int]:
    """Of `users`, the ids of those who may see the household: one query, whatever their number
    (each teacher's own reach, exactly as `visible_household_ids` has it)."""
    users = list(users)
    seeing = {u.id for u in users if sees_all_families(u)}
    limited = [u for u in users if not sees_all_families(u)]
    if limited:
        seeing.update(db.session.scalars(
            select(User.id).where(or_(*(
                and_(User.id == u.id, visible_household_ids(u).where(Household.id == household_id).exists())
                for u in limited
            )))
        ))
    return seeing


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
        refuse(object_type="household", object_id=household_id, household_id=household_id)
    if household is None or household.anonymised_at is not None:
        abort(404)
    family_opened(household.id)  # a successful GET is audited as a view of it (school.access)
    return household
