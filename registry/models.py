"""The registry: officials on a unit's roster, the accounts they declare, and their history."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.i18n import NAME_KEY_LENGTH, vn_name_key
from core.models import AppendOnlyError, Unit, User, as_utc, utcnow
from core.search import Searchable, searchable

RECONFIRM_AFTER = timedelta(days=180)


class Platform(enum.StrEnum):
    FACEBOOK = "facebook"
    ZALO = "zalo"
    TIKTOK = "tiktok"
    YOUTUBE = "youtube"
    X = "x"
    INSTAGRAM = "instagram"
    TELEGRAM = "telegram"
    OTHER = "other"


class AccountKind(enum.StrEnum):
    PERSONAL = "personal"
    PAGE = "page"
    GROUP = "group"
    CHANNEL = "channel"
    OFFICIAL_ACCOUNT = "official_account"


# Groups and channels may have several declarants (co-admins); the rest belong to one person.
SHARED_KINDS = {AccountKind.GROUP, AccountKind.CHANNEL}
# What /verify may reveal: never personal accounts (and never phone numbers).
PUBLIC_KINDS = {AccountKind.PAGE, AccountKind.OFFICIAL_ACCOUNT, AccountKind.GROUP,
                AccountKind.CHANNEL}


class DeclarantRole(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class AccountStatus(enum.StrEnum):
    DECLARED = "declared"
    VERIFIED = "verified"
    REJECTED = "rejected"
    RETIRED = "retired"


ACTIVE_STATUSES = {AccountStatus.DECLARED, AccountStatus.VERIFIED}


@searchable
class Official(Searchable, db.Model):
    """A person on a unit's roster; may or may not have a login."""

    __tablename__ = "officials"
    __search_fields__ = ("full_name", "position")
    # Coverage reads only this index (an index-only scan on PostgreSQL), never the accounts.
    __table_args__ = (
        Index("ix_officials_coverage", "unit_id", "active", "accounts_active",
              "verified_newest_at", "verified_oldest_at"),
        Index("ix_officials_roster", "unit_id", "sort_name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200), default="")
    party_member: Mapped[bool] = mapped_column(default=False)
    phone: Mapped[str | None] = mapped_column(String(20))  # sensitive: +84… form
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Derived from the accounts by registry.services.stats.refresh (never edited by hand), so
    # coverage of a province is one pass over officials instead of a join of millions of accounts:
    # active declarations, and the newest / oldest confirmation among verified ones.
    accounts_active: Mapped[int] = mapped_column(default=0, server_default="0")
    verified_newest_at: Mapped[datetime | None]
    verified_oldest_at: Mapped[datetime | None]

    # Vietnamese order of names (core.i18n.vn_name_key), kept by the event below, so rosters
    # sort and paginate in the database; a binary collation on PostgreSQL whatever its locale.
    sort_name: Mapped[str] = mapped_column(
        String(NAME_KEY_LENGTH).with_variant(String(NAME_KEY_LENGTH, collation="C"), "postgresql"),
        default="", server_default="")

    unit: Mapped[Unit] = relationship()
    user: Mapped[User | None] = relationship()


@event.listens_for(Official.full_name, "set")
def _keep_sort_name(target: Official, value: str, _old, _initiator) -> None:
    target.sort_name = vn_name_key(value)


@searchable
class Account(Searchable, db.Model):
    """One social account or group, identified by (platform, canonical_id)."""

    __tablename__ = "accounts"
    __search_fields__ = ("display_name", "canonical_id", "identifier", "url", "platform")
    __table_args__ = (
        UniqueConstraint("platform", "canonical_id"),
        Index("ix_accounts_unit_id_status", "unit_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    canonical_id: Mapped[str] = mapped_column(String(255))
    identifier: Mapped[str] = mapped_column(String(500))  # as first typed
    url: Mapped[str | None] = mapped_column(String(500))  # canonical link, if it has one
    display_name: Mapped[str] = mapped_column(String(200), default="")
    member_count: Mapped[int | None]
    purpose: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool | None]
    status: Mapped[str] = mapped_column(String(20), default=AccountStatus.DECLARED)
    # The primary declarant and their unit (the unit decides who may see and verify it).
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]  # last verification or re-confirmation
    reject_reason: Mapped[str | None] = mapped_column(Text)
    retired_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    official: Mapped[Official] = relationship()
    unit: Mapped[Unit] = relationship()
    declared_by: Mapped[User | None] = relationship(foreign_keys=[declared_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    declarants: Mapped[list[AccountDeclarant]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="AccountDeclarant.created_at")
    # Written through this list so a batch of declarations is inserted in one flush.
    events: Mapped[list[AccountEvent]] = relationship(
        order_by="AccountEvent.id", passive_deletes=True, cascade="save-update, merge")

    def is_overdue(self, now: datetime | None = None) -> bool:
        """Verified, but not re-confirmed within 180 days."""
        if self.status != AccountStatus.VERIFIED or self.confirmed_at is None:
            return False
        return as_utc(self.confirmed_at) + RECONFIRM_AFTER < (now or utcnow())


class AccountDeclarant(db.Model):
    """One official's declared role in an account (co-admins of a group each have a row)."""

    __tablename__ = "account_declarants"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id"), primary_key=True,
                                             index=True)
    role: Mapped[str] = mapped_column(String(20), default=DeclarantRole.OWNER)
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[Account] = relationship(back_populates="declarants")
    official: Mapped[Official] = relationship()


class AccountEvent(db.Model):
    """Append-only history of an account: who changed what, from what, to what."""

    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()


@event.listens_for(AccountEvent, "before_update")
@event.listens_for(AccountEvent, "before_delete")
def _history_is_append_only(_mapper, _connection, target):
    raise AppendOnlyError(f"account_events rows are append-only (id={target.id})")
