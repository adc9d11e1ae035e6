"""JSON API shared by every job: who am I, and the units I can see."""

from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import select

from core import services
from core.errors import ApiError
from core.extensions import db
from core.models import Role, Unit
from core.permissions import api_auth, current_api_user
from core.schemas import MeSchema, UnitCreateSchema, UnitListSchema, UnitSchema
from core.scoping import scoped, unit_in_scope_or_404

blp = Blueprint("core_api", __name__, url_prefix="/api/v1", description="Users and units")


@blp.route("/me")
@api_auth()
@blp.response(200, MeSchema)
def me():
    """The user the token belongs to."""
    return current_api_user()


@blp.route("/units")
@api_auth()
@blp.response(200, UnitListSchema)
def units():
    """Every unit in the caller's subtree, in tree order."""
    stmt = scoped(select(Unit), Unit.id, current_api_user()).order_by(Unit.path)
    return {"items": db.session.scalars(stmt).all()}


@blp.route("/units/<code>")
@api_auth()
@blp.response(200, UnitSchema)
def unit(code: str):
    """One unit of the caller's subtree (404 outside it)."""
    return unit_in_scope_or_404(current_api_user(), code)


@blp.route("/units", methods=["POST"])
@api_auth(Role.UNIT_ADMIN)
@blp.arguments(UnitCreateSchema)
@blp.response(201, UnitSchema)
def create_unit(data):
    """Add a unit below one of the caller's units (unit admins)."""
    parent = unit_in_scope_or_404(current_api_user(), data["parent"])
    try:
        unit = services.create_unit(data["code"], data["name"], data["kind"], parent)
    except services.ServiceError as error:
        status = 409 if error.code == "conflict" else 422
        raise ApiError(status, error.code, error.message, {error.field: [error.message]}) from None
    services.audit("unit_created", actor=current_api_user(), target=unit, unit=unit)
    db.session.commit()
    return unit
