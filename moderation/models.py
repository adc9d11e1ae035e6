"""Moderation: posts, near-duplicate clusters and their band index, decisions, images, webhooks.

The queue is a set of post rows: each open cluster has one *lead* post whose `priority_key`
is set (every other post has NULL there), so the queue is one indexed range over `posts`.
`priority_key` folds the waiting-time term into a constant (see moderation.priority), so
sorting by it never needs the current time and never scans the table.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import AppendOnlyError, Unit, User, utcnow
from core.search import Searchable, searchable
from registry.models import Account


class PostStatus(enum.StrEnum):
    """Where a post stands; every post of a cluster shares its cluster's status."""

    PENDING = "pending"          # in the review queue
    ESCALATED = "escalated"      # in the parent unit's review queue
    CLEARED = "cleared"          # not flagged by the model: searchable, not queued
    APPROVED = "approved"
    REJECTED = "rejected"
    MARKED_FALSE = "marked_false"
    VERIFIED = "verified"


OPEN_STATUSES = (PostStatus.PENDING, PostStatus.ESCALATED)
DECIDED_STATUSES = (PostStatus.APPROVED, PostStatus.REJECTED, PostStatus.MARKED_FALSE,
                    PostStatus.VERIFIED)


class Label(enum.StrEnum):
    """The classifier's top label."""

    HARMFUL = "harmful"
    UNVERIFIED = "unverified"
    POSITIVE = "positive"
    NEUTRAL = "neutral"


class Channel(enum.StrEnum):
    """How a post came in."""

    FORM = "form"
    API = "api"
    IMPORT = "import"
    WEBHOOK = "webhook"
    ZALO = "zalo"


class Route(enum.StrEnum):
    """Why intake put the post where it is."""

    FLAGGED = "flagged"      # harmful or unverified above threshold
    STORY = "story"          # positive above threshold, not harmful: a story candidate
    SAMPLE = "sample"        # not flagged, in the uniform slice: flag precision and miss rate
    UNCERTAIN = "uncertain"  # not flagged but close to a threshold: the model is least sure
    CLEAN = "clean"          # cleared
    INHERITED = "inherited"  # joined a cluster that was already decided
    UNSCORED = "unscored"    # no model was active: a person looks at it


class SourceCheck(enum.StrEnum):
    """What the domain of the post's source URL says."""

    OFFICIAL = "official"
    UNRELIABLE = "unreliable"
    UNKNOWN = "unknown"
    NONE = "none"


class Action(enum.StrEnum):
    """Reviewer decisions, and the reversal of one."""

    APPROVE = "approve"
    REJECT = "reject"
    MARK_FALSE = "mark_false"
    MARK_VERIFIED = "mark_verified"
    ESCALATE = "escalate"
    UNDO = "undo"


class RejectReason(enum.StrEnum):
    """Why a post is harmful."""

    VULGAR = "vulgar"
    HATE = "hate"
    INCITEMENT = "incitement"
    SCAM = "scam"
    FALSE_INFO = "false_info"
    OTHER = "other"


class Cluster(db.Model):
    """Near-duplicate copies of one post within one review root (a commune, usually).

    Clusters never cross review roots, so a cluster's size, groups and decision are all
    inside one commune's scope and nothing leaks to a neighbour.
    """

    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    root_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=PostStatus.CLEARED)
    size: Mapped[int] = mapped_column(default=0)
    groups: Mapped[int] = mapped_column(default=0)  # distinct registry accounts seen in
    reach: Mapped[int] = mapped_column(default=0)  # sum of their member counts
    max_harmful: Mapped[float] = mapped_column(Float, default=0.0)
    max_unverified: Mapped[float] = mapped_column(Float, default=0.0)
    max_positive: Mapped[float] = mapped_column(Float, default=0.0)
    queued_at: Mapped[datetime | None]  # when it (last) entered the queue
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_until: Mapped[datetime | None]
    first_claimed_at: Mapped[datetime | None]  # when a reviewer first took it up (stats)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    root_unit: Mapped[Unit] = relationship()
    claimed_by: Mapped[User | None] = relationship()


# The rows a queue index holds: a cluster's lead while the cluster is open (see Post).
QUEUED_ONLY = {"postgresql_where": text("priority_key IS NOT NULL"),
               "sqlite_where": text("priority_key IS NOT NULL")}


