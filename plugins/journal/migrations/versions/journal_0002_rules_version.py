"""The journal's rules version: raised by every change of the rules, so a save can reuse the rules
it read before (one number read instead of four tables).

Revision ID: journal_0002
Revises: journal_0001
Create Date: 2026-11-29 07:34:21.798001
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = 'journal_0002'
down_revision: Union[str, Sequence[str], None] = 'journal_0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('journal_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rules_version', sa.Integer(), server_default='0', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('journal_settings', schema=None) as batch_op:
        batch_op.drop_column('rules_version')

