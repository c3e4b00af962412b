"""enrolments: a pupil's class through time instead of one current class

A pupil carried only `pupils.class_id`, so last school year's classes lost
their pupils as soon as anybody moved. Each pupil's class becomes an
enrolment (pupil, class of a school year, first day, last day or none). The
class a pupil has now becomes an enrolment from the first day of that class's
school year, still open; `pupils.class_id` goes (it would be a second answer
that could disagree). The downgrade puts each pupil's latest class back.

Revision ID: c3e1a9d47b20
Revises: 5d2e8f1a3c7b
Created: 2026-12-08 01:30:00
"""

import sqlalchemy as sa
from alembic import op


revision = 'c3e1a9d47b20'
down_revision = '5d2e8f1a3c7b'
branch_labels = None
depends_on = None

pupils = sa.table('pupils', sa.column('id', sa.Integer()), sa.column('class_id', sa.Integer()))
classes = sa.table('school_classes', sa.column('id', sa.Integer()), sa.column('school_year_id', sa.Integer()))
years = sa.table('school_years', sa.column('id', sa.Integer()), sa.column('starts_on', sa.Date()))
enrolments = sa.table(
    'enrolments', sa.column('pupil_id', sa.Integer()), sa.column('class_id', sa.Integer()),
    sa.column('started_on', sa.Date()), sa.column('ended_on', sa.Date()),
)


def upgrade():
    op.create_table(
        'enrolments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pupil_id', sa.Integer(), nullable=False),
        sa.Column('class_id', sa.Integer(), nullable=False),
        sa.Column('started_on', sa.Date(), nullable=False),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.CheckConstraint('ended_on IS NULL OR ended_on >= started_on', name=op.f('ck_enrolments_ends_after_start')),
        sa.ForeignKeyConstraint(['class_id'], ['school_classes.id'], name=op.f('fk_enrolments_class_id_school_classes')),
        sa.ForeignKeyConstraint(['pupil_id'], ['pupils.id'], name=op.f('fk_enrolments_pupil_id_pupils'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolments')),
    )
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolments_class_id'), ['class_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolments_pupil_id'), ['pupil_id'], unique=False)

    # Today's class: an enrolment of its school year from that year's first day.
    op.get_bind().execute(
        sa.insert(enrolments).from_select(
            ['pupil_id', 'class_id', 'started_on'],
            sa.select(pupils.c.id, pupils.c.class_id, years.c.starts_on)
            .join(classes, classes.c.id == pupils.c.class_id)
            .join(years, years.c.id == classes.c.school_year_id),
        )
    )

    with op.batch_alter_table('pupils', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pupils_class_id'))
        batch_op.drop_constraint(batch_op.f('fk_pupils_class_id_school_classes'), type_='foreignkey')
        batch_op.drop_column('class_id')


def downgrade():
    with op.batch_alter_table('pupils', schema=None) as batch_op:
        batch_op.add_column(sa.Column('class_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_pupils_class_id_school_classes'), 'school_classes',
                                    ['class_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_pupils_class_id'), ['class_id'], unique=False)

    # Each pupil's latest class (the enrolment that started last).
    latest = sa.select(enrolments.c.class_id).where(enrolments.c.pupil_id == pupils.c.id).order_by(
        enrolments.c.started_on.desc()
    ).limit(1).scalar_subquery()
    op.get_bind().execute(sa.update(pupils).values(class_id=latest))

    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolments_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_enrolments_class_id'))
    op.drop_table('enrolments')
