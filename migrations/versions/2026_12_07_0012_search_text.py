"""search: a folded search_text on posts, officials and accounts, with its full-text index

PostgreSQL: a stored generated to_tsvector('simple', search_text) with a GIN index; SQLite: an
FTS5 table over the column kept by triggers (core.search). Existing rows are folded here, in
batches. Posts get their unit's path (in the PostgreSQL vector: a commune is one more index
entry to intersect) and an index on (created_at, id): search lists them newest first.

Revision ID: 0012_search_text
Revises: 0011_decision_open_seconds
Create Date: 2026-12-07 13:00:00

"""
from alembic import op
import sqlalchemy as sa

from core.search import document, drop_statements, rebuild_statements, statements


# revision identifiers, used by Alembic.
revision = '0012_search_text'
down_revision = '0011_decision_open_seconds'
branch_labels = None
depends_on = None

# table: the fields folded into search_text (as the models' __search_fields__ were then)
FIELDS = {
    'posts': ('text', 'author', 'url'),
    'officials': ('full_name', 'position'),
    'accounts': ('display_name', 'canonical_id', 'identifier', 'url', 'platform'),
}
SCOPE = {'posts': 'unit_path'}  # table: its unit path column, in the search vector
BATCH = 5000


def _fill(bind, table: str, fields: tuple[str, ...]) -> None:
    rows = sa.table(table, sa.column('id'), sa.column('search_text'),
                    *(sa.column(name) for name in fields))
    update = (sa.update(rows).where(rows.c.id == sa.bindparam('row_id'))
              .values(search_text=sa.bindparam('folded')))
    last = 0
    while True:
        batch = bind.execute(sa.select(rows.c.id, *(rows.c[name] for name in fields))
                             .where(rows.c.id > last).order_by(rows.c.id).limit(BATCH)).all()
        if not batch:
            return
        bind.execute(update, [{'row_id': row[0], 'folded': document(*row[1:])} for row in batch])
        last = batch[-1][0]


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_path', sa.String(length=512), nullable=False,
                                      server_default=''))
    op.execute("UPDATE posts SET unit_path = (SELECT path FROM units WHERE units.id = posts.unit_id)")
    for table, fields in FIELDS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False,
                                          server_default=''))
        _fill(bind, table, fields)
        for sql in (statements(table, bind.dialect.name, SCOPE.get(table))
                    + rebuild_statements(table, bind.dialect.name)):
            op.execute(sql)
    op.create_index('ix_posts_created_at', 'posts', ['created_at', 'id'], unique=False)


def downgrade():
    bind = op.get_bind()
    op.drop_index('ix_posts_created_at', table_name='posts')
    for table in FIELDS:
        for sql in drop_statements(table, bind.dialect.name):
            op.execute(sql)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('search_text')
            if table == 'posts':
                batch_op.drop_column('unit_path')