@searchable
class Post(Searchable, db.Model):
    """A post seen in a group or account, as submitted, with what intake found."""

    __tablename__ = "posts"
    __search_fields__ = ("text", "author", "url")
    __search_scope__ = "unit_path"
    __table_args__ = (
        # The queue: lead rows only (priority_key IS NOT NULL), by tab, in priority order.
        # Partial: a queue is a few percent of the posts, so its indexes stay small to scan
        # (counting a province's queue read the entries of every post) and a post that is not
        # queued writes none of them. The label in the unit index lets a tab's total be
        # counted from the index alone.
        Index("ix_posts_queue", "priority_key", **QUEUED_ONLY),
        Index("ix_posts_queue_label", "label", "priority_key", **QUEUED_ONLY),
        Index("ix_posts_queue_unit", "queue_unit_id", "label", "priority_key", **QUEUED_ONLY),
        Index("ix_posts_queue_status", "status", "priority_key", **QUEUED_ONLY),
        Index("ix_posts_unit_id_created_at", "unit_id", "created_at"),
        Index("ix_posts_status_decided_at", "status", "decided_at"),
        Index("ix_posts_account_id_status_decided_at", "account_id", "status", "decided_at"),
        Index("ix_posts_submitted_by_id_created_at", "submitted_by_id", "created_at"),
        # Search lists matches newest first: for a common word, walking this index back and
        # checking each post's stored vector finds a page long before sorting every match.
        Index("ix_posts_created_at", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    # The unit's path ('/1/4/9/'; units never move): PostgreSQL's search vector holds it, so a
    # commune's search intersects index entries instead of filtering (core.search).
    unit_path: Mapped[str] = mapped_column(String(512), default="", server_default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(10), default=Channel.FORM)
    reporter: Mapped[str] = mapped_column(String(200), default="")  # webhook: the chat user
    text: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2000))
    source_domain: Mapped[str | None] = mapped_column(String(255))
    source_check: Mapped[str] = mapped_column(String(12), default=SourceCheck.NONE)
    platform: Mapped[str | None] = mapped_column(String(20))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    author: Mapped[str] = mapped_column(String(200), default="")
    seen_at: Mapped[datetime | None]

    label: Mapped[str] = mapped_column(String(12), default=Label.NEUTRAL)
    score_harmful: Mapped[float] = mapped_column(Float, default=0.0)
    score_unverified: Mapped[float] = mapped_column(Float, default=0.0)
    score_positive: Mapped[float] = mapped_column(Float, default=0.0)
    explanation: Mapped[list] = mapped_column(JSON, default=list)
    model_version: Mapped[str | None] = mapped_column(String(100))

    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), index=True)
    minhash: Mapped[bytes] = mapped_column(LargeBinary)  # the near-duplicate signature
    shingle_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default=PostStatus.CLEARED)
    route: Mapped[str] = mapped_column(String(12), default=Route.CLEAN)
    # Set on the cluster's lead post while the cluster is open; NULL on every other row.
    priority_key: Mapped[float | None] = mapped_column(Float)
    queue_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    queue_unit: Mapped[Unit | None] = relationship(foreign_keys=[queue_unit_id])
    submitted_by: Mapped[User | None] = relationship()
    account: Mapped[Account | None] = relationship()
    cluster: Mapped[Cluster] = relationship()
    images: Mapped[list[PostImage]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="PostImage.position")

    @property
    def scores(self) -> dict:
        """The three heads' probabilities, as the API shows them."""
        return {"harmful": self.score_harmful, "unverified": self.score_unverified,
                "positive": self.score_positive}


class PostBand(db.Model):
    """One index key of one post: the index that finds near-duplicates without a scan.

    `band_key` hashes the review root with one MinHash band (its number and values), or for a
    short text with its exact words (see moderation.neardup), so one indexed equality look-up
    per key returns only candidates of the same root.
    """

    __tablename__ = "post_bands"

    band_key: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                         primary_key=True)


class PostImage(db.Model):
    """An image attached to a post, re-encoded without EXIF under a random name."""

    __tablename__ = "post_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    post: Mapped[Post] = relationship(back_populates="images")


class Decision(db.Model):
    """A reviewer's decision on a cluster, or the reversal of one (append-only)."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_reviewer_id_created_at", "reviewer_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("clusters.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # whose queue it was decided in
    action: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(2000))  # correction (mark_false) or source
    # how long the item waited: from its cluster's first copy to this decision (the deadline)
    open_seconds: Mapped[int | None]
    # how long it waited for a reviewer: from the first copy to the cluster's first claim
    claim_seconds: Mapped[int | None]
    # What the reviewer saw: the scores, top label and model version of the decided post.
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    label_seen: Mapped[str] = mapped_column(String(12), default=Label.NEUTRAL)
    model_version: Mapped[str | None] = mapped_column(String(100))
    previous_status: Mapped[str] = mapped_column(String(16))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    post: Mapped[Post] = relationship()
    reviewer: Mapped[User] = relationship()
    unit: Mapped[Unit] = relationship()
    reverses: Mapped[Decision | None] = relationship(remote_side=[id], foreign_keys=[reverses_id])
    applied: Mapped[list[DecisionPost]] = relationship(back_populates="decision",
                                                       cascade="all, delete-orphan")


class DecisionPost(db.Model):
    """One post a decision applied to, with its status before (so an undo can restore it)."""

    __tablename__ = "decision_posts"

    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"),
                                             primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                         primary_key=True, index=True)
    previous_status: Mapped[str] = mapped_column(String(16))

    decision: Mapped[Decision] = relationship(back_populates="applied")


class WebhookDelivery(db.Model):
    """A webhook call already accepted: a second one with the same signature is a replay."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("signature"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    signature: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))


@event.listens_for(Decision, "before_update")
@event.listens_for(Decision, "before_delete")
def _decisions_are_append_only(_mapper, _connection, target):
    raise AppendOnlyError(f"decisions rows are append-only (id={target.id})")
