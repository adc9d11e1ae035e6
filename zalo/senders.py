"""Who sent a message to the OA: a follower, matched to a declared Zalo account of the registry
when there is one, so reviewers see "Piêng Bản Mạt (declared account)" rather than a bare id.

Zalo gives a follower an id of its own for each app, not a phone number. A follower is matched
when the id itself is the canonical id of a declared account (declared by its zalo.me/<id>
link), or when the follower shares their phone with the OA (Zalo's ``user_submit_info`` event,
the OA's "share your information" form) and the number is a declared personal Zalo account.
The number is used to match and is not stored."""

from __future__ import annotations

import unicodedata

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from registry.identity import IdentifierError, normalize_phone
from registry.models import ACTIVE_STATUSES, Account, Platform
from zalo.models import ZaloEvent, ZaloFollower

SUBSCRIBE = {"dang ky tin", "dk tin", "dangkytin", "dktin"}
UNSUBSCRIBE = {"huy tin", "huytin", "huy dang ky tin", "ngung tin"}


def follower(link_id: int, zalo_user_id: str) -> ZaloFollower:
    """The follower row of this id (added when new; flushed). Two messages of a new follower
    handled at once by two workers: the second insert waits for the first, fails on the unique
    key, and takes the row the first wrote."""
    stmt = select(ZaloFollower).where(ZaloFollower.link_id == link_id,
                                      ZaloFollower.zalo_user_id == zalo_user_id)
    row = db.session.scalar(stmt)
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = ZaloFollower(link_id=link_id, zalo_user_id=zalo_user_id, following=True)
            db.session.add(row)
    except IntegrityError:
        row = db.session.scalar(stmt)
    return row


def _declared(canonical_id: str) -> Account | None:
    return db.session.scalar(select(Account).where(
        Account.platform == Platform.ZALO, Account.canonical_id == canonical_id,
        Account.status.in_(ACTIVE_STATUSES)))


def account_of(event: ZaloEvent) -> Account | None:
    """The declared account the event's sender is, if known; remembered on the follower."""
    if not event.sender_id:
        return None
    row = follower(event.link_id, event.sender_id)
    if row.account is not None and row.account.status in ACTIVE_STATUSES:
        return row.account
    row.account = _declared(event.sender_id)
    return row.account


def shared_info(event: ZaloEvent) -> Account | None:
    """A ``user_submit_info`` event: match the shared phone number to a declared account."""
    info = event.body.get("info") if isinstance(event.body.get("info"), dict) else {}
    row = follower(event.link_id, event.sender_id)
    try:
        phone = normalize_phone(str(info.get("phone") or ""))
    except IdentifierError:
        return None
    row.account = _declared(phone)
    return row.account


def command(text: str) -> str | None:
    """"subscribe" / "unsubscribe" when a text is the digest keyword, else None."""
    plain = unicodedata.normalize("NFD", (text or "").strip().lower().replace("đ", "d"))
    plain = " ".join("".join(c for c in plain if not unicodedata.combining(c)).split())
    plain = plain.strip(" .!\"'“”")
    if plain in SUBSCRIBE:
        return "subscribe"
    if plain in UNSUBSCRIBE:
        return "unsubscribe"
    return None


def describe(account: Account | None, zalo_user_id: str) -> str:
    """The sender as the post's ``reporter`` shows it."""
    if account is None:
        return f"Người theo dõi Zalo {zalo_user_id}".strip()
    name = account.official.full_name if account.official else account.display_name
    return f"{name} (tài khoản Zalo đã khai báo)"[:200]
