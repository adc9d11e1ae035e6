"""The review queue: lead posts of open clusters, scoped to the reviewer's subtree, by priority.

Listing is one range over `posts.priority_key` (only lead rows have one) through an index;
everything shown beside an item (groups reached, the account's history) is fetched for the
page's items only, in a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload, selectinload

from core.extensions import db
from core.models import Unit, User, as_utc, utcnow
from core.scoping import scoped, subtree_ids
from core.services import _vn_day_start
from moderation.models import Cluster, Label, Post, PostStatus
from registry.models import Account

TABS = ("harmful", "unverified", "positive", "all")
STATUS_FILTERS = ("open", "pending", "escalated", "claimed", "unclaimed", "overdue")
DEADLINE_LABELS = (Label.HARMFUL, Label.UNVERIFIED)  # what the 24-hour deadline applies to
OVERDUE_FIRST = 5  # overdue items shown above the first page of the queue
HISTORY_DAYS = 30
PER_PAGE = 20


def queue_query(user: User, tab: str = "all", unit: Unit | None = None,
                platform: str | None = None, date_from=None, date_to=None,
                status: str | None = None):
    """The queue's statement: scoped, filtered, highest priority first."""
    stmt = scoped(select(Post).where(Post.priority_key.is_not(None)), Post.queue_unit_id, user)
    if tab in (Label.HARMFUL, Label.UNVERIFIED, Label.POSITIVE):
        stmt = stmt.where(Post.label == tab)
    if unit is not None:
        stmt = stmt.where(Post.unit_id.in_(subtree_ids(unit)))
    if platform:
        stmt = stmt.where(Post.platform == platform)
    if date_from:
        stmt = stmt.where(Post.created_at >= _vn_day_start(date_from))
    if date_to:
        stmt = stmt.where(Post.created_at < _vn_day_start(date_to + timedelta(days=1)))
    stmt = _status_filter(stmt, status)
    return stmt.order_by(Post.priority_key.desc(), Post.id.desc())


def deadline() -> timedelta:
    """How long a harmful or unverified item may wait (MODERATION_DEADLINE_HOURS)."""
    return timedelta(hours=current_app.config["MODERATION_DEADLINE_HOURS"])


def due_at(post: Post) -> datetime | None:
    """When the item's deadline runs out (from its cluster's first copy), or None when the
    deadline does not apply to its label."""
    if post.label not in DEADLINE_LABELS:
        return None
    return as_utc(post.cluster.created_at) + deadline()


def _overdue(stmt, now):
    """Only the queued rows (few, by their index) are looked at, each cluster by its key."""
    late = exists().where(Cluster.id == Post.cluster_id, Cluster.created_at < now - deadline())
    return stmt.where(Post.label.in_(DEADLINE_LABELS), late)


def overdue_count(user: User, unit: Unit | None = None) -> int:
    """Open harmful or unverified items of the user's queue (of `unit`'s subtree, if given)
    past their deadline."""
    stmt = scoped(select(func.count()).select_from(Post).where(Post.priority_key.is_not(None)),
                  Post.queue_unit_id, user)
    if unit is not None:
        stmt = stmt.where(Post.unit_id.in_(subtree_ids(unit)))
    return db.session.scalar(_overdue(stmt, utcnow()))


def overdue_first(user: User, limit: int = OVERDUE_FIRST) -> list[Post]:
    """The items longest past their deadline, oldest first: shown before the queue."""
    stmt = queue_query(user, status="overdue").order_by(None).order_by(Post.created_at, Post.id)
    return list(db.session.scalars(stmt.options(joinedload(Post.cluster)).limit(limit)))


def _status_filter(stmt, status: str | None):
    now = utcnow()
    if status == "overdue":
        return _overdue(stmt, now)
    if status in (PostStatus.PENDING, PostStatus.ESCALATED):
        return stmt.where(Post.status == status)
    claimed = select(Cluster.id).where(Cluster.claimed_until > now)
    if status == "claimed":
        return stmt.where(Post.cluster_id.in_(claimed))
    if status == "unclaimed":
        return stmt.where(Post.cluster_id.not_in(claimed))
    return stmt


def tab_counts(user: User) -> dict[str, int]:
    """How many items each tab holds (one grouped query)."""
    stmt = scoped(select(Post.label, func.count()).where(Post.priority_key.is_not(None)),
                  Post.queue_unit_id, user).group_by(Post.label)
    counts = dict(db.session.execute(stmt).all())
    return {"harmful": counts.get("harmful", 0), "unverified": counts.get("unverified", 0),
            "positive": counts.get("positive", 0), "all": sum(counts.values())}


def page_of(stmt, page: int, per_page: int = PER_PAGE):
    """One page of queue items with their cluster, unit, account and images loaded.

    The page is picked on the posts alone (their ids, in priority order), then only its rows
    are loaded with what they show: with the joins in the paging query, PostgreSQL joined
    every item a filter kept (thousands in a commune's week) before sorting them to keep
    twenty, the slowest part of the queue with 1,000,000 posts stored.
    """
    pagination = db.paginate(stmt.with_only_columns(Post.id), page=page, per_page=per_page,
                             error_out=False, max_per_page=100)
    pagination.items = shown(pagination.items)
    return pagination


def shown(ids: list[int]) -> list[Post]:
    """The posts of a page, in the order of ``ids``, with what a list shows of each (cluster
    and claim, unit, account, images) loaded in four queries, not four a post."""
    if not ids:
        return []
    loaded = db.session.scalars(
        select(Post).where(Post.id.in_(ids))
        .options(joinedload(Post.cluster).joinedload(Cluster.claimed_by),
                 joinedload(Post.unit), joinedload(Post.account),
                 selectinload(Post.images))).unique()
    by_id = {post.id: post for post in loaded}
    return [by_id[i] for i in ids if i in by_id]


@dataclass
class Context:
    """What the queue shows beside each item: groups reached and the account's history."""

    groups: dict[int, list[Account]] = field(default_factory=dict)
    rejected: dict[int, int] = field(default_factory=dict)


def context_for(posts: list[Post]) -> Context:
    """Groups per cluster and recent rejections per account, for these items only."""
    context = Context()
    cluster_ids = {p.cluster_id for p in posts if p.cluster.groups}
    if cluster_ids:
        rows = db.session.execute(
            select(Post.cluster_id, Account).join(Account, Account.id == Post.account_id)
            .where(Post.cluster_id.in_(cluster_ids)).distinct()).all()
        for cluster_id, account in rows:
            context.groups.setdefault(cluster_id, []).append(account)
    account_ids = {p.account_id for p in posts if p.account_id}
    if account_ids:
        since = utcnow() - timedelta(days=HISTORY_DAYS)
        rows = db.session.execute(
            select(Post.account_id, func.count()).where(
                Post.account_id.in_(account_ids), Post.status == PostStatus.REJECTED,
                Post.decided_at >= since).group_by(Post.account_id)).all()
        context.rejected = dict(rows)
    return context
