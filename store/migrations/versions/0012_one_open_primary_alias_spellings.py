"""at most one open primary assignment per topic; other spellings of an alias

A database written before this revision may already hold two open-ended primary rows
for a topic (concurrent assigns). Each such topic keeps its newest row (latest start,
then highest id) as its POC; the older ones are closed as of the newest one's start, as
the later handover would have closed them, and each closing is logged. Then a partial
unique index makes a second open primary impossible.

topic_alias.spellings keeps the other spellings a file gives for one alias key
("laptop" and "laptops"): existing aliases have none.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 12:00:00.000000
"""
import logging

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_LOGGER = logging.getLogger('alembic.runtime.migration')
_OPEN_PRIMARY = "kind = 'primary' AND ends_at IS NULL"


def upgrade() -> None:
    _close_older_open_primaries()
    op.create_index('ux_assignment_open_primary', 'assignment', ['topic_id'], unique=True,
                    sqlite_where=sa.text(_OPEN_PRIMARY), postgresql_where=sa.text(_OPEN_PRIMARY))
    op.add_column('topic_alias', sa.Column('spellings', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('topic_alias', schema=None) as batch_op:
        batch_op.drop_column('spellings')
    op.drop_index('ux_assignment_open_primary', table_name='assignment')


def _close_older_open_primaries() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        f"SELECT id, topic_id, starts_at FROM assignment WHERE {_OPEN_PRIMARY}"
        " AND topic_id IN (SELECT topic_id FROM assignment WHERE " + _OPEN_PRIMARY +
        " GROUP BY topic_id HAVING COUNT(*) > 1) ORDER BY topic_id, starts_at DESC, id DESC"
    )).all()
    newest: dict[int, object] = {}
    for row_id, topic_id, starts_at in rows:
        if topic_id not in newest:
            newest[topic_id] = starts_at
            continue
        conn.execute(sa.text("UPDATE assignment SET ends_at = :at WHERE id = :id"),
                     {"at": newest[topic_id], "id": row_id})
        _LOGGER.warning("topic %s had two open POC rows: closed the older one (assignment %s)",
                        topic_id, row_id)
