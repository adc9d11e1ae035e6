"""Unit tree, users, API tokens and audit: the shared logic. Services add and flush; callers commit."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from core.extensions import db
from core.models import (
    VN_OFFSET,
    ApiToken,
    AuditEntry,
    Role,
    Unit,
    UnitKind,
    User,
    UserRole,
    as_utc,
    utcnow,
)

TOKEN_PREFIX = "cd_"


class ServiceError(ValueError):
    """A rule of the domain was broken; the message is shown to the user as is."""

    def __init__(self, message: str, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


def get_unit(code: str) -> Unit | None:
    """The unit with this code, or None."""
    return db.session.scalar(select(Unit).where(Unit.code == code.strip().lower()))


def create_unit(code: str, name: str, kind: str, parent: Unit | None = None) -> Unit:
    """Add a unit under `parent` and give it its materialised path."""
    code = code.strip().lower()
    if kind not in set(UnitKind):
        raise ServiceError(f"Loại đơn vị không hợp lệ: {kind}", "kind")
    if get_unit(code) is not None:
        raise ServiceError(f"Mã đơn vị đã tồn tại: {code}", "code", "conflict")
    unit = Unit(code=code, name=name.strip(), kind=kind, parent=parent)
    db.session.add(unit)
    db.session.flush()  # the id is part of the path
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    unit.depth = parent.depth + 1 if parent else 0
    db.session.flush()
    return unit


def hash_password(password: str) -> str:
    """Salted scrypt hash (werkzeug's default method)."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


def get_user(username: str) -> User | None:
    """The user with this username (case-insensitive), or None."""
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))


def create_user(username: str, password: str, unit: Unit, roles: list[str],
                full_name: str = "") -> User:
    """Add a user with the given roles on `unit`'s subtree."""
    username = username.strip().lower()
    if get_user(username) is not None:
        raise ServiceError(f"Tên đăng nhập đã tồn tại: {username}", "username", "conflict")
    if len(password) < 8:
        raise ServiceError("Mật khẩu phải có ít nhất 8 ký tự.", "password")
    unknown = set(roles) - set(Role)
    if unknown or not roles:
        raise ServiceError(f"Vai trò không hợp lệ: {', '.join(sorted(unknown)) or '(trống)'}", "role")
    user = User(username=username, password_hash=hash_password(password), unit=unit,
                full_name=full_name.strip() or username)
    user.role_rows = [UserRole(role=r) for r in dict.fromkeys(roles)]
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(username: str, password: str) -> User | None:
    """The active user matching these credentials, or None (same answer for every failure)."""
    user = get_user(username or "")
    if user is None or not user.active:
        # Spend the same time as a real check so timing does not reveal usernames.
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    return user if check_password_hash(user.password_hash, password or "") else None


_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Make a bearer token; returns the row and the plain token, which is never stored."""
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    days = current_app.config["API_TOKEN_DAYS"] if days is None else days
    token = ApiToken(user=user, name=(name or "API").strip()[:100], token_hash=_digest(plain),
                     prefix=plain[:10], expires_at=utcnow() + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    return token, plain


@functools.cache
def _token_user_query():
    """The token look-up, built once: every API call runs it, and building the statement and
    its cache key cost more than the database spends on it."""
    # One round trip loads the user, their unit and roles, and the token's checks run in SQL
    # (loading the token as an object too costs a third more).
    return (
        select(User, ApiToken.id, ApiToken.last_used_at)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None),
               or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > bindparam("now")),
               User.active.is_(True))
        .options(joinedload(User.unit), joinedload(User.role_rows))
    )


def user_for_token(plain: str) -> User | None:
    """The active user owning a live (not revoked, not expired) token, else None."""
    now = utcnow()
    row = db.session.execute(_token_user_query(), {"token_hash": _digest(plain), "now": now}
                             ).unique().one_or_none()
    if row is None:
        return None
    user, token_id, last_used_at = row
    # Note the use at most once a minute (a write on every API call would cost each request),
    # committed at once since a read-only request never commits. Authentication is the
    # request's first use of the session, so nothing else is committed with it; a second
    # connection instead would deadlock a pool that threads have drained.
    if last_used_at is None or as_utc(last_used_at) < now - timedelta(minutes=1):
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id)
                           .values(last_used_at=now)
                           .execution_options(synchronize_session=False))
        db.session.commit()
    return user


def revoke_token(token: ApiToken) -> None:
    """Mark a token revoked; it stops working at once."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()


def audit(action: str, actor: User | None = None, target=None, unit: Unit | int | None = None,
          summary: str = "", **details) -> AuditEntry:
    """Append one entry to the audit log (inside the caller's transaction)."""
    entry = AuditEntry(
        action=action, actor_id=actor.id if actor else None, summary=summary, details=details,
        target_type=type(target).__name__.lower() if target is not None else None,
        target_id=str(target.id) if target is not None and getattr(target, "id", None) else None,
        unit_id=unit.id if isinstance(unit, Unit) else unit,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry


def audit_query(user: User, within: Unit | None = None, actor: str | None = None,
                action: str | None = None, date_from=None, date_to=None):
    """Audit entries of the user's subtree (and `within`), newest first, filtered."""
    from core.scoping import scoped

    stmt = scoped(select(AuditEntry), AuditEntry.unit_id, user, within=within)
    if actor:
        stmt = stmt.join(User, AuditEntry.actor_id == User.id).where(
            User.username == actor.strip().lower())
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if date_from:
        stmt = stmt.where(AuditEntry.created_at >= _vn_day_start(date_from))
    if date_to:
        stmt = stmt.where(AuditEntry.created_at < _vn_day_start(date_to + timedelta(days=1)))
    return stmt.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def _vn_day_start(day):
    """Midnight in Vietnam (UTC+7, no daylight saving) as a UTC moment."""
    from datetime import UTC, datetime, time

    return (datetime.combine(day, time.min) - VN_OFFSET).replace(tzinfo=UTC)


def audit_actions() -> list[str]:
    """The distinct action names, for the filter's drop-down."""
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def ancestors(unit: Unit) -> list[Unit]:
    """The units above `unit`, root first (read from its path: one query)."""
    ids = [int(part) for part in unit.path.strip("/").split("/")[:-1] if part]
    if not ids:
        return []
    return list(db.session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.depth)))
