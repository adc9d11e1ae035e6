"""What a viewer may read of an official or an account: phone numbers are masked except for unit
admins of the subtree and the person themselves (SPEC §2, Privacy)."""

from __future__ import annotations

from core.models import User
from registry import permissions
from registry.identity import mask_phone
from registry.models import Account, Official


def is_phone_account(account: Account) -> bool:
    """A Zalo personal account is keyed by a phone number."""
    return account.platform == "zalo" and account.canonical_id.startswith("+84")


def phone_for(viewer: User, official: Official) -> str | None:
    """The official's phone, masked unless the viewer may see it."""
    if not official.phone or permissions.sees_phones(viewer, official):
        return official.phone
    return mask_phone(official.phone)


def identity_for(viewer: User, account: Account) -> dict:
    """canonical_id, identifier and url of an account, with any phone number masked."""
    if not is_phone_account(account) or permissions.sees_phones(viewer, account):
        return {"canonical_id": account.canonical_id, "identifier": account.identifier,
                "url": account.url}
    masked = mask_phone(account.canonical_id)
    return {"canonical_id": masked, "identifier": masked, "url": None}
