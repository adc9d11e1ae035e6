"""moderation: the queue's indexes hold queued posts only (partial, priority_key IS NOT NULL)

A queue is a few percent of the posts: whole-table indexes made counting a province's queue
read the entries of every post, and every post paid to write four of them. The unit index
gains the label, so a tab's total is counted from the index alone.

Revision ID: 0006_partial_queue_indexes
Revises: 0005_official_sort_name
Create Date: 2026-11-30 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_partial_queue_indexes'
down_revision = '0005_official_sort_name'
branch_labels = None
depends_on = None

# name: (columns before, columns after)
QUEUE_INDEXES = {
    'ix_posts_queue': (['priority_key'], ['priority_key']),
    'ix_posts_queue_label': (['label', 'priority_key'], ['label', 'priority_key']),
    'ix_posts_queue_unit': (['queue_unit_id', 'priority_key'],
                            ['queue_unit_id', 'label', 'priority_key']),
    'ix_posts_queue_status': (['status', 'priority_key'], ['status', 'priority_key']),
}
QUEUED = sa.text('priority_key IS NOT NULL')


def upgrade():
    for name, (_, columns) in QUEUE_INDEXES.items():
        op.drop_index(name, table_name='posts')
        op.create_index(name, 'posts', columns, unique=False,
                        postgresql_where=QUEUED, sqlite_where=QUEUED)


def downgrade():
    for name, (columns, _) in QUEUE_INDEXES.items():
        op.drop_index(name, table_name='posts')
        op.create_index(name, 'posts', columns, unique=False)
