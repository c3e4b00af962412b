"""recount stored summaries: signal 4 counts only the school's own attempts

The stored `unanswered` counts (family_year_summaries) included attempts the
family started; school.visibility.store now counts only the school's. Data
only: the stored summaries are counted again from the contact log.

Revision ID: 7aa7e6fff878
Revises: c3d5e7a9b1f2
Created: 2026-12-07 13:10:00.000000
"""

import enum

import sqlalchemy as sa
from alembic import op


revision = '7aa7e6fff878'
down_revision = 'c3d5e7a9b1f2'
branch_labels = None
depends_on = None


def _plain(value):
    return value.value if isinstance(value, enum.Enum) else value


def upgrade():
    from school.visibility import store

    connection = op.get_bind()
    facts_table = sa.Table("family_year_summaries", sa.MetaData(), autoload_with=connection)
    key = (facts_table.c.household_id == sa.bindparam("b_household_id")) & (
        facts_table.c.year_start == sa.bindparam("b_year_start")
    )
    update = (
        facts_table.update()
        .where(key)
        .values(
            unanswered=sa.bindparam("b_unanswered"),
            first_unanswered_on=sa.bindparam("b_first_unanswered_on"),
            last_unanswered_on=sa.bindparam("b_last_unanswered_on"),
        )
    )
    for _cells, facts in list(store.recount(connection.execute)):
        rows = [{f"b_{k}": _plain(row[k]) for k in (
            "household_id", "year_start", "unanswered", "first_unanswered_on", "last_unanswered_on")}
            for row in facts]
        for start in range(0, len(rows), 2000):
            connection.execute(update, rows[start:start + 2000])


def downgrade():
    pass  # the counts stay as they are: the older code recounts a family at its next change
