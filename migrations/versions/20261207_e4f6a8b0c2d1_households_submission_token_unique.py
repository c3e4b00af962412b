"""households: the intake's submission token, unique, so a double submit creates one household

Revision ID: e4f6a8b0c2d1
Revises: 9d0334cec787
Created: 2026-12-07 13:15:00

A unique index, not a constraint: on SQLite a constraint means rebuilding the
households table, which every family's rows reference (ON DELETE CASCADE).
"""

import sqlalchemy as sa
from alembic import op


revision = 'e4f6a8b0c2d1'
down_revision = '9d0334cec787'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_token', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_households_submission_token'), ['submission_token'], unique=True)


def downgrade():
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_submission_token'))
        batch_op.drop_column('submission_token')
