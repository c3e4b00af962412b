"""who helped during the intake conversation, kept in a draft

Revision ID: c3d5e7a9b1f2
Revises: f43783baf444
Created: 2026-12-07 12:55:00
"""

import sqlalchemy as sa
from alembic import op


revision = 'c3d5e7a9b1f2'
down_revision = 'f43783baf444'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'intake_mediator',
            sa.Enum('none', 'professional_interpreter', 'informal_interpreter', 'bridge_figure', 'child',
                    name='mediator', native_enum=False, length=24),
            nullable=True,
        ))


def downgrade():
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_column('intake_mediator')
