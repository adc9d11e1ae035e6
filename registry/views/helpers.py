"""What the registry pages share: resolving units and objects with the 404-before-403 rule."""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import func, select

from core.extensions import db
from core.models import Role, Unit
from core.permissions import can_manage_unit
from core.scoping import scoped, unit_in_scope_or_404
from registry import permissions
from registry.models import Account, Official

MAX_UNIT_CHOICES = 300


def unit_or_own(code: str | None) -> Unit:
    """The unit named in the query (404 outside the user's subtree), else the user's own."""
    return unit_in_scope_or_404(current_user, code) if code else current_user.unit


def admin_unit(code: str | None) -> Unit:
    """A unit the current user administers: 404 outside the subtree, then 403 without the role."""
    unit = unit_or_own(code)
    if not can_manage_unit(current_user, unit):
        abort(403)
    return unit


def staff_unit(code: str | None) -> Unit:
    """A unit whose declarations the current user may list (unit admins and reviewers)."""
    unit = unit_or_own(code)
    if not (current_user.has_role(Role.UNIT_ADMIN) or current_user.has_role(Role.REVIEWER)):
        abort(403)
    return unit


def official_or_404(official_id: int) -> Official:
    official = db.session.get(Official, official_id)
    if official is None or not permissions.can_view_official(current_user, official):
        abort(404)
    return official


def account_or_404(account_id: int) -> Account:
    account = db.session.get(Account, account_id)
    if account is None or not permissions.can_view_account(current_user, account):
        abort(404)
    return account


def unit_choices(root: Unit | None = None) -> list[tuple[str, str]] | None:
    """(code, indented name) of the units below `root` (the user's unit), or None when there are
    too many for a drop-down (the form then asks for the code)."""
    stmt = scoped(select(Unit), Unit.id, current_user, within=root)
    count = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    if count > MAX_UNIT_CHOICES:
        return None
    base = (root or current_user.unit).depth
    units = db.session.scalars(stmt.order_by(Unit.path)).all()
    return [(u.code, "\u2003" * (u.depth - base) + u.name) for u in units]
