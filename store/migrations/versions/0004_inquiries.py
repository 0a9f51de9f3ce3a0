"""inquiries, topic nudge policies, person working hours

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 12:05:07.023456
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('inquiry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('asker_platform', sa.String(length=16), nullable=False),
    sa.Column('asker_user_id', sa.String(length=200), nullable=False),
    sa.Column('asker_person_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('assignee_person_id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=True),
    sa.Column('conversation', sa.String(length=200), nullable=True),
    sa.Column('thread', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('snoozed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('nudges_sent', sa.Integer(), nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('next_nudge_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['asker_person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['assignee_person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('inquiry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inquiry_assignee_person_id'), ['assignee_person_id'], unique=False)
        batch_op.create_index('ix_inquiry_due', ['next_nudge_at', 'id'], unique=False, sqlite_where=sa.text("status IN ('open', 'acknowledged') AND next_nudge_at IS NOT NULL"), postgresql_where=sa.text("status IN ('open', 'acknowledged') AND next_nudge_at IS NOT NULL"))
        batch_op.create_index('ix_inquiry_thread', ['platform', 'conversation', 'thread'], unique=False)
        batch_op.create_index(batch_op.f('ix_inquiry_topic_id'), ['topic_id'], unique=False)

    op.create_table('person_schedule',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('working_hours', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('person_id')
    )
    op.create_table('topic_policy',
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('nudge_after_minutes', sa.Integer(), nullable=True),
    sa.Column('nudge_every_minutes', sa.Integer(), nullable=True),
    sa.Column('max_nudges', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], ),
    sa.PrimaryKeyConstraint('topic_id')
    )



def downgrade() -> None:

    op.drop_table('topic_policy')
    op.drop_table('person_schedule')
    with op.batch_alter_table('inquiry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inquiry_topic_id'))
        batch_op.drop_index('ix_inquiry_thread')
        batch_op.drop_index('ix_inquiry_due')
        batch_op.drop_index(batch_op.f('ix_inquiry_assignee_person_id'))

    op.drop_table('inquiry')

