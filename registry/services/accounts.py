"""Declarations: declare, co-declare, edit, retire, verify or reject, each change in the history."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from core.extensions import db
from core.models import Role, Unit, User, as_utc, utcnow
from core.scoping import scoped
from core.services import ServiceError, audit
from registry import permissions
from registry.identity import Identity
from registry.models import (
    ACTIVE_STATUSES,
    RECONFIRM_AFTER,
    SHARED_KINDS,
    Account,
    AccountDeclarant,
    AccountEvent,
    AccountStatus,
    DeclarantRole,
    Official,
)
from registry.services import stats

DETAILS = ("display_name", "member_count", "public", "purpose")
# Changing what the public sees (name, public flag) needs a new verification.
REVERIFY_ON = ("display_name", "public")


class DeclarationConflict(ServiceError):
    """The account is already someone's (HTTP 409); `account` is the existing row."""

    def __init__(self, message: str, account: Account):
        super().__init__(message, "identifier", "conflict")
        self.account = account


def snapshot(account: Account) -> dict:
    """What the history shows before and after a change."""
    return {"status": account.status, "display_name": account.display_name,
            "member_count": account.member_count, "public": account.public,
            "purpose": account.purpose, "official": account.official.full_name
            if account.official else None}


def record(account: Account, actor: User | None, action: str, before: dict | None = None,
           after: dict | None = None, note: str = "") -> AccountEvent:
    """Append one line to the account's history, keeping only what changed."""
    before, after = before or {}, after or {}
    keys = [k for k in after if before.get(k) != after.get(k)] if before else list(after)
    event = AccountEvent(actor_id=actor.id if actor else None, action=action,
                         before={k: before.get(k) for k in keys if k in before},
                         after={k: after[k] for k in keys}, note=note)
    account.events.append(event)
    return event


def find_account(identity: Identity) -> Account | None:
    """The account with this canonical identity, whatever its status."""
    return db.session.scalar(select(Account).where(
        Account.platform == identity.platform, Account.canonical_id == identity.canonical_id))


def declare(actor: User | None, official: Official, identity: Identity, data: dict):
    """Declare an account for `official`. Returns (account, outcome) where outcome is
    "created", "co_declared" (a shared group/channel) or "redeclared" (a retired one reused)."""
    account, outcome = apply_declaration(actor, official, identity, data, find_account(identity))
    db.session.flush()
    audit("account_declared", actor=actor, target=account, unit=official.unit,
          summary=f"{account.platform}: {account.display_name or account.kind}",
          outcome=outcome, official_id=official.id)
    stats.refresh([official.id])
    return account, outcome


def apply_declaration(actor, official: Official, identity: Identity, data: dict,
                      existing: Account | None):
    """The declaration itself, without audit or stats (the import batches those)."""
    role = data.get("role") or DeclarantRole.OWNER
    if existing is None:
        return _create(actor, official, identity, data, role), "created"
    if existing.status in ACTIVE_STATUSES:
        _co_declare_or_conflict(actor, existing, official, role)
        return existing, "co_declared"
    _redeclare(actor, existing, official, identity, data, role)
    return existing, "redeclared"


def _create(actor, official, identity, data, role) -> Account:
    account = Account(platform=identity.platform, canonical_id=identity.canonical_id,
                      kind=data.get("kind") or identity.kind, url=identity.url,
                      identifier=data.get("identifier") or identity.canonical_id,
                      official=official, unit_id=official.unit_id,
                      declared_by_id=actor.id if actor else None,
                      status=AccountStatus.DECLARED,
                      **{key: data[key] for key in DETAILS if data.get(key) is not None})
    account.declarants.append(AccountDeclarant(official=official, role=role,
                                                declared_by_id=actor.id if actor else None))
    db.session.add(account)
    record(account, actor, "declared", after={**snapshot(account), "role": role})
    return account


def _co_declare_or_conflict(actor, account, official, role) -> None:
    if any(row.official is official for row in account.declarants):
        raise DeclarationConflict(_("This account is already declared for %(name)s.",
                                    name=official.full_name), account)
    if account.kind not in SHARED_KINDS:
        raise DeclarationConflict(conflict_message(actor, account), account)
    account.declarants.append(AccountDeclarant(official=official, role=role,
                                                declared_by_id=actor.id if actor else None))
    record(account, actor, "co_declared", after={"declarant": official.full_name, "role": role})


def conflict_message(actor: User | None, account: Account) -> str:
    """Name the other declarant only to someone allowed to see that person."""
    owner = account.official
    if actor is None or permissions.can_view_official(actor, owner):  # None: the CLI operator
        return _("This account is already declared by %(name)s (%(unit)s).",
                 name=owner.full_name, unit=owner.unit.name)
    return _("This account is already declared by someone else. If it is yours, ask your "
             "unit administrator.")


def _redeclare(actor, account, official, identity, data, role) -> None:
    before = snapshot(account)
    former = _declarant_ids(account)
    for row in list(account.declarants):
        account.declarants.remove(row)
    db.session.flush()
    account.official, account.unit_id = official, official.unit_id
    account.kind = data.get("kind") or identity.kind
    account.identifier = data.get("identifier") or account.identifier
    account.status = AccountStatus.DECLARED
    account.declared_by_id = actor.id if actor else None
    account.verified_by_id = account.verified_at = account.confirmed_at = None
    account.reject_reason = account.retired_at = None
    for key in DETAILS:
        if data.get(key) is not None:
            setattr(account, key, data[key])
    account.declarants.append(AccountDeclarant(official=official, role=role,
                                                declared_by_id=actor.id if actor else None))
    db.session.flush()
    record(account, actor, "redeclared", before, {**snapshot(account), "role": role})
    stats.refresh(former)


