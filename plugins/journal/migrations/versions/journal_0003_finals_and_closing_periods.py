"""Final marks (period, year, exam, final), the deputy's deadlines and closed periods, the
school's rules for them, and the history of final marks (rows without a lesson).

Revision ID: journal_0003
Revises: journal_0002
Create Date: 2026-11-29 10:18:32.108166
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import core.db.types


revision: str = 'journal_0003'
down_revision: Union[str, Sequence[str], None] = 'journal_0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('journal_period_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('academic_year_id', sa.Integer(), nullable=False),
    sa.Column('study_period_id', sa.Integer(), nullable=True),
    sa.Column('finals_due', sa.Date(), nullable=True),
    sa.Column('closed_at', core.db.types.UTCDateTime(), nullable=True),
    sa.Column('closed_by', sa.Integer(), nullable=True),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', core.db.types.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['academic_year_id'], ['academic_year.id'], name=op.f('fk_journal_period_state_academic_year_id_academic_year'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['closed_by'], ['user_account.id'], name=op.f('fk_journal_period_state_closed_by_user_account'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_journal_period_state_school_id_school'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['study_period_id'], ['study_period.id'], name=op.f('fk_journal_period_state_study_period_id_study_period'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['user_account.id'], name=op.f('fk_journal_period_state_updated_by_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_period_state')),
    sa.UniqueConstraint('academic_year_id', 'study_period_id', name=op.f('uq_journal_period_state_academic_year_id_study_period_id'))
    )
    with op.batch_alter_table('journal_period_state', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journal_period_state_school_id'), ['school_id'], unique=False)

    op.create_table('journal_final_grade',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('subject_page_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('study_period_id', sa.Integer(), nullable=True),
    sa.Column('mark', sa.String(length=20), nullable=False),
    sa.Column('proposed', sa.String(length=20), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', core.db.types.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(kind = 'period') = (study_period_id IS NOT NULL)", name=op.f('ck_journal_final_grade_period')),
    sa.CheckConstraint("kind IN ('period', 'year', 'exam', 'final')", name=op.f('ck_journal_final_grade_kind')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_journal_final_grade_school_id_school'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['student_id'], ['user_account.id'], name=op.f('fk_journal_final_grade_student_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['study_period_id'], ['study_period.id'], name=op.f('fk_journal_final_grade_study_period_id_study_period'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['subject_page_id'], ['subject_page.id'], name=op.f('fk_journal_final_grade_subject_page_id_subject_page'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['user_account.id'], name=op.f('fk_journal_final_grade_updated_by_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journal_final_grade')),
    sa.UniqueConstraint('subject_page_id', 'student_id', 'kind', 'study_period_id', name=op.f('uq_journal_final_grade_subject_page_id_student_id_kind_study_period_id'))
    )
    with op.batch_alter_table('journal_final_grade', schema=None) as batch_op:
        batch_op.create_index('ix_journal_final_grade_student', ['student_id', 'kind'], unique=False)

    with op.batch_alter_table('journal_history', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_page_id', sa.Integer(), nullable=True))
        batch_op.alter_column('lesson_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index('ix_journal_history_page', ['subject_page_id', 'student_id'], unique=False)
        batch_op.drop_constraint(op.f('ck_journal_history_record'), type_='check')
        batch_op.create_check_constraint('record', "record IN ('lesson', 'attendance', 'grade', 'final')")
        batch_op.create_check_constraint('lesson', "(record = 'final') = (lesson_id IS NULL)")

    with op.batch_alter_table('journal_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('finals_open_days', sa.Integer(), server_default='7', nullable=False))
        batch_op.add_column(sa.Column('finals_early', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('finals_min_marks', sa.Integer(), server_default='3', nullable=False))
        batch_op.add_column(sa.Column('finals_comment_gap_hundredths', sa.Integer(), server_default='100', nullable=False))
        batch_op.add_column(sa.Column('amend_closed_roles', sa.String(length=60), server_default='teacher,class_teacher', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('journal_settings', schema=None) as batch_op:
        batch_op.drop_column('amend_closed_roles')
        batch_op.drop_column('finals_comment_gap_hundredths')
        batch_op.drop_column('finals_min_marks')
        batch_op.drop_column('finals_early')
        batch_op.drop_column('finals_open_days')

    op.execute("DELETE FROM journal_history WHERE record = 'final'")  # final marks go with their table
    with op.batch_alter_table('journal_history', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_journal_history_lesson'), type_='check')
        batch_op.drop_constraint(op.f('ck_journal_history_record'), type_='check')
        batch_op.create_check_constraint('record', "record IN ('lesson', 'attendance', 'grade')")
        batch_op.drop_index('ix_journal_history_page')
        batch_op.alter_column('lesson_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('subject_page_id')

    with op.batch_alter_table('journal_final_grade', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_final_grade_student')

    op.drop_table('journal_final_grade')
    with op.batch_alter_table('journal_period_state', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_journal_period_state_school_id'))

    op.drop_table('journal_period_state')
