"""The stored per-family summaries, and the same rows counted from scratch from the contact log.

Both as comparable plain values: (per family and quadrant, per family and
year, the school's daily counts, per family and day). In an app context.
"""

from __future__ import annotations

from sqlalchemy import select

from school.extensions import db
from school.grid import Quadrant
from school.visibility import store


def _plain(value):
    return value.value if isinstance(value, Quadrant) else value


def _counted_columns():
    """The columns of a year summary counted from the log (not when it was counted)."""
    return [c for c in store.FamilyYearSummary.__table__.columns if c.name != "counted_at"]


def stored_rows() -> tuple[set, set, dict, set]:
    cells = {
        tuple(_plain(getattr(row, c.name)) for c in store.FamilyQuadrantSummary.__table__.columns)
        for row in db.session.scalars(select(store.FamilyQuadrantSummary))
    }
    facts = {
        tuple(getattr(row, c.name) for c in _counted_columns())
        for row in db.session.scalars(select(store.FamilyYearSummary))
    }
    daily = {
        (row.day, row.quadrant): row.reached for row in db.session.scalars(select(store.DailyContactCount))
    }
    per_family_day = {
        tuple(getattr(row, c.name) for c in store.FamilyDayCount.__table__.columns)
        for row in db.session.scalars(select(store.FamilyDayCount))
    }
    return cells, facts, daily, per_family_day


def recounted_rows() -> tuple[set, set, dict, set]:
    cells, facts = set(), set()
    for chunk_cells, chunk_facts in store.recount(db.session.execute):
        cells |= {
            tuple(_plain(row[c.name]) for c in store.FamilyQuadrantSummary.__table__.columns)
            for row in chunk_cells
        }
        facts |= {tuple(row[c.name] for c in _counted_columns()) for row in chunk_facts}
    daily = {(day, quadrant): n for day, quadrant, n in db.session.execute(store._day_counts())}
    per_family_day = {tuple(row) for row in db.session.execute(store.family_day_counts())}
    return cells, facts, daily, per_family_day
