"""when an absence was marked

Revision ID: journal_0006
Revises: journal_0005
Create Date: 2026-11-29 18:09:17.128439
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

import core.db.types


revision: str = 'journal_0006'
down_revision: Union[str, Sequence[str], None] = 'journal_0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('journal_attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marked_at', core.db.types.UTCDateTime(), nullable=True))
    # absences marked before: the last change is the best known time of the code
    op.execute("UPDATE journal_attendance SET marked_at = updated_at")


def downgrade() -> None:
    with op.batch_alter_table('journal_attendance', schema=None) as batch_op:
        batch_op.drop_column('marked_at')

