"""recount stored summaries: signal 4 counts only the school's personal attempts

A family that did not come to a group activity (an information evening ticked "absent") had that
absence stored among the school's unanswered attempts (family_year_summaries.unanswered), so two
missed evenings raised "attempts did not reach the family" for a whole class.
school.visibility.store now counts only personal attempts (moments outside a group activity).
Data only: the unanswered columns are counted again from the contact log.

Revision ID: 5b1d9e3c7a42
Revises: 495271bb5d8c
Created: 2026-12-08 03:10:00
"""

import enum

import sqlalchemy as sa
from alembic import op

from school.visibility import store


revision = '5b1d9e3c7a42'
down_revision = '495271bb5d8c'
branch_labels = None
depends_on = None

_KEPT = ("unanswered", "first_unanswered_on", "last_unanswered_on")


def _value(value):
    return value.value if isinstance(value, enum.Enum) else value


def upgrade():
    bind = op.get_bind()
    years = sa.Table("family_year_summaries", sa.MetaData(), autoload_with=bind)
    statement = (
        years.update()
        .where(years.c.household_id == sa.bindparam("p_household_id"),
               years.c.year_start == sa.bindparam("p_year_start"))
        .values({name: sa.bindparam(f"p_{name}") for name in _KEPT})
    )
    for _cells, facts in list(store.recount(bind.execute)):
        params = [{f"p_{name}": _value(row[name]) for name in ("household_id", "year_start", *_KEPT)}
                  for row in facts]
        for first in range(0, len(params), 1000):
            bind.execute(statement, params[first:first + 1000])


def downgrade():
    pass  # the counts stay: the former code recounts a family at its next change
