"""contact_forms and info_topics: the submission token of the page that added one, unique

The catalogue's "add a contact form" and the intake checklist's "new item" save a new row; a resend
of the same page's form (same token) now finds the row the first send added instead of adding a
second. Rows added before have no token (NULL; a unique index allows many).

Revision ID: 495271bb5d8c
Revises: 8f98f000c564
Created: 2026-12-08 02:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = '495271bb5d8c'
down_revision = '8f98f000c564'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('contact_forms', 'info_topics'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('submission_token', sa.String(length=64), nullable=True))
            batch_op.create_index(batch_op.f(f'ix_{table}_submission_token'), ['submission_token'], unique=True)


def downgrade():
    for table in ('info_topics', 'contact_forms'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_submission_token'))
            batch_op.drop_column('submission_token')
