"""Near-duplicate clusters: find one through the band index, join it, keep its figures current.

A cluster's *lead* is the post that stands for it in the queue while it is open: it carries
`priority_key` and `queue_unit_id`; every other post has NULL there.
"""

from __future__ import annotations

import functools

from flask import current_app
from sqlalchemy import and_, bindparam, func, insert, select, text, update

from core.extensions import db
from core.models import Unit, utcnow
from moderation import neardup, priority
from moderation.models import OPEN_STATUSES, Cluster, Post, PostBand, PostStatus
from registry.models import Account

# Candidates sharing the most bands are checked first; a handful is plenty.
MAX_CANDIDATES = 50


def review_root_id(unit: Unit) -> int:
    """The commune a unit belongs to (itself if it is one); the unit itself above communes.

    Clusters never cross this root: a commune's clusters, sizes and decisions stay its own.
    The answer is remembered per app by unit path (a moved unit gets a new path), which saves
    a query on every post.
    """
    roots = current_app.extensions.setdefault("moderation.review_roots", {})
    root_id = roots.get(unit.path)
    if root_id is None:
        from core.services import ancestors

        chain = [*ancestors(unit), unit]
        communes = [u for u in chain if u.kind == "commune"]
        root_id = (communes[-1] if communes else unit).id
        roots[unit.path] = root_id
    return root_id


# The same query for PostgreSQL with the keys as one array: an expanding IN of 32 values is
# re-rendered on every call and costs several times what the database spends on it.
_CANDIDATES_PG = text(
    "SELECT p.cluster_id, p.minhash, p.shingle_count FROM posts AS p JOIN ("
    " SELECT post_id, count(*) AS hits FROM post_bands"
    " WHERE band_key = ANY(CAST(:keys AS BIGINT[]))"
    " GROUP BY post_id ORDER BY count(*) DESC LIMIT :limit) AS shared ON shared.post_id = p.id")


def find_cluster(fp: neardup.Fingerprint, keys: list[int]) -> Cluster | None:
    """The cluster of the closest near-duplicate among posts sharing a band, or None."""
    if not keys:
        return None
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        rows = connection.execute(_CANDIDATES_PG, {"keys": keys, "limit": MAX_CANDIDATES}).all()
    else:
        shared = (select(PostBand.post_id, func.count().label("hits"))
                  .where(PostBand.band_key.in_(keys)).group_by(PostBand.post_id)
                  .order_by(func.count().desc()).limit(MAX_CANDIDATES).subquery())
        rows = connection.execute(
            select(Post.cluster_id, Post.minhash, Post.shingle_count)
            .join(shared, shared.c.post_id == Post.id)).all()
    best = neardup.closest(fp, [raw for _, raw, _ in rows], [count for _, _, count in rows])
    if best is None:
        return None
    return db.session.scalars(_cluster_for_update(), {"cluster_id": rows[best][0]}).one()


@functools.cache
def _cluster_for_update():
    """The cluster row, locked and refreshed: built once, as intake runs it for every copy."""
    return (select(Cluster).where(Cluster.id == bindparam("cluster_id")).with_for_update()
            .execution_options(populate_existing=True))


_INSERT_BANDS_PG = text("INSERT INTO post_bands (band_key, post_id) "
                        "SELECT unnest(CAST(:keys AS BIGINT[])), :post_id")


def store_bands(post: Post, keys: list[int]) -> None:
    """Index the post's bands: on PostgreSQL one statement with an array (one round trip and
    no per-row statement building, which costs more than the insert itself), elsewhere one
    cached statement executed per band."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_INSERT_BANDS_PG, {"keys": keys, "post_id": post.id})
    else:
        connection.execute(insert(PostBand.__table__),
                           [{"band_key": k, "post_id": post.id} for k in keys])


def lead_of(cluster: Cluster) -> Post | None:
    """The post standing for an open cluster in the queue."""
    return db.session.scalar(select(Post).where(Post.cluster_id == cluster.id,
                                                Post.priority_key.is_not(None)).limit(1))


def static_priority(cluster: Cluster) -> float:
    """The cluster's priority without the waiting-time term."""
    return priority.static_priority(cluster.max_harmful, cluster.max_unverified,
                                    cluster.max_positive, cluster.reach, cluster.size,
                                    cluster.status == PostStatus.ESCALATED)


