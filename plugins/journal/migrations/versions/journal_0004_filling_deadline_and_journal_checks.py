"""The filling deadline (when a lesson's attendance was first taken and when it was first filled;
the school's time; the days a kind of work's marks may take) and the deputy's journal checks with
their information notes.

Lessons filled before this revision are taken as filled, attendance included, when their topic was
first entered, if they have homework or «no homework» (the only record of it there is); the
default kinds of work «контрольная», «итоговая контрольная», «сочинение», «изложение» get a week
for their marks.

Revision ID: journal_0004
Revises: journal_0003
Create Date: 2026-11-29 11:00:14.227287
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import core.db.types


revision: str = 'journal_0004'
down_revision: Union[str, Sequence[str], None] = 'journal_0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('journal_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('academic_year_id', sa.Integer(), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('class_group_id', sa.Integer(), nullable=True),
    sa.Column('teacher_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('recommendations', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.types.UTCDateTime(), nullable=False),
    sa.Column('sent_at', core.db.types.UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('(class_group_id IS NULL) <> (teacher_id IS NULL)', name=op.f('ck_journal_check_scope')),
    sa.ForeignKeyConstraint(['academic_year_id'], ['academic_year.id'], name=op.f('fk_journal_check_academic_year_id_academic_year'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['class_group_id'], ['class_group.id'], name=op.f('fk_journal_check_class_group_id_class_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_journal_check_created_by_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_journal_check_school_id_school'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teacher_id'], ['user_account.id'], name=op.f('fk_journal_check_teacher_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_check'))
    )
    with op.batch_alter_table('journal_check', schema=None) as batch_op:
        batch_op.create_index('ix_journal_check_school_day', ['school_id', 'checked_on'], unique=False)

    op.create_table('journal_check_recipient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('read_at', core.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['check_id'], ['journal_check.id'], name=op.f('fk_journal_check_recipient_check_id_journal_check'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['teacher_id'], ['user_account.id'], name=op.f('fk_journal_check_recipient_teacher_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_check_recipient')),
    sa.UniqueConstraint('check_id', 'teacher_id', name=op.f('uq_journal_check_recipient_check_id_teacher_id'))
    )
    with op.batch_alter_table('journal_check_recipient', schema=None) as batch_op:
        batch_op.create_index('ix_journal_check_recipient_teacher', ['teacher_id'], unique=False)

    with op.batch_alter_table('journal_lesson', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attendance_at', core.db.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('completed_at', core.db.types.UTCDateTime(), nullable=True))

    with op.batch_alter_table('journal_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fill_deadline', sa.Time(), server_default='17:00:00', nullable=False))

    with op.batch_alter_table('journal_work_kind', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marks_days', sa.Integer(), nullable=True))

    op.execute("UPDATE journal_lesson SET attendance_at = filled_at WHERE filled_at IS NOT NULL")
    first_grade = ("SELECT sp.id FROM subject_page sp LEFT JOIN class_group cg ON cg.id = sp.class_group_id "
                   "LEFT JOIN study_group sg ON sg.id = sp.study_group_id WHERE COALESCE(sg.grade_level, cg.grade_level) = 1")
    op.execute("UPDATE journal_lesson SET completed_at = filled_at WHERE filled_at IS NOT NULL AND topic <> '' "  # nosec B608 # a literal subquery
               f"AND (homework <> '' OR no_homework OR subject_page_id IN ({first_grade}))")
    op.execute("UPDATE journal_work_kind SET marks_days = 7 WHERE code IN ('test', 'final_test', 'essay', 'summary')")



def downgrade() -> None:
    with op.batch_alter_table('journal_work_kind', schema=None) as batch_op:
        batch_op.drop_column('marks_days')

    with op.batch_alter_table('journal_settings', schema=None) as batch_op:
        batch_op.drop_column('fill_deadline')

    with op.batch_alter_table('journal_lesson', schema=None) as batch_op:
        batch_op.drop_column('completed_at')
        batch_op.drop_column('attendance_at')

    with op.batch_alter_table('journal_check_recipient', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_check_recipient_teacher')

    op.drop_table('journal_check_recipient')
    with op.batch_alter_table('journal_check', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_check_school_day')

    op.drop_table('journal_check')