def edit(actor: User, account: Account, data: dict, official: Official | None = None) -> Account:
    """Change the details of a declaration (and the role of `official` in it)."""
    before = snapshot(account)
    for key in DETAILS:
        if key in data:
            setattr(account, key, data[key])
    if "role" in data and official is not None:
        for row in account.declarants:
            if row.official_id == official.id and row.role != data["role"]:
                record(account, actor, "role_changed", {"role": row.role}, {"role": data["role"]},
                       note=official.full_name)
                row.role = data["role"]
    after = snapshot(account)
    public_change = any(before[key] != after[key] for key in REVERIFY_ON)
    if account.status == AccountStatus.REJECTED or (
            account.status == AccountStatus.VERIFIED and public_change):
        account.status, account.reject_reason = AccountStatus.DECLARED, None
        after = snapshot(account)
    if before != after:
        db.session.flush()
        record(account, actor, "edited", before, after)
        audit("account_edited", actor=actor, target=account, unit=account.unit)
    stats.refresh(_declarant_ids(account))
    return account


def retire(actor: User, account: Account, official: Official | None = None) -> Account:
    """Stop using an account; a co-declarant leaving a shared group leaves it to the others."""
    if account.status == AccountStatus.RETIRED:
        raise ServiceError(_("This declaration is already retired."), "status", "conflict")
    declarants = _declarant_ids(account)
    leaving = [r for r in account.declarants
               if official is not None and r.official_id == official.id]
    if leaving and len(account.declarants) > 1:
        _leave(actor, account, leaving[0])
    else:
        before = snapshot(account)
        account.status, account.retired_at = AccountStatus.RETIRED, utcnow()
        db.session.flush()
        record(account, actor, "retired", before, snapshot(account))
    audit("account_retired", actor=actor, target=account, unit=account.unit)
    stats.refresh(declarants)
    return account


def _leave(actor, account, row) -> None:
    name = row.official.full_name
    account.declarants.remove(row)
    db.session.flush()
    if account.official_id == row.official_id:
        heir = account.declarants[0].official
        account.official, account.unit_id = heir, heir.unit_id
        db.session.flush()
    record(account, actor, "declarant_left", {"declarant": name}, {"declarant": None})


def decide(actor: User, account: Account, decision: str, reason: str = "") -> Account:
    """Verify (or re-confirm) or reject a declaration; the caller checked `can_verify`."""
    before = snapshot(account)
    if account.status not in ACTIVE_STATUSES:
        raise ServiceError(_("A declaration that is rejected or retired cannot be verified or "
                             "rejected; it must be declared again."), "decision", "conflict")
    now = utcnow()
    if decision == AccountStatus.VERIFIED:
        action = "reconfirmed" if account.status == AccountStatus.VERIFIED else "verified"
        account.status, account.confirmed_at = AccountStatus.VERIFIED, now
        account.verified_by_id, account.verified_at = actor.id, now
        account.reject_reason = None
    else:
        action = "rejected"
        account.status, account.reject_reason = AccountStatus.REJECTED, reason
    db.session.flush()
    record(account, actor, action, before, snapshot(account), note=reason or "")
    audit(f"account_{action}", actor=actor, target=account, unit=account.unit,
          summary=reason or "")
    stats.refresh(_declarant_ids(account))
    return account


def _declarant_ids(account: Account) -> list[int]:
    return [row.official_id for row in account.declarants]


def reconfirm_due(account: Account):
    """When the verification must be re-confirmed (None unless verified)."""
    if account.status != AccountStatus.VERIFIED or account.confirmed_at is None:
        return None
    return as_utc(account.confirmed_at) + RECONFIRM_AFTER


def accounts_query(user: User, within: Unit | None = None, status: str | None = None,
                   platform: str | None = None, official_id: int | None = None):
    """Accounts the user may list: those declared in the subtree (staff) or their own."""
    declared_here = scoped(select(AccountDeclarant.account_id)
                           .join(Official, Official.id == AccountDeclarant.official_id),
                           Official.unit_id, user, within=within)
    staff = user.has_role(Role.UNIT_ADMIN) or user.has_role(Role.REVIEWER)
    if not staff:
        declared_here = declared_here.where(Official.user_id == user.id)
    if official_id is not None:
        declared_here = declared_here.where(Official.id == official_id)
    stmt = select(Account).where(Account.id.in_(declared_here))
    if status == "overdue":
        stmt = stmt.where(Account.status == AccountStatus.VERIFIED,
                          Account.confirmed_at < utcnow() - RECONFIRM_AFTER)
    elif status:
        stmt = stmt.where(Account.status == status)
    if platform:
        stmt = stmt.where(Account.platform == platform)
    return stmt.order_by(Account.created_at.desc(), Account.id.desc())


def audit_personal_views(viewer: User, accounts, unit: Unit | None = None) -> None:
    """Reading someone else's personal declarations is written to the audit log."""
    seen = [a for a in accounts if a.kind == "personal" and not permissions.is_declarant(viewer, a)]
    if not seen:
        return
    names = ", ".join(sorted({a.official.full_name for a in seen}))
    audit("personal_accounts_viewed", actor=viewer, target=seen[0] if len(seen) == 1 else None,
          unit=unit or seen[0].unit, summary=names[:500], accounts=[a.id for a in seen][:200],
          count=len(seen))