def current_priority(cluster: Cluster, now=None) -> float:
    """The priority shown now: static terms plus the hours the cluster has waited (if open)."""
    now = now or utcnow()
    if cluster.status in OPEN_STATUSES and cluster.queued_at is not None:
        return round(priority.at(priority.key(static_priority(cluster), cluster.queued_at), now), 2)
    return round(static_priority(cluster), 2)


def refresh_lead(cluster: Cluster, lead: Post | None = None) -> None:
    """Recompute the lead's sort key after the cluster's figures or status changed.

    Without the lead at hand, one UPDATE sets it where it is (loading the lead's whole row to
    change one number cost a SELECT and a flush on every copy that joins an open cluster)."""
    if cluster.status not in OPEN_STATUSES or cluster.queued_at is None:
        return
    key = priority.key(static_priority(cluster), cluster.queued_at)
    if lead is not None:
        lead.priority_key = key
        return
    # 'fetch': the UPDATE returns the ids it touched and only those are brought up to date in
    # the session ('evaluate' tests every post the session holds, which made a 5,000-row import
    # quadratic).
    db.session.execute(update(Post).where(Post.cluster_id == cluster.id,
                                          Post.priority_key.is_not(None))
                       .values(priority_key=key)
                       .execution_options(synchronize_session="fetch"))


def make_lead(cluster: Cluster, post: Post, queue_unit_id: int | None = None) -> None:
    """Make `post` the one row of this cluster in the queue."""
    db.session.execute(update(Post).where(Post.cluster_id == cluster.id, Post.id != post.id,
                                          Post.priority_key.is_not(None))
                       .values(priority_key=None, queue_unit_id=None)
                       .execution_options(synchronize_session="fetch"))
    post.queue_unit_id = queue_unit_id or post.unit_id
    post.priority_key = priority.key(static_priority(cluster), cluster.queued_at or utcnow())


def best_post(cluster: Cluster, exclude: int | None = None) -> Post | None:
    """The copy with the highest flagged score: the natural lead of a cluster."""
    stmt = select(Post).where(Post.cluster_id == cluster.id)
    if exclude is not None:
        stmt = stmt.where(Post.id != exclude)
    top = func.max(Post.score_harmful, Post.score_unverified) if db.engine.dialect.name == "sqlite" \
        else func.greatest(Post.score_harmful, Post.score_unverified)
    return db.session.scalar(stmt.order_by(top.desc(), Post.id).limit(1))


def count_new_group(cluster: Cluster, post: Post) -> None:
    """Add the post's registry account to the cluster's groups and reach, once per account."""
    if post.account_id is None:
        return
    seen = db.session.scalar(select(Post.id).where(
        Post.cluster_id == cluster.id, Post.account_id == post.account_id, Post.id != post.id)
        .limit(1))
    if seen is None:
        members = db.session.scalar(select(Account.member_count)
                                    .where(Account.id == post.account_id)) or 0
        cluster.groups += 1
        cluster.reach += members


def recompute(cluster: Cluster) -> None:
    """Size, groups, reach and top scores from the cluster's posts (after a post left it)."""
    size, harmful, unverified, positive = db.session.execute(
        select(func.count(Post.id), func.max(Post.score_harmful), func.max(Post.score_unverified),
               func.max(Post.score_positive)).where(Post.cluster_id == cluster.id)).one()
    accounts = (select(Post.account_id).where(Post.cluster_id == cluster.id,
                                              Post.account_id.is_not(None))
                .distinct().subquery())
    groups, reach = db.session.execute(
        select(func.count(Account.id), func.coalesce(func.sum(Account.member_count), 0))
        .join(accounts, and_(accounts.c.account_id == Account.id))).one()
    cluster.size, cluster.groups, cluster.reach = size, groups, int(reach)
    cluster.max_harmful = harmful or 0.0
    cluster.max_unverified = unverified or 0.0
    cluster.max_positive = positive or 0.0


def set_status(cluster: Cluster, status: str, decided: bool = False) -> None:
    """Give the cluster and every post in it the same status."""
    cluster.status = status
    values = {"status": status, "decided_at": utcnow() if decided else None}
    if status not in OPEN_STATUSES:
        values.update(priority_key=None, queue_unit_id=None)
    db.session.execute(update(Post).where(Post.cluster_id == cluster.id).values(**values)
                       .execution_options(synchronize_session="fetch"))
