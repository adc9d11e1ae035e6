"""Intake: one post in, in one transaction — classify, check the source, cluster, prioritise, route.

Every channel (page form, API, import, webhook) goes through `submit`. It adds and flushes;
the caller commits (or rolls back, and nothing is written).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from core.extensions import db
from core.models import Unit, User, utcnow
from core.scoping import in_scope
from core.services import ServiceError, get_unit
from moderation import neardup, scoring
from moderation.models import (
    DECIDED_STATUSES,
    OPEN_STATUSES,
    Cluster,
    Decision,
    DecisionPost,
    Label,
    Post,
    PostStatus,
    Route,
)
from moderation.services import clusters
from moderation.sources import check_source
from registry.models import Account

QUEUE_ROUTES = {Route.FLAGGED, Route.STORY, Route.SAMPLE, Route.UNCERTAIN, Route.UNSCORED}


def resolve_unit(code: str | None, submitter: User) -> Unit:
    """The post's unit: the code given (inside the submitter's subtree) or the submitter's own."""
    if not code:
        return submitter.unit
    unit = get_unit(code)
    if unit is None or not in_scope(submitter, unit):
        raise ServiceError(_("Unknown unit, or outside your unit."), "unit")
    return unit


def resolve_account(account_id: int | None, root_id: int, submitter: User) -> Account | None:
    """The registry account or group the post was seen in, if it belongs to this commune."""
    if account_id is None:
        return None
    account = db.session.get(Account, account_id)
    root = db.session.get(Unit, root_id)
    if account is None or not (root.contains(account.unit) or in_scope(submitter, account.unit)):
        raise ServiceError(_("No such account or group in the registry of your commune."),
                           "account_id")
    return account


def route_for(prediction: dict | None, sample_rate: float, rng=random, *,
              thresholds: dict | None = None, uncertain_rate: float = 0.0,
              band: float = 0.5) -> str:
    """Flagged or story candidates go to the queue. Of the rest, a uniform slice (drawn first
    and from every cleared post, so the share of misses in it is an unbiased estimate of the
    miss rate), then a share of the posts the model is least sure of: some head's score at
    least ``band`` × its threshold (reviewers' decisions on those teach the model most)."""
    if prediction is None:
        return Route.UNSCORED
    label = prediction["label"]
    if label in (Label.HARMFUL, Label.UNVERIFIED):
        return Route.FLAGGED
    if label == Label.POSITIVE:
        return Route.STORY
    if rng.random() < sample_rate:
        return Route.SAMPLE
    scores = prediction.get("scores", {})
    unsure = any(scores.get(head, 0.0) >= band * t for head, t in (thresholds or {}).items())
    return Route.UNCERTAIN if unsure and rng.random() < uncertain_rate else Route.CLEAN


def router() -> Callable[[dict | None], str]:
    """`route_for` with this app's sample rates and the active model's thresholds, read once
    (bulk intake routes a whole batch with one)."""
    config = current_app.config
    thresholds = scoring.thresholds()

    def route(prediction: dict | None) -> str:
        return route_for(prediction, config["MODERATION_SAMPLE_RATE"],
                         thresholds=thresholds if prediction else None,
                         uncertain_rate=config["MODERATION_UNCERTAIN_RATE"],
                         band=config["MODERATION_UNCERTAIN_BAND"])
    return route


def apply_prediction(post: Post, prediction: dict | None) -> None:
    """Store what the model said (nothing when no model is active: the post stays unscored)."""
    if prediction is None:
        return
    scores = prediction["scores"]
    post.label = prediction["label"]
    post.score_harmful = float(scores.get("harmful", 0.0))
    post.score_unverified = float(scores.get("unverified", 0.0))
    post.score_positive = float(scores.get("positive", 0.0))
    post.explanation = prediction.get("explanation") or []
    post.model_version = prediction.get("model_version")


