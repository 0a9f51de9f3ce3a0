"""inquiry: whom its conversation was opened with (one nudge, one ping)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 12:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows stay NULL: whether their assignee is still in the conversation is not
    # known, so they keep being nudged by DM (with the progress in the conversation).
    with op.batch_alter_table('inquiry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conversation_person_id', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('inquiry', schema=None) as batch_op:
        batch_op.drop_column('conversation_person_id')
