"""Units, users, roles, API tokens and the audit log: what every job shares."""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db

# Vietnam keeps UTC+7 all year (no daylight saving): its dates and midnights are this far ahead.
VN_OFFSET = timedelta(hours=7)


def utcnow() -> datetime:
    """Timezone-aware now in UTC; every *_at column stores UTC."""
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC, so say so."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class UnitKind(enum.StrEnum):
    """The levels of the administrative and party tree."""

    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"
    PARTY_CELL = "party_cell"
    VILLAGE = "village"
    AGENCY = "agency"


class Role(enum.StrEnum):
    """Roles; each is valid on the user's unit and everything below it."""

    MEMBER = "member"
    REVIEWER = "reviewer"
    UNIT_ADMIN = "unit_admin"
    ADMIN = "admin"


class Unit(db.Model):
    """A node of the unit tree; `path` (materialised ids, e.g. '/1/4/9/') makes subtrees one query."""

    __tablename__ = "units"
    __table_args__ = (
        Index("ix_units_path_prefix", "path", postgresql_ops={"path": "text_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(512), default="")
    depth: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.name")

    def contains(self, other: Unit | None) -> bool:
        """True when `other` is this unit or lies below it."""
        return other is not None and other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class User(UserMixin, db.Model):
    """Someone who logs in; belongs to one unit and holds roles over its subtree."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    @property
    def roles(self) -> set[str]:
        """The role names this user holds."""
        return {row.role for row in self.role_rows}

    def has_role(self, role: str) -> bool:
        """Admins hold every role; others hold exactly the roles granted."""
        return role in self.roles or Role.ADMIN in self.roles

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class UserRole(db.Model):
    """One role granted to one user."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class AuditEntry(db.Model):
    """One line of the append-only audit log."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_unit_id_created_at", "unit_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    ip: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()
    unit: Mapped[Unit | None] = relationship()


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an append-only row."""


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _audit_is_append_only(_mapper, _connection, target):
    raise AppendOnlyError(f"audit_log rows are append-only (id={target.id})")