def submit(data: dict, submitter: User, channel: str, images=(), prediction: dict | None = None,
           predicted: bool = False, unit: Unit | None = None) -> Post:
    """Take one post in. `prediction` may be given when the caller scored a batch already, and
    `unit` when it resolved the post's unit already (resolve_unit)."""
    unit = unit or resolve_unit(data.get("unit"), submitter)
    root_id = clusters.review_root_id(unit)
    account = resolve_account(data.get("account_id"), root_id, submitter)
    if not predicted:
        results = scoring.classify([data["text"]])
        prediction = results[0] if results else None
    config = current_app.config
    domain, verdict = check_source(data.get("url"), config["OFFICIAL_SOURCES"],
                                   config["UNRELIABLE_SOURCES"])
    fp = neardup.fingerprint(data["text"])
    keys = neardup.band_keys(fp, root_id)
    # Ids as well as relationships: join() reads them before the rows are written.
    post = Post(unit=unit, unit_id=unit.id, unit_path=unit.path, submitted_by=submitter,
                channel=channel, account_id=account.id if account else None, text=data["text"],
                url=data.get("url"), source_domain=domain, source_check=verdict,
                platform=data.get("platform") or (account.platform if account else None),
                account=account, author=data.get("author") or "", seen_at=data.get("seen_at"),
                reporter=data.get("reporter") or "", minhash=fp.to_bytes(),
                shingle_count=fp.count, images=[], label=Label.NEUTRAL, score_harmful=0.0,
                score_unverified=0.0, score_positive=0.0, explanation=[])
    apply_prediction(post, prediction)
    route = router()(prediction)
    cluster_id = clusters.closest_cluster_id(fp, keys)
    new_cluster = cluster_id is None
    if new_cluster:
        cluster = Cluster(root_unit_id=root_id, status=PostStatus.CLEARED, size=1, groups=0,
                          reach=0, max_harmful=post.score_harmful,
                          max_unverified=post.score_unverified, max_positive=post.score_positive)
    else:  # counted in (size, top scores) and locked by one UPDATE
        cluster = clusters.count_in(cluster_id, post)
    post.cluster = cluster
    with db.session.no_autoflush:  # cluster and post are written once, complete
        inherited, lead_changed = join(cluster, post, route)
    # Every post passes here, so the new rows go in as cached statements rather than through
    # the unit of work (a third of the request's time); see clusters.insert_post.
    clusters.insert_post(post, keys, cluster, new_cluster, lead_changed)
    if inherited is not None:
        db.session.add(DecisionPost(decision_id=inherited.id, post_id=post.id,
                                    previous_status=inherited.previous_status))
    for position, image in enumerate(images):
        image.attach(post, position)
    db.session.flush()  # the cluster's groups or status, an inherited decision, images
    return post


def join(cluster: Cluster, post: Post, route: str) -> tuple[Decision | None, bool]:
    """Give the post its cluster's status (opening the cluster if needed); the cluster has
    counted the post already (size and top scores).

    Returns the decision the post inherits when its cluster was decided already (the caller
    records it once the post has an id), and whether the lead of the open cluster it joined
    needs its sort key refreshed (the caller writes it with the post).
    """
    clusters.count_new_group(cluster, post)
    post.route = route
    if cluster.status in DECIDED_STATUSES:
        return _inherit_decision(cluster, post), False
    if cluster.status in OPEN_STATUSES:
        post.status = cluster.status
        return None, True
    elif route in QUEUE_ROUTES:
        cluster.queued_at = utcnow()
        post.status = PostStatus.PENDING
        if cluster.size == 1:  # a new cluster: this post is all of it
            cluster.status = PostStatus.PENDING
            post.queue_unit_id = post.unit_id
            clusters.refresh_lead(cluster, post)
        else:
            clusters.set_status(cluster, PostStatus.PENDING)
            clusters.make_lead(cluster, post)
    else:
        post.status = PostStatus.CLEARED
    return None, False


def _inherit_decision(cluster: Cluster, post: Post) -> Decision | None:
    """A new copy of an already decided post takes that decision (and an undo covers it)."""
    post.status = cluster.status
    post.route = Route.INHERITED
    post.decided_at = utcnow()
    return effective_decision(cluster.id)


def effective_decision(cluster_id: int) -> Decision | None:
    """The cluster's latest decision that has not been undone (None if there is none)."""
    from moderation.models import Action

    reversed_ids = select(Decision.reverses_id).where(Decision.reverses_id.is_not(None))
    return db.session.scalar(
        select(Decision).where(Decision.cluster_id == cluster_id, Decision.action != Action.UNDO,
                               Decision.id.not_in(reversed_ids))
        .order_by(Decision.id.desc()).limit(1))
