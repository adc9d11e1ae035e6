"""Claims, decisions, undo and detach: what a reviewer does to a queue item (a cluster).

Claims are taken with one conditional UPDATE whose WHERE says "open, and unclaimed or expired
or already mine"; the row count tells who won. No check-then-set in Python, so two reviewers
claiming at once get exactly one winner on PostgreSQL and on SQLite alike.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, literal, or_, select, update

from core.extensions import db
from core.models import VN_OFFSET, Role, User, as_utc, utcnow
from core.permissions import can_review_unit
from core.scoping import in_scope
from core.services import ServiceError, audit
from moderation.models import (
    OPEN_STATUSES,
    Action,
    Cluster,
    Decision,
    DecisionPost,
    Post,
    PostStatus,
    RejectReason,
)
from moderation.services import clusters
from moderation.services.intake import effective_decision

CLAIM_FOR = timedelta(minutes=15)
UNDO_WITHIN = timedelta(minutes=10)

# Each action's reason codes (a reason is always required; escalation also needs a note).
REASONS = {
    Action.APPROVE: {"fine": _l("Nothing wrong"), "story": _l("A good story to share"),
                     "other": _l("Other")},
    Action.REJECT: {RejectReason.VULGAR: _l("Vulgar"), RejectReason.HATE: _l("Hate"),
                    RejectReason.INCITEMENT: _l("Incitement"), RejectReason.SCAM: _l("Scam"),
                    RejectReason.FALSE_INFO: _l("False information"),
                    RejectReason.OTHER: _l("Other")},
    Action.MARK_FALSE: {"rumour": _l("Rumour, checked and false"),
                        "misleading": _l("Misleading"), "other": _l("Other")},
    Action.MARK_VERIFIED: {"official_source": _l("Confirmed by an official source"),
                           "checked_locally": _l("Checked on the spot"), "other": _l("Other")},
    Action.ESCALATE: {"unsure": _l("Not sure"), "sensitive": _l("Sensitive"),
                      "beyond_scope": _l("Beyond our unit"), "other": _l("Other")},
}
ACTION_LABELS = {
    Action.APPROVE: _l("Approve"), Action.REJECT: _l("Reject"),
    Action.MARK_FALSE: _l("Mark false"), Action.MARK_VERIFIED: _l("Mark verified"),
    Action.ESCALATE: _l("Escalate"), Action.UNDO: _l("Undo"),
}
RESULT = {Action.APPROVE: PostStatus.APPROVED, Action.REJECT: PostStatus.REJECTED,
          Action.MARK_FALSE: PostStatus.MARKED_FALSE, Action.MARK_VERIFIED: PostStatus.VERIFIED}
AUDIT_ACTIONS = {Action.APPROVE: "post_approved", Action.REJECT: "post_rejected",
                 Action.MARK_FALSE: "post_marked_false", Action.MARK_VERIFIED: "post_marked_verified",
                 Action.ESCALATE: "post_escalated"}


def can_see_post(user: User, post: Post) -> bool:
    """Submitters see their own posts; reviewers see the posts of their subtree."""
    if post.submitted_by_id == user.id:
        return True
    return user.has_role(Role.REVIEWER) and (
        in_scope(user, post.unit) or in_scope(user, post.queue_unit))


def can_review(user: User, post: Post) -> bool:
    """Reviewers of the unit whose queue holds the cluster (its lead's queue unit)."""
    lead = clusters.lead_of(post.cluster)
    unit = lead.queue_unit if lead is not None and lead.queue_unit is not None else post.unit
    return can_review_unit(user, unit)


def _take_claim(cluster_id: int, user: User, now) -> bool:
    """The one conditional UPDATE: True when this user now holds the claim."""
    result = db.session.execute(
        update(Cluster)
        .where(Cluster.id == cluster_id, Cluster.status.in_(OPEN_STATUSES),
               or_(Cluster.claimed_by_id.is_(None), Cluster.claimed_until < now,
                   Cluster.claimed_by_id == user.id))
        .values(claimed_by_id=user.id, claimed_until=now + CLAIM_FOR,
                first_claimed_at=func.coalesce(Cluster.first_claimed_at, now))
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _seconds(start, end) -> int | None:
    return None if end is None else int((as_utc(end) - as_utc(start)).total_seconds())


def _conflict(cluster: Cluster) -> ServiceError:
    db.session.refresh(cluster)
    if cluster.status not in OPEN_STATUSES:
        return ServiceError(_("This item has already been decided."), None, "conflict")
    holder = cluster.claimed_by.full_name if cluster.claimed_by else "?"
    return ServiceError(_("%(name)s is reviewing this item; try again when the claim expires.",
                          name=holder), None, "conflict")


def claim(post: Post, user: User) -> Cluster:
    """Claim the post's cluster for 15 minutes (409 if someone else holds a live claim)."""
    now = utcnow()
    if not _take_claim(post.cluster_id, user, now):
        raise _conflict(post.cluster)
    cluster = post.cluster
    db.session.refresh(cluster)
    until = as_utc(cluster.claimed_until)
    audit("post_claimed", actor=user, target=post, unit=post.unit,
          summary=f"Nhận xử lý đến {until + VN_OFFSET:%H:%M} (giờ Việt Nam)",
          cluster_id=cluster.id, claimed_until=until.isoformat())
    return cluster


def release(post: Post, user: User) -> None:
    """Give a claim back before it expires."""
    db.session.execute(update(Cluster).where(Cluster.id == post.cluster_id,
                                             Cluster.claimed_by_id == user.id)
                       .values(claimed_by_id=None, claimed_until=None)
                       .execution_options(synchronize_session=False))
    audit("post_released", actor=user, target=post, unit=post.unit, cluster_id=post.cluster_id)


def decide(post: Post, user: User, action: str, reason: str, note: str = "",
           link: str | None = None) -> Decision:
    """Decide on the post's whole cluster; the reviewer must hold (or get) the claim."""
    check_reason(action, reason, note, link)
    now = utcnow()
    if not _take_claim(post.cluster_id, user, now):
        raise _conflict(post.cluster)
    cluster = db.session.get(Cluster, post.cluster_id, populate_existing=True)
    lead = clusters.lead_of(cluster) or post
    decision = Decision(post=post, cluster_id=cluster.id, reviewer=user,
                        unit_id=lead.queue_unit_id or post.unit_id, action=action, reason=reason,
                        note=note or "", link=link or None, scores=post.scores,
                        label_seen=post.label, model_version=post.model_version,
                        previous_status=cluster.status, created_at=now,
                        open_seconds=_seconds(cluster.created_at, now),
                        claim_seconds=_seconds(cluster.created_at, cluster.first_claimed_at))
    db.session.add(decision)
    db.session.flush()
    _record_applied(decision, cluster.id)
    if action == Action.ESCALATE:
        _escalate(cluster, lead, user)
    else:
        clusters.set_status(cluster, RESULT[action], decided=True)
    cluster.claimed_by_id = None
    cluster.claimed_until = None
    audit(AUDIT_ACTIONS[action], actor=user, target=post, unit=post.unit,
          summary=_decision_summary(action, reason), decision_id=decision.id,
          cluster_id=cluster.id, reason=reason, posts=cluster.size)
    db.session.flush()
    return decision


def check_reason(action: str, reason: str | None, note: str, link: str | None) -> None:
    """A decision's action, reason, note and link fit together; ServiceError on the field."""
    if action not in REASONS:
        raise ServiceError(_("Unknown action."), "action")
    if not reason:
        raise ServiceError(_("Choose a reason."), "reason")
    if reason not in REASONS[action]:
        raise ServiceError(_("This reason does not fit this action."), "reason")
    if action == Action.ESCALATE and not (note or "").strip():
        raise ServiceError(_("Say why you escalate (a note is required)."), "note")
    if action == Action.MARK_FALSE and not link:
        raise ServiceError(_("Give the link to the correction."), "link")
    if action == Action.MARK_VERIFIED and not link:
        raise ServiceError(_("Give the link to the source."), "link")


def _decision_summary(action: str, reason: str) -> str:
    """A line for the audit log; stored, so written in Vietnamese (the product's language)."""
    with force_locale("vi"):
        return f"{ACTION_LABELS[action]}: {REASONS[action].get(reason, reason)}"


def _record_applied(decision: Decision, cluster_id: int) -> None:
    """One row per post the decision touches, with its status before (for undo)."""
    db.session.execute(insert(DecisionPost).from_select(
        ["decision_id", "post_id", "previous_status"],
        select(literal(decision.id), Post.id, Post.status).where(Post.cluster_id == cluster_id)))


def _escalate(cluster: Cluster, lead: Post, user: User) -> None:
    parent = user.unit.parent
    if parent is None:
        raise ServiceError(_("There is no higher unit to escalate to."), "action")
    clusters.set_status(cluster, PostStatus.ESCALATED)
    lead.status = PostStatus.ESCALATED
    lead.queue_unit_id = parent.id
    clusters.refresh_lead(cluster, lead)


def undo(decision: Decision, user: User) -> Decision:
    """Reverse a decision within 10 minutes by adding a reversal record (nothing is deleted)."""
    now = utcnow()
    if decision.action == Action.UNDO:
        raise ServiceError(_("An undo cannot be undone; decide again instead."), None, "conflict")
    if decision.reviewer_id != user.id and not user.has_role(Role.ADMIN):
        raise ServiceError(_("Only the reviewer who decided can undo it."), None, "forbidden")
    if now - as_utc(decision.created_at) > UNDO_WITHIN:
        raise ServiceError(_("Decisions can only be undone within 10 minutes."), None, "conflict")
    cluster = db.session.get(Cluster, decision.cluster_id, with_for_update=True,
                             populate_existing=True)
    latest = effective_decision(cluster.id)
    if latest is None or latest.id != decision.id:
        raise ServiceError(_("This decision was already undone or a newer one replaced it."),
                           None, "conflict")
    reversal = Decision(post_id=decision.post_id, cluster_id=cluster.id, reviewer=user,
                        unit_id=decision.unit_id, action=Action.UNDO, reason=None,
                        scores=decision.scores, label_seen=decision.label_seen,
                        model_version=decision.model_version, previous_status=cluster.status,
                        reverses_id=decision.id, created_at=now)
    db.session.add(reversal)
    db.session.flush()
    _record_applied(reversal, cluster.id)
    _restore(decision, cluster, user, now)
    if decision.action == Action.APPROVE:
        _withdraw_stories(decision, user)
    audit("decision_undone", actor=user, target=decision.post, unit=decision.post.unit,
          summary="Hoàn tác: " + _decision_summary(decision.action, decision.reason),
          decision_id=decision.id, reversal_id=reversal.id, cluster_id=cluster.id)
    db.session.flush()
    return reversal


def _restore(decision: Decision, cluster: Cluster, user: User, now) -> None:
    """Put every post (still in the cluster) back as it was, and the item back in the queue."""
    applied = select(DecisionPost.post_id).where(DecisionPost.decision_id == decision.id)
    for previous in {row.previous_status for row in decision.applied}:
        ids = applied.where(DecisionPost.previous_status == previous)
        db.session.execute(update(Post).where(Post.id.in_(ids), Post.cluster_id == cluster.id)
                           .values(status=previous, decided_at=None, priority_key=None,
                                   queue_unit_id=None)
                           .execution_options(synchronize_session="fetch"))
    cluster.status = decision.previous_status
    if cluster.status in OPEN_STATUSES:
        lead = db.session.get(Post, decision.post_id)
        if lead.cluster_id != cluster.id:
            lead = clusters.best_post(cluster)
        clusters.make_lead(cluster, lead, decision.unit_id)
        cluster.claimed_by_id = user.id  # the reviewer who undid can decide again at once
        cluster.claimed_until = now + CLAIM_FOR


def _withdraw_stories(decision: Decision, user: User) -> None:
    """An approval undone: a story already published from one of its posts is withdrawn."""
    from feed.services import withdraw_for_post  # the feed builds on moderation, not the reverse

    posts = db.session.scalars(select(Post).join(
        DecisionPost, DecisionPost.post_id == Post.id).where(
        DecisionPost.decision_id == decision.id)).all()
    for post in posts:
        withdraw_for_post(post, user, "Hoàn tác quyết định thông qua bài gốc")


def detach(post: Post, user: User) -> Cluster:
    """Take a post out of its cluster: it becomes its own item, back in the queue."""
    old = db.session.get(Cluster, post.cluster_id, with_for_update=True, populate_existing=True)
    if old.size <= 1:
        raise ServiceError(_("This post is already alone in its cluster."), None, "conflict")
    was_lead = post.priority_key is not None
    queue_unit_id = post.queue_unit_id
    now = utcnow()
    new = Cluster(root_unit_id=old.root_unit_id, status=PostStatus.PENDING, queued_at=now,
                  size=0, groups=0, reach=0, max_harmful=0.0, max_unverified=0.0,
                  max_positive=0.0)
    db.session.add(new)
    post.cluster = new
    post.status = PostStatus.PENDING
    post.decided_at = None
    post.priority_key = None
    db.session.flush()
    clusters.recompute(new)
    clusters.recompute(old)
    clusters.make_lead(new, post)
    if was_lead and old.status in OPEN_STATUSES:
        clusters.make_lead(old, clusters.best_post(old), queue_unit_id)
    else:
        clusters.refresh_lead(old)
    audit("post_detached", actor=user, target=post, unit=post.unit,
          summary=f"Tách khỏi cụm #{old.id}", old_cluster_id=old.id,
          new_cluster_id=new.id)
    db.session.flush()
    return new
