"""The one place that limits what a user may see to their unit's subtree."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute

from core.extensions import db
from core.models import Unit, User


def subtree_ids(unit: Unit) -> Select:
    """A sub-select of the ids of `unit` and every unit below it (one indexed LIKE)."""
    return select(Unit.id).where(Unit.path.like(f"{unit.path}%"))


def most_of_the_tree(root: Unit) -> bool:
    """True when the subtree holds most units (a province): a filter "in this subtree" then
    keeps most rows, and plans that read rows in another order and drop a few win."""
    if root.parent_id is not None and root.depth > 1:
        return False
    inside = db.session.scalar(select(func.count()).where(Unit.path.like(f"{root.path}%")))
    return 2 * inside > db.session.scalar(select(func.count()).select_from(Unit))


def scope_root(user: User, within: Unit | None = None) -> Unit:
    """The unit whose subtree ``scoped`` keeps (``within`` when it lies in the user's)."""
    return within if within is not None and user.unit.contains(within) else user.unit


def scoped(stmt: Select, unit_column: InstrumentedAttribute, user: User,
           within: Unit | None = None) -> Select:
    """Limit `stmt` to rows whose unit lies in the user's subtree (and in `within`, if given)."""
    root = scope_root(user, within)
    if within is not None and not user.unit.contains(within):
        abort(404)
    return stmt.where(unit_column.in_(subtree_ids(root)))


def in_scope(user: User | None, unit: Unit | None) -> bool:
    """True when `unit` lies in the user's subtree."""
    return user is not None and unit is not None and user.unit.contains(unit)


def unit_in_scope_or_404(user: User, code: str) -> Unit:
    """The unit with this code if the user may see it; 404 otherwise (existence does not leak)."""
    unit = db.session.scalar(select(Unit).where(Unit.code == (code or "").strip().lower()))
    if unit is None or not in_scope(user, unit):
        abort(404)
    return unit


def get_in_scope_or_404(model, ident, user: User, unit_of=lambda obj: obj.unit):
    """Fetch `model` by id and answer 404 unless its unit lies in the user's subtree."""
    obj = db.session.get(model, ident)
    if obj is None or not in_scope(user, unit_of(obj)):
        abort(404)
    return obj
