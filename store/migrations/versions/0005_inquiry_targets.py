"""inquiry first-response target, topic ask-in place, once-only job marks

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 13:40:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_mark',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('inquiry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_inquiry_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_inquiry_asker', ['asker_platform', 'asker_user_id', 'created_at'], unique=False)
        batch_op.create_index('ix_inquiry_asker_person', ['asker_person_id', 'created_at'], unique=False)
        batch_op.create_index('ix_inquiry_waiting_assignee', ['assignee_person_id', 'created_at'], unique=False, sqlite_where=sa.text("status IN ('open', 'acknowledged')"), postgresql_where=sa.text("status IN ('open', 'acknowledged')"))
    with op.batch_alter_table('topic_policy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ask_in', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('topic_policy', schema=None) as batch_op:
        batch_op.drop_column('ask_in')
    with op.batch_alter_table('inquiry', schema=None) as batch_op:
        batch_op.drop_index('ix_inquiry_waiting_assignee')
        batch_op.drop_index('ix_inquiry_asker_person')
        batch_op.drop_index('ix_inquiry_asker')
        batch_op.drop_index('ix_inquiry_created_at')
        batch_op.drop_column('target_at')
    op.drop_table('job_mark')
