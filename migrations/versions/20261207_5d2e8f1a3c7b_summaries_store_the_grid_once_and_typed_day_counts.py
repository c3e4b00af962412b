"""summaries: the grid stored once, the recent log as typed counts per family and day

family_year_summaries kept the family's grid a second time (a packed text
column beside family_quadrant_summaries) and the latest contacts as a string
of one letter of bit flags per contact. The grid is now read from
family_quadrant_summaries only, and the window of "lately" is summed from
family_day_counts: per household and day, the contacts that reached the
family and how many were oral, informal, positive, neutral, concerned and
through a go-between. The new table is filled from the contact log.

`counted_at` (when the family was last recounted) is written with every
recount, so a worker's kept summaries are checked against the year row alone.

Revision ID: 5d2e8f1a3c7b
Revises: b7c9d1e3f5a7
Created: 2026-12-07 23:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = '5d2e8f1a3c7b'
down_revision = 'b7c9d1e3f5a7'
branch_labels = None
depends_on = None

COUNTS = ["reached", "oral", "informal", "positive", "neutral", "concern", "go_between"]


def upgrade():
    op.create_table(
        'family_day_counts',
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'],
                                name=op.f('fk_family_day_counts_household_id_households'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('household_id', 'day', name=op.f('pk_family_day_counts')),
    )
    op.create_index('ix_family_day_counts_day', 'family_day_counts', ['day', 'household_id', *COUNTS])
    with op.batch_alter_table('family_year_summaries', schema=None) as batch_op:
        batch_op.drop_column('grid')
        batch_op.drop_column('recent_log')
        batch_op.drop_column('log_from')
        batch_op.add_column(sa.Column('counted_at', sa.DateTime(), nullable=False,
                                      server_default=sa.text('CURRENT_TIMESTAMP')))
    with op.batch_alter_table('family_year_summaries', schema=None) as batch_op:
        batch_op.alter_column('counted_at', server_default=None)
    _fill_day_counts()


def _fill_day_counts():
    """Count the new table from the contact log that is already there (school.visibility.store)."""
    from school.visibility import store

    table = sa.table('family_day_counts', *(sa.column(c) for c in ['household_id', 'day', *COUNTS]))
    op.get_bind().execute(sa.insert(table).from_select(['household_id', 'day', *COUNTS],
                                                       store.family_day_counts()))


def downgrade():
    # The older code reads the window from `recent_log` unless `log_from` says the log may miss some of
    # it: a `log_from` after every day makes it count each family's window from the contact log (exact)
    # until the family's next write recounts its row. It reads `grid` only when it uses the log.
    with op.batch_alter_table('family_year_summaries', schema=None) as batch_op:
        batch_op.drop_column('counted_at')
        batch_op.add_column(sa.Column('grid', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('recent_log', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('log_from', sa.String(length=8), nullable=True))
    op.execute("UPDATE family_year_summaries SET log_from = '99991231'")
    with op.batch_alter_table('family_year_summaries', schema=None) as batch_op:
        batch_op.alter_column('grid', server_default=None)
        batch_op.alter_column('recent_log', server_default=None)
    op.drop_index('ix_family_day_counts_day', table_name='family_day_counts')
    op.drop_table('family_day_counts')
