"""The learning loop: reviewers' decisions as training examples, and re-scoring after a new model.

Examples (one per cluster: its latest decision that was not undone, on the post decided):
approve → not harmful; approve of a post the model called positive → positive;
reject → harmful; mark_false → unverified; mark_verified → not unverified (checked and true).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import func, select

from core.extensions import db
from moderation import scoring
from moderation.models import OPEN_STATUSES, Action, Cluster, Decision, Label, Post, Route
from moderation.services import clusters
from moderation.services.intake import apply_prediction

RESCORE_BATCH = 500


def _latest_decisions():
    """Ids of each cluster's latest decision that was not undone."""
    reversed_ids = select(Decision.reverses_id).where(Decision.reverses_id.is_not(None))
    return (select(func.max(Decision.id)).where(Decision.action != Action.UNDO,
                                                Decision.id.not_in(reversed_ids))
            .group_by(Decision.cluster_id))


def review_examples() -> dict[str, list[tuple[str, bool]]]:
    """{head: [(text, label)]} for `flask classifiers train --include-reviews`."""
    latest = _latest_decisions()
    rows = db.session.execute(
        select(Decision.action, Post.text, Decision.label_seen)
        .join(Post, Post.id == Decision.post_id).where(Decision.id.in_(latest))
        .order_by(Decision.id)).all()
    examples: dict[str, list[tuple[str, bool]]] = {"harmful": [], "unverified": [], "positive": []}
    for action, text, label_seen in rows:
        for head, value in _labels(action, label_seen):
            examples[head].append((text, value))
    return examples


def _labels(action: str, label_seen: str) -> list[tuple[str, bool]]:
    if action == Action.APPROVE:
        return [("harmful", False)] + ([("positive", True)] if label_seen == Label.POSITIVE else [])
    if action == Action.REJECT:
        return [("harmful", True)]
    if action == Action.MARK_FALSE:
        return [("unverified", True)]
    if action == Action.MARK_VERIFIED:
        return [("unverified", False)]
    return []


CONFIRMED = {Action.REJECT, Action.MARK_FALSE}      # the post was harmful or false
CLEARED = {Action.APPROVE, Action.MARK_VERIFIED}    # it was fine


def check_estimates(units=None, since=None) -> dict:
    """How well the model does, from reviewers' decisions (the latest one of each cluster):
    flag precision = share of decided flagged posts that reviewers confirmed; miss rate =
    share of decided posts of the uniform slice (route ``sample``) that were harmful or false
    although the model cleared them. Each with its count and a 95 % Wilson interval. Only the
    decisions taken in `units` (ids, or a sub-select of them) and since `since`, when given."""
    stmt = (select(Post.route, Decision.action).join(Post, Post.id == Decision.post_id)
            .where(Decision.id.in_(_latest_decisions()),
                   Post.route.in_((Route.FLAGGED, Route.SAMPLE)),
                   Decision.action.in_(CONFIRMED | CLEARED)))
    if units is not None:
        stmt = stmt.where(Decision.unit_id.in_(units))
    if since is not None:
        stmt = stmt.where(Decision.created_at >= since)
    rows = db.session.execute(stmt).all()
    out = {}
    for name, route in (("flag_precision", Route.FLAGGED), ("miss_rate", Route.SAMPLE)):
        actions = [a for r, a in rows if r == route]
        out[name] = _share(sum(a in CONFIRMED for a in actions), len(actions))
    return out


def _share(hits: int, n: int, z: float = 1.96) -> dict:
    """A proportion with its 95 % Wilson score interval (None when nothing was decided)."""
    if n == 0:
        return {"value": None, "low": None, "high": None, "hits": 0, "n": 0}
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return {"value": p, "low": max(0.0, centre - half), "high": min(1.0, centre + half),
            "hits": hits, "n": n}


def posts_to_rescore(every: bool = False):
    """Open posts not scored by the active model (all open posts with `every`)."""
    version = scoring.active_version()
    stmt = select(Post.id).where(Post.status.in_(OPEN_STATUSES))
    if not every:
        stmt = stmt.where((Post.model_version.is_(None)) | (Post.model_version != version))
    return stmt.order_by(Post.id)


def rescore(ids: list[int], progress: Callable[[int], None] | None = None) -> int:
    """Score these posts with the active model, then refresh their clusters' figures."""
    touched: set[int] = set()
    for batch in _batches(ids, RESCORE_BATCH):
        posts = db.session.scalars(select(Post).where(Post.id.in_(batch))).all()
        predictions = scoring.classify([p.text for p in posts])
        if predictions is None:
            raise RuntimeError("no active model")
        for post, prediction in zip(posts, predictions, strict=True):
            apply_prediction(post, prediction)
            touched.add(post.cluster_id)
        db.session.flush()
        if progress:
            progress(len(batch))
    for cluster in db.session.scalars(select(Cluster).where(Cluster.id.in_(touched))):
        clusters.recompute(cluster)
        clusters.refresh_lead(cluster)
    db.session.flush()
    return len(ids)


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
