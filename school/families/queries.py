"""Reading households, classes and school years (always through the scope)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from school.accounts.models import User
from school.extensions import db
from school.families import search
from school.families.models import Enrolment, Household, Pupil, SchoolClass, SchoolYear
from school.families.scope import scoped
from school.schoolyear import span_for, today


def current_school_year() -> SchoolYear | None:
    """The school year of today, or the most recent one the school has."""
    start = span_for(today()).start
    year = db.session.scalar(select(SchoolYear).where(SchoolYear.starts_on == start))
    if year is None:
        year = db.session.scalar(select(SchoolYear).order_by(SchoolYear.starts_on.desc()))
    return year


def current_classes() -> list[SchoolClass]:
    year = current_school_year()
    if year is None:
        return []
    return list(
        db.session.scalars(
            select(SchoolClass)
            .where(SchoolClass.school_year_id == year.id)
            .order_by(SchoolClass.sort_order, SchoolClass.name)
        )
    )


@dataclass
class Page:
    items: list[Household]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_households(user: User, q: str = "", page: int = 1, per_page: int = 50) -> Page:
    """The households `user` may see that match `q` (accents and case ignored), with their people."""
    stmt = scoped(select(Household).where(Household.anonymised_at.is_(None)), user)
    stmt = search.matching(stmt, q)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, min(page, -(-total // per_page)))  # past the last page: the last page
    items = db.session.scalars(
        stmt.options(
            selectinload(Household.pupils).selectinload(Pupil.enrolments).selectinload(Enrolment.school_class),
            selectinload(Household.caregivers),
        )
        .order_by(Household.display_name, Household.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(items), total, page, per_page)
