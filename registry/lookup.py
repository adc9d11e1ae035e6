"""Public verification: is a link a verified *public* account, and of which unit?

Personal accounts and phone numbers are never revealed, whatever is asked: a personal account,
a private group, an unverified, overdue, rejected or retired one, and an unknown one all get the
same answer.
"""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from registry.identity import IdentifierError, parse
from registry.models import PUBLIC_KINDS, Account, AccountKind, AccountStatus

__all__ = ["IdentifierError", "public_card", "verified_public"]


def verified_public(raw: str) -> Account | None:
    """The verified public account this link names, or None (also for anything private)."""
    identity = parse(raw)
    if identity.kinds == {AccountKind.PERSONAL}:  # a phone number: never looked up
        return None
    account = db.session.scalar(select(Account).where(
        Account.platform == identity.platform, Account.canonical_id == identity.canonical_id,
        Account.status == AccountStatus.VERIFIED))
    if account is None or account.kind not in PUBLIC_KINDS or account.is_overdue():
        return None
    if account.kind == AccountKind.GROUP and account.public is not True:
        return None
    if account.public is False:
        return None
    return account


def public_card(account: Account) -> dict:
    """What the public may know: platform, display name, unit."""
    return {"platform": account.platform, "display_name": account.display_name,
            "unit": account.unit.code, "unit_name": account.unit.name}
