"""inbound events and questions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 10:49:02.965180
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('inbound_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('event_id', sa.String(length=128), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'event_id')
    )
    with op.batch_alter_table('inbound_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_event_created_at'), ['created_at'], unique=False)

    op.create_table('question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.String(length=200), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_asked_at'), ['asked_at'], unique=False)
        batch_op.create_index('ix_question_user', ['platform', 'user_id', 'asked_at'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index('ix_question_user')
        batch_op.drop_index(batch_op.f('ix_question_asked_at'))

    op.drop_table('question')
    with op.batch_alter_table('inbound_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_event_created_at'))

    op.drop_table('inbound_event')

