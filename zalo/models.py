"""A commune's Zalo Official Account (its keys kept encrypted) and every event Zalo sent it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import Unit, User, utcnow
from moderation.models import Post
from registry.models import Account


class ZaloLink(db.Model):
    """An OA linked to a unit. The secret key and the tokens are stored encrypted
    (zalo.secrets); `user` is the service account its posts are submitted as."""

    __tablename__ = "zalo_links"
    __table_args__ = (UniqueConstraint("app_id", "oa_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    app_id: Mapped[str] = mapped_column(String(40))
    oa_id: Mapped[str] = mapped_column(String(40))
    secret_key: Mapped[str] = mapped_column(Text)
    access_token: Mapped[str | None] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    # the commune's own wording of the OA's messages, by kind (zalo.messages.KINDS)
    templates: Mapped[dict] = mapped_column(JSON, default=dict)
    digest_period: Mapped[str] = mapped_column(String(8), default="off")  # off|daily|weekly
    digest_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship()
    user: Mapped[User] = relationship()


class EventState(enum.StrEnum):
    QUEUED = "queued"     # accepted, its job not run yet
    DONE = "done"         # a post was written, or a follower recorded
    IGNORED = "ignored"   # an event name we do not handle
    REFUSED = "refused"   # a kind of message we do not take (a file), or an unusable one
    FAILED = "failed"


class ZaloEvent(db.Model):
    """One accepted webhook call. `key` is the message's msg_id (or, for events without a
    message, a hash of the body): unique, so a replayed call is refused."""

    __tablename__ = "zalo_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("zalo_links.id"), index=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    sender_id: Mapped[str] = mapped_column(String(60), default="")
    body: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(12), default=EventState.QUEUED)
    note: Mapped[str] = mapped_column(Text, default="")
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    link: Mapped[ZaloLink] = relationship()
    post: Mapped[Post | None] = relationship()


class ZaloFollower(db.Model):
    """Who follows the OA (follow/unfollow events), by the id Zalo gives them for this app."""

    __tablename__ = "zalo_followers"
    __table_args__ = (UniqueConstraint("link_id", "zalo_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("zalo_links.id"))
    zalo_user_id: Mapped[str] = mapped_column(String(60))
    following: Mapped[bool] = mapped_column(default=True)
    # the declared registry Zalo account this follower is (zalo.senders), when known
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    digest: Mapped[bool] = mapped_column(default=False)  # opted in to the official digest
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    account: Mapped[Account | None] = relationship()


class MessageState(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class ZaloMessage(db.Model):
    """One message the OA sends a follower about a post (its acknowledgement, the verdict),
    with Zalo's answer: every send and its result is kept."""

    __tablename__ = "zalo_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("zalo_links.id"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), index=True)
    zalo_user_id: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(12))  # ack | verdict | story | digest | notice
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default=MessageState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    error_code: Mapped[int | None]
    answer: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    link: Mapped[ZaloLink] = relationship()
