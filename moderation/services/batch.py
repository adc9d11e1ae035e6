"""Acting on many queue items at once: claim, release, or decide them with one reason.

Each item goes through the same service as one at a time (`review.claim`, `review.release`,
`review.decide`), in a savepoint of its own: every post gets its own decision and audit entry
and can be undone alone, and an item that cannot be acted on — out of the reviewer's scope,
claimed by someone else, already decided (a copy of one decided just before) — is skipped and
listed with the reason, while the others go ahead."""

from __future__ import annotations

from flask_babel import gettext as _

from core.extensions import db
from core.models import User, as_utc, utcnow
from core.services import ServiceError
from moderation.models import OPEN_STATUSES, Action, Decision, Post
from moderation.services import review

MAX_ITEMS = 100
ACTIONS = ("claim", "release", Action.APPROVE, Action.REJECT, Action.MARK_FALSE,
           Action.MARK_VERIFIED, Action.ESCALATE)


def _why(post: Post, user: User) -> tuple[str, str]:
    """Why an item was not acted on: a short code and the sentence a reviewer reads."""
    cluster = post.cluster
    db.session.refresh(cluster)
    if cluster.status not in OPEN_STATUSES:
        return "decided", _("This item has already been decided.")
    live = cluster.claimed_until is not None and as_utc(cluster.claimed_until) > utcnow()
    if live and cluster.claimed_by_id != user.id:
        name = cluster.claimed_by.full_name if cluster.claimed_by else "?"
        return "claimed", _("%(name)s is reviewing this item.", name=name)
    return "not_claimed", _("You do not hold the claim on this item.")


def _one(post: Post, user: User, action: str, reason, note, link) -> Decision | None:
    if action == "claim":
        review.claim(post, user)
        return None
    if action == "release":
        cluster = post.cluster
        live = cluster.claimed_until is not None and as_utc(cluster.claimed_until) > utcnow()
        if not live or cluster.claimed_by_id != user.id:
            raise ServiceError(_("You do not hold the claim on this item."), None, "conflict")
        review.release(post, user)
        return None
    return review.decide(post, user, action, reason, note, link)


def apply(user: User, ids: list[int], action: str, reason: str | None = None, note: str = "",
          link: str | None = None) -> tuple[list[int], list[dict], list[Decision]]:
    """Act on each item; (ids done, [{id, why, message}] skipped, the decisions made).
    Flushes; the caller commits, then runs what follows each decision."""
    if action not in ACTIONS:
        raise ServiceError(_("Unknown action."), "action")
    if action not in ("claim", "release"):
        review.check_reason(action, reason, note, link)  # one bad reason refuses the whole batch
    done, skipped, decisions = [], [], []
    for post_id in list(dict.fromkeys(ids))[:MAX_ITEMS]:
        post = db.session.get(Post, post_id)
        if post is None or not review.can_review(user, post):
            skipped.append({"id": post_id, "why": "not_found",
                            "message": _("No such item in your queue.")})
            continue
        try:
            with db.session.begin_nested():
                decision = _one(post, user, action, reason, note, link)
        except ServiceError as error:
            why, message = _why(post, user) if error.code == "conflict" else (
                "invalid", error.message)
            skipped.append({"id": post_id, "why": why, "message": message})
            continue
        done.append(post_id)
        if decision is not None:
            decisions.append(decision)
    return done, skipped, decisions
