"""teams conversation references, for proactive messages

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 14:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('teams_reference',
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('conversation_id', sa.String(length=400), nullable=False),
    sa.Column('service_url', sa.String(length=400), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('app_id', sa.String(length=64), nullable=False),
    sa.Column('reference', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('address')
    )
    with op.batch_alter_table('teams_reference', schema=None) as batch_op:
        batch_op.create_index('ix_teams_reference_recent', ['app_id', 'updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('teams_reference', schema=None) as batch_op:
        batch_op.drop_index('ix_teams_reference_recent')
    op.drop_table('teams_reference')
