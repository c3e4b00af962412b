"""login failures counted per source: a keyed hash of the client address beside the account's

Throttling now refuses the source that guessed instead of everyone trying that e-mail address
(school.accounts.service.authenticate). The failures already in the table have no source; they
only ever live for the throttle's window (minutes), so they are dropped rather than guessed at.

Revision ID: 8f98f000c564
Revises: e4a7c2b9d1f6
Created: 2026-12-08 01:30:00
"""

import sqlalchemy as sa
from alembic import op


revision = '8f98f000c564'
down_revision = 'e4a7c2b9d1f6'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM login_failures")
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_key_at')
        batch_op.add_column(sa.Column('source', sa.String(length=64), nullable=False))
        batch_op.create_index('ix_login_failures_key_source_at', ['key', 'source', 'at'], unique=False)
        batch_op.create_index('ix_login_failures_source_at', ['source', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_source_at')
        batch_op.drop_index('ix_login_failures_key_source_at')
        batch_op.drop_column('source')
        batch_op.create_index('ix_login_failures_key_at', ['key', 'at'], unique=False)
