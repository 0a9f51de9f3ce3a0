"""topic examples (taught phrasings) and stored topic vectors

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 10:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('topic_example',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('topic_id', 'key')
    )
    with op.batch_alter_table('topic_example', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_example_topic_id'), ['topic_id'], unique=False)
    op.create_table('topic_vector',
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=64), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], ),
    sa.PrimaryKeyConstraint('topic_id', 'model')
    )


def downgrade() -> None:
    op.drop_table('topic_vector')
    with op.batch_alter_table('topic_example', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_topic_example_topic_id'))
    op.drop_table('topic_example')
