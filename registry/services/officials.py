"""The roster: officials of a unit, their link to a login, moves within a subtree."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update

from core.extensions import db
from core.models import Role, Unit, User
from core.scoping import in_scope, scoped
from core.services import ServiceError, audit
from registry.models import Account, Official

EDITABLE = ("full_name", "position", "party_member", "phone")


def own_official(user: User, create: bool = False) -> Official | None:
    """The user's own record; with `create`, made on first need (a member without one)."""
    official = db.session.scalar(select(Official).where(Official.user_id == user.id))
    if official is None and create:
        official = Official(full_name=user.full_name or user.username, unit=user.unit, user=user)
        db.session.add(official)
        db.session.flush()
    return official


def create_official(actor: User | None, unit: Unit, data: dict) -> Official:
    """Add someone to a unit's roster."""
    official = Official(unit=unit, **{key: data[key] for key in EDITABLE if key in data})
    db.session.add(official)
    db.session.flush()
    audit("official_created", actor=actor, target=official, unit=unit,
          summary=official.full_name)
    return official


def _snapshot(official: Official) -> dict:
    return {"full_name": official.full_name, "position": official.position,
            "party_member": official.party_member, "phone": official.phone,
            "unit": official.unit.code, "active": official.active}


def update_official(actor: User | None, official: Official, data: dict,
                    new_unit: Unit | None = None) -> Official:
    """Edit, move (within the actor's subtree, checked by the caller) or (de)activate."""
    before = _snapshot(official)
    for key in (*EDITABLE, "active"):
        if key in data:
            setattr(official, key, data[key])
    if new_unit is not None and new_unit.id != official.unit_id:
        official.unit = new_unit
        # The accounts follow their primary declarant: the unit decides who verifies them.
        db.session.execute(update(Account).where(Account.official_id == official.id)
                           .values(unit_id=new_unit.id),
                           execution_options={"synchronize_session": False})
    db.session.flush()
    after = _snapshot(official)
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changed:
        action = "official_moved" if "unit" in changed else "official_updated"
        if changed.get("active") == [True, False]:
            action = "official_deactivated"
        if "phone" in changed:  # the audit log says the number changed, not what it is
            changed["phone"] = ["…", "…"]
        audit(action, actor=actor, target=official, unit=official.unit,
              summary=official.full_name, changes=changed)
    return official


def officials_query(user: User, within: Unit | None = None, include_inactive: bool = True):
    """Officials the user may list: the subtree for unit admins, else only their own record."""
    stmt = scoped(select(Official), Official.unit_id, user, within=within)
    if not user.has_role(Role.UNIT_ADMIN):
        stmt = stmt.where(Official.user_id == user.id)
    if not include_inactive:
        stmt = stmt.where(Official.active.is_(True))
    return stmt.order_by(Official.unit_id, Official.sort_name, Official.id)


def link_user(user: User, official_id: int | None) -> Official | None:
    """`users create --official ID` links the login; a member without one gets a new record."""
    if official_id is None:
        return own_official(user, create=True) if user.has_role(Role.MEMBER) else None
    official = db.session.get(Official, official_id)
    if official is None:
        raise ServiceError(_("There is no official with number %(id)s.", id=official_id),
                           "official")
    if official.user_id not in (None, user.id):
        raise ServiceError(_("Official number %(id)s is already linked to another login.",
                             id=official_id), "official", "conflict")
    if not in_scope(user, official.unit):
        raise ServiceError(_("Official number %(id)s belongs to %(unit)s, outside the user's "
                             "unit.", id=official_id, unit=official.unit.name), "official")
    official.user = user
    db.session.flush()
    audit("official_linked", target=official, unit=official.unit, summary=user.username)
    return official
