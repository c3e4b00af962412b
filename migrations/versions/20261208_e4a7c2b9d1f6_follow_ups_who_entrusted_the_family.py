"""follow-ups: who entrusted the family to an owner who did not see it yet, and when

Revision ID: e4a7c2b9d1f6
Revises: c3e1a9d47b20
Created: 2026-12-08 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op


revision = 'e4a7c2b9d1f6'
down_revision = 'c3e1a9d47b20'
branch_labels = None
depends_on = None


def upgrade():
    # Existing follow-ups keep no decision (NULL): nobody recorded one when they were planned.
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entrusted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('entrusted_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_follow_ups_entrusted_by_id_users'), 'users',
                                    ['entrusted_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('follow_ups', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_follow_ups_entrusted_by_id_users'), type_='foreignkey')
        batch_op.drop_column('entrusted_at')
        batch_op.drop_column('entrusted_by_id')
