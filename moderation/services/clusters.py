"""Near-duplicate clusters: find one through the band index, join it, keep its figures current.

A cluster's *lead* is the post that stands for it in the queue while it is open: it carries
`priority_key` and `queue_unit_id`; every other post has NULL there.
"""

from __future__ import annotations

import functools

from flask import current_app
from sqlalchemy import (
    BigInteger,
    Float,
    and_,
    bindparam,
    cast,
    func,
    insert,
    select,
    text,
    true,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from core.extensions import attach_inserted, db, insert_now, insert_values, with_python_defaults
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
    "SELECT p.cluster_id, p.minhash, p.shingle_count, p.text FROM posts AS p JOIN ("
    " SELECT post_id, count(*) AS hits FROM post_bands"
    " WHERE band_key = ANY(CAST(:keys AS BIGINT[]))"
    " GROUP BY post_id ORDER BY count(*) DESC LIMIT :limit) AS shared ON shared.post_id = p.id")


def closest_cluster_id(fp: neardup.Fingerprint, keys: list[int]) -> int | None:
    """The cluster of the closest near-duplicate among posts sharing an index key, or None
    (the candidates' texts come with them: the best are checked on their real overlap)."""
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
            select(Post.cluster_id, Post.minhash, Post.shingle_count, Post.text)
            .join(shared, shared.c.post_id == Post.id)).all()
    best = neardup.closest(fp, [row[3] for row in rows], [row[1] for row in rows],
                           [row[2] for row in rows])
    return None if best is None else rows[best][0]


def find_cluster(fp: neardup.Fingerprint, keys: list[int]) -> Cluster | None:
    """The closest near-duplicate's cluster, locked for this transaction, or None."""
    cluster_id = closest_cluster_id(fp, keys)
    if cluster_id is None:
        return None
    return db.session.scalars(_cluster_for_update(), {"cluster_id": cluster_id}).one()


@functools.cache
def _cluster_for_update():
    """The cluster row, locked and refreshed: built once."""
    return (select(Cluster).where(Cluster.id == bindparam("cluster_id")).with_for_update()
            .execution_options(populate_existing=True))


def count_in(cluster_id: int, post: Post) -> Cluster:
    """Count a new copy in its cluster (size, top scores) and return the cluster, refreshed.

    One UPDATE … RETURNING: it takes the row lock that concurrent copies of the same post
    queue behind, so no count is lost, and saves the SELECT … FOR UPDATE and the UPDATE
    that reading the row and writing it back would cost.
    """
    return db.session.scalars(_count_in(db.session.get_bind().dialect.name), {
        "counted_cluster": cluster_id, "harmful": post.score_harmful,
        "unverified": post.score_unverified, "positive": post.score_positive}).one()


@functools.cache
def _count_in(dialect: str):
    greater = func.greatest if dialect == "postgresql" else func.max  # SQLite's max(a, b)
    return (update(Cluster).where(Cluster.id == bindparam("counted_cluster"))
            .values(size=Cluster.size + 1,
                    max_harmful=greater(Cluster.max_harmful, bindparam("harmful", type_=Float)),
                    max_unverified=greater(Cluster.max_unverified,
                                           bindparam("unverified", type_=Float)),
                    max_positive=greater(Cluster.max_positive, bindparam("positive", type_=Float)))
            .returning(Cluster)
            .execution_options(populate_existing=True, synchronize_session=False))


