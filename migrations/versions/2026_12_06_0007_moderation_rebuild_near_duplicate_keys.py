"""moderation: rebuild every post's near-duplicate signature and index keys

The rule changed (forwarders' boilerplate removed, short texts keyed by their exact words,
candidates checked on their real overlap), so the stored signatures and band keys are
recomputed from the posts' texts with the same function intake uses, a batch at a time.

Revision ID: 0007_neardup_keys
Revises: 0006_partial_queue_indexes
Create Date: 2026-12-06 06:00:00

"""
from alembic import op
import sqlalchemy as sa

from moderation import neardup


# revision identifiers, used by Alembic.
revision = '0007_neardup_keys'
down_revision = '0006_partial_queue_indexes'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade():
    connection = op.get_bind()
    posts = sa.table('posts', sa.column('id', sa.Integer), sa.column('text', sa.Text),
                     sa.column('cluster_id', sa.Integer), sa.column('minhash', sa.LargeBinary),
                     sa.column('shingle_count', sa.Integer))
    clusters = sa.table('clusters', sa.column('id', sa.Integer),
                        sa.column('root_unit_id', sa.Integer))
    bands = sa.table('post_bands', sa.column('band_key', sa.BigInteger),
                     sa.column('post_id', sa.Integer))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(posts.c.id, posts.c.text, clusters.c.root_unit_id)
            .join(clusters, clusters.c.id == posts.c.cluster_id)
            .where(posts.c.id > last).order_by(posts.c.id).limit(BATCH)).all()
        if not rows:
            break
        ids = [row.id for row in rows]
        connection.execute(bands.delete().where(bands.c.post_id.in_(ids)))
        signatures, keys = [], []
        for row in rows:
            fp = neardup.fingerprint(row.text)
            signatures.append({'row_id': row.id, 'sig': fp.to_bytes(), 'n': fp.count})
            keys += [{'band_key': k, 'post_id': row.id}
                     for k in dict.fromkeys(neardup.band_keys(fp, row.root_unit_id))]
        connection.execute(posts.update().where(posts.c.id == sa.bindparam('row_id'))
                           .values(minhash=sa.bindparam('sig'), shingle_count=sa.bindparam('n')),
                           signatures)
        if keys:
            connection.execute(bands.insert(), keys)
        last = ids[-1]


def downgrade():
    # The keys stay as they are: the earlier rule reads them as ordinary band keys and finds
    # fewer candidates among old posts, never wrong ones (candidates are checked).
    pass
