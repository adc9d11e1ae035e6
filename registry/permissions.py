"""Who may see and change registry objects; every check reads the unit tree (core.scoping)."""

from __future__ import annotations

from core.models import Role, User
from core.permissions import can_manage_unit
from core.scoping import in_scope
from registry.models import Account, Official


def is_own(user: User, official: Official | None) -> bool:
    """The official record is the user's own."""
    return official is not None and official.user_id is not None and official.user_id == user.id


def can_view_official(user: User, official: Official) -> bool:
    """One's own record, or any record of a subtree one manages."""
    return is_own(user, official) or can_manage_unit(user, official.unit)


def can_manage_official(user: User, official: Official) -> bool:
    """Unit admins edit, move and deactivate officials of their subtree."""
    return can_manage_unit(user, official.unit)


def can_declare_for(user: User, official: Official) -> bool:
    """Members declare their own accounts; unit admins declare on behalf of their roster."""
    return official.active and (is_own(user, official) or can_manage_unit(user, official.unit))


def declarant_officials(account: Account) -> list[Official]:
    return [row.official for row in account.declarants]


def is_declarant(user: User, account: Account) -> bool:
    return any(is_own(user, official) for official in declarant_officials(account))


def account_in_scope(user: User, account: Account) -> bool:
    """The account's unit, or a co-declarant's unit, lies in the user's subtree."""
    units = [account.unit] + [o.unit for o in declarant_officials(account)]
    return any(in_scope(user, unit) for unit in units)


def can_view_account(user: User, account: Account) -> bool:
    """Declarants see their accounts; unit admins and reviewers see those of their subtree."""
    if is_declarant(user, account):
        return True
    staff = user.has_role(Role.UNIT_ADMIN) or user.has_role(Role.REVIEWER)
    return staff and account_in_scope(user, account)


def can_edit_account(user: User, account: Account) -> bool:
    """Declarants edit or retire their declarations; unit admins those of their subtree."""
    return is_declarant(user, account) or can_manage_unit(user, account.unit)


def why_cannot_verify(user: User, account: Account) -> str | None:
    """None when the user may verify; otherwise a short code saying why not."""
    if not can_manage_unit(user, account.unit) or not can_manage_unit(user, account.official.unit):
        return "not_admin"
    if is_declarant(user, account) or account.declared_by_id == user.id:
        return "own"
    return None


def can_verify(user: User, account: Account) -> bool:
    """A unit admin above the declarant, never for a declaration of their own (or entered by them)."""
    return why_cannot_verify(user, account) is None


def sees_phones(user: User, account_or_official) -> bool:
    """Phone numbers show in full only to unit admins of the subtree (and to their owner)."""
    if isinstance(account_or_official, Official):
        official = account_or_official
        return is_own(user, official) or can_manage_unit(user, official.unit)
    return is_declarant(user, account_or_official) or can_manage_unit(user, account_or_official.unit)
