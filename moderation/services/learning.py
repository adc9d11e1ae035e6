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
from moderation.models import OPEN_STATUSES, Action, Cluster, Decision, Label, Post
from moderation.services import clusters
from moderation.services.intake import apply_prediction

RESCORE_BATCH = 500


def review_examples() -> dict[str, list[tuple[str, bool]]]:
    """{head: [(text, label)]} for `flask classifiers train --include-reviews`."""
    reversed_ids = select(Decision.reverses_id).where(Decision.reverses_id.is_not(None))
    latest = (select(func.max(Decision.id)).where(Decision.action != Action.UNDO,
                                                  Decision.id.not_in(reversed_ids))
              .group_by(Decision.cluster_id))
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
