"""where a person with both Slack and Teams gets their messages

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 14:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_platform', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('last_platform', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('last_platform')
        batch_op.drop_column('notify_platform')
