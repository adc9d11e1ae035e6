"""registry: officials sorted in Vietnamese order (sort_name and its roster index)

Revision ID: 0005_official_sort_name
Revises: 0004_feed
Create Date: 2026-11-25 05:00:00

"""
from alembic import op
import sqlalchemy as sa

from core.i18n import NAME_KEY_LENGTH, vn_name_key


# revision identifiers, used by Alembic.
revision = '0005_official_sort_name'
down_revision = '0004_feed'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    key_type = sa.String(NAME_KEY_LENGTH).with_variant(
        sa.String(NAME_KEY_LENGTH, collation='C'), 'postgresql')
    with op.batch_alter_table('officials', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sort_name', key_type, server_default='', nullable=False))
        batch_op.create_index('ix_officials_roster', ['unit_id', 'sort_name', 'id'], unique=False)
    # Backfill with the same Python function the model's event uses, a batch at a time.
    connection = op.get_bind()
    officials = sa.table('officials', sa.column('id', sa.Integer),
                         sa.column('full_name', sa.String), sa.column('sort_name', sa.String))
    last = 0
    while True:
        rows = connection.execute(sa.select(officials.c.id, officials.c.full_name)
                                  .where(officials.c.id > last).order_by(officials.c.id)
                                  .limit(BATCH)).all()
        if not rows:
            break
        connection.execute(
            officials.update().where(officials.c.id == sa.bindparam('row_id'))
            .values(sort_name=sa.bindparam('key')),
            [{'row_id': row.id, 'key': vn_name_key(row.full_name)} for row in rows])
        last = rows[-1].id


def downgrade():
    with op.batch_alter_table('officials', schema=None) as batch_op:
        batch_op.drop_index('ix_officials_roster')
        batch_op.drop_column('sort_name')