def store_bands(post: Post, keys: list[int]) -> None:
    """Index the post's bands (where insert_post cannot write them with the post): one cached
    statement executed for all the bands."""
    if keys:
        db.session.connection().execute(insert(PostBand.__table__),
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


def lead_key(cluster: Cluster) -> float | None:
    """The sort key of an open cluster's lead (None when the cluster is not in a queue)."""
    if cluster.status not in OPEN_STATUSES or cluster.queued_at is None:
        return None
    return priority.key(static_priority(cluster), cluster.queued_at)


def refresh_lead(cluster: Cluster, lead: Post | None = None) -> None:
    """Recompute the lead's sort key after the cluster's figures or status changed.

    Without the lead at hand, one UPDATE sets it where it is (loading the lead's whole row to
    change one number cost a SELECT and a flush on every copy that joins an open cluster)."""
    key = lead_key(cluster)
    if key is None:
        return
    if lead is not None:
        lead.priority_key = key
        return
    # One cached Core UPDATE that returns the ids it touched, and only those posts are brought
    # up to date in the session: the ORM's own synchronisation costs more than the UPDATE, and
    # 'evaluate' tests every post the session holds (a 5,000-row import went quadratic).
    if db.session.autoflush:  # as an ORM statement would: pending changes go first
        db.session.flush()
    now = utcnow()
    touched = db.session.connection().execute(
        _LEAD_KEY, {"lead_cluster": cluster.id, "lead_key": key, "lead_now": now}).scalars()
    _lead_keys_written(touched, key, now)


def _lead_keys_written(post_ids, key: float, now) -> None:
    """Bring the posts of `post_ids` that the session holds up to date with their new key."""
    for post_id in post_ids:
        held = db.session.identity_map.get(identity_key(Post, post_id))
        if held is not None:
            set_committed_value(held, "priority_key", key)
            set_committed_value(held, "updated_at", now)


_POSTS = Post.__table__
# The lead's new key (bulk intake runs it for many clusters at once, without RETURNING).
SET_LEAD_KEY = (update(_POSTS)
                .where(_POSTS.c.cluster_id == bindparam("lead_cluster"),
                       _POSTS.c.priority_key.is_not(None))
                .values(priority_key=bindparam("lead_key"), updated_at=bindparam("lead_now")))
_LEAD_KEY = SET_LEAD_KEY.returning(_POSTS.c.id)


def insert_post(post: Post, keys: list[int], cluster: Cluster, new_cluster: bool,
                lead_changed: bool) -> None:
    """Write a new post and its bands, with its cluster when that is new too, and the new sort
    key of the cluster's lead when joining the post changed it (see refresh_lead).

    On PostgreSQL this is one statement (data-modifying CTEs): a post took up to five round
    trips here, each costing the app and the database more than the row it wrote. Elsewhere
    one statement each. Afterwards the objects are in the session as if loaded.
    """
    keys = list(dict.fromkeys(keys))
    if db.session.get_bind().dialect.name != "postgresql" or not keys:
        if new_cluster:
            insert_now(cluster)
        insert_now(post)
        store_bands(post, keys)
        if lead_changed:
            refresh_lead(cluster)
        return
    key = lead_key(cluster) if lead_changed else None
    cluster_values = (with_python_defaults(cluster, insert_values(cluster)[1]) if new_cluster
                      else None)
    post_values = with_python_defaults(post, insert_values(post)[1])
    if new_cluster:
        del post_values["cluster_id"]  # the new cluster's id, inside the statement
    statement, post_returns, cluster_returns = _post_writer(
        tuple(cluster_values) if new_cluster else None, tuple(post_values), key is not None)
    params = {f"p_{k}": v for k, v in post_values.items()}
    params["band_keys"] = keys
    if new_cluster:
        params.update({f"c_{k}": v for k, v in cluster_values.items()})
    if key is not None:
        now = utcnow()
        params.update(lead_cluster=cluster.id, lead_key=key, lead_now=now)
    row = db.session.connection().execute(statement, params).one()._mapping
    if new_cluster:
        attach_inserted(cluster, cluster_returns, [row[f"c_{c.key}"] for c in cluster_returns])
        sa_inspect(post).dict["cluster_id"] = cluster.id
    attach_inserted(post, post_returns, [row[f"p_{c.key}"] for c in post_returns])
    if key is not None:
        _lead_keys_written(row["leads"] or (), key, now)


@functools.cache
def _post_writer(cluster_columns: tuple | None, post_columns: tuple, lead: bool):
    """The one statement of insert_post for this shape of rows: built once per shape."""
    clusters_table, bands_table = Cluster.__table__, PostBand.__table__
    post_values = {k: bindparam(f"p_{k}", type_=_POSTS.c[k].type) for k in post_columns}
    out, ctes, cluster_returns = [], [], ()
    if cluster_columns is not None:
        cluster_returns = tuple(c for c in clusters_table.columns if c.key not in cluster_columns)
        new_cluster = (insert(clusters_table)
                       .values({k: bindparam(f"c_{k}", type_=clusters_table.c[k].type)
                                for k in cluster_columns})
                       .returning(*cluster_returns).cte("new_cluster"))
        post_values["cluster_id"] = select(new_cluster.c.id).scalar_subquery()
        out += [new_cluster.c[c.key].label(f"c_{c.key}") for c in cluster_returns]
    post_returns = tuple(c for c in _POSTS.columns if c.key not in post_values)
    new_post = insert(_POSTS).values(post_values).returning(*post_returns).cte("new_post")
    out += [new_post.c[c.key].label(f"p_{c.key}") for c in post_returns]
    ctes.append(insert(bands_table).from_select(
        ["band_key", "post_id"],
        select(func.unnest(cast(bindparam("band_keys"), ARRAY(BigInteger))), new_post.c.id))
        .cte("new_bands"))
    if lead:
        leads = _LEAD_KEY.cte("leads")
        out.append(select(func.array_agg(leads.c.id)).scalar_subquery().label("leads"))
    statement = select(*out)
    if cluster_columns is not None:  # one row each: joined on nothing, not a product warning
        statement = statement.select_from(new_post.join(new_cluster, true()))
    return statement.add_cte(*ctes), post_returns, cluster_returns


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
