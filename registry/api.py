"""JSON API of the registry (SPEC §6): officials, accounts, verification, coverage, public check."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from sqlalchemy import func, select

from core.errors import ApiError
from core.extensions import db, limiter
from core.models import Role, User, as_utc
from core.permissions import api_auth, can_manage_unit, current_api_user
from core.scoping import unit_in_scope_or_404
from core.services import ServiceError
from registry import coverage as coverage_module
from registry import lookup, permissions, privacy, services
from registry.models import Account, Official
from registry.schemas import (
    AccountCreateSchema,
    AccountListSchema,
    AccountQuerySchema,
    AccountSchema,
    AccountUpdateSchema,
    CoverageQuerySchema,
    CoverageSchema,
    OfficialCreateSchema,
    OfficialListSchema,
    OfficialQuerySchema,
    OfficialSchema,
    OfficialUpdateSchema,
    VerificationSchema,
    VerifyQuerySchema,
    VerifyResultSchema,
)

blp = Blueprint("registry_api", __name__, url_prefix="/api/v1",
                description="Registry: officials, declared accounts, coverage")
PER_PAGE = 500


def official_out(official: Official, viewer: User) -> dict:
    """An official for this viewer (phone masked unless they administer the unit)."""
    return {"id": official.id, "full_name": official.full_name, "unit": official.unit.code,
            "unit_name": official.unit.name, "position": official.position,
            "party_member": official.party_member, "phone": privacy.phone_for(viewer, official),
            "active": official.active, "accounts_active": official.accounts_active,
            "username": official.user.username if official.user else None}


def account_out(account: Account, viewer: User, outcome: str | None = None) -> dict:
    """An account for this viewer (a phone number as identifier masked the same way)."""
    data = {"id": account.id, "platform": account.platform, "kind": account.kind,
            **privacy.identity_for(viewer, account), "display_name": account.display_name,
            "member_count": account.member_count, "public": account.public,
            "purpose": account.purpose, "status": account.status,
            "overdue": account.is_overdue(), "official_id": account.official_id,
            "unit": account.unit.code, "declared_at": as_utc(account.created_at),
            "verified_at": as_utc(account.verified_at),
            "reconfirm_due": services.reconfirm_due(account),
            "reject_reason": account.reject_reason, "retired_at": as_utc(account.retired_at),
            "declarants": [{"official_id": row.official_id, "full_name": row.official.full_name,
                            "unit": row.official.unit.code, "role": row.role}
                           for row in account.declarants]}
    if outcome:
        data["outcome"] = outcome
    return data


def _fail(error: ServiceError):
    status = 409 if error.code == "conflict" else 422
    fields = {error.field: [error.message]} if error.field else {}
    raise ApiError(status, error.code if status == 409 else "validation_error", error.message,
                   fields)


def _forbidden(message: str):
    raise ApiError(403, "forbidden", message)


def _official_or_404(official_id: int, viewer: User) -> Official:
    official = db.session.get(Official, official_id)
    if official is None or not permissions.can_view_official(viewer, official):
        raise ApiError(404, "not_found")
    return official


def _account_or_404(account_id: int, viewer: User) -> Account:
    account = db.session.get(Account, account_id)
    if account is None or not permissions.can_view_account(viewer, account):
        raise ApiError(404, "not_found")
    return account


def _page(stmt, page: int) -> tuple[list, int]:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.session.scalars(stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return items, total


# ---------------------------------------------------------------- officials

@blp.route("/officials")
@api_auth()
@blp.arguments(OfficialQuerySchema, location="query")
@blp.response(200, OfficialListSchema)
def list_officials(args):
    """Officials of the subtree (unit admins), or one's own record; 500 per page."""
    user = current_api_user()
    within = unit_in_scope_or_404(user, args["unit"]) if args.get("unit") else None
    stmt = services.officials_query(user, within)
    if args.get("active") is not None:
        stmt = stmt.where(Official.active.is_(args["active"]))
    items, total = _page(stmt, args["page"])
    return {"items": [official_out(o, user) for o in items], "page": args["page"],
            "total": total}


@blp.route("/officials", methods=["POST"])
@api_auth()
@blp.arguments(OfficialCreateSchema)
@blp.response(201, OfficialSchema)
def create_official(data):
    """Add an official to a unit of one's subtree (unit admins)."""
    user = current_api_user()
    unit = unit_in_scope_or_404(user, data["unit"])
    if not can_manage_unit(user, unit):
        _forbidden("Chỉ quản trị đơn vị mới thêm được cán bộ vào danh sách.")
    official = services.create_official(user, unit, data)
    db.session.commit()
    return official_out(official, user)


@blp.route("/officials/<int:official_id>")
@api_auth()
@blp.response(200, OfficialSchema)
def get_official(official_id: int):
    """One official (one's own record, or of a subtree one manages)."""
    user = current_api_user()
    return official_out(_official_or_404(official_id, user), user)


@blp.route("/officials/<int:official_id>", methods=["PATCH"])
@api_auth()
@blp.arguments(OfficialUpdateSchema)
@blp.response(200, OfficialSchema)
def update_official(data, official_id: int):
    """Edit, move within the subtree, deactivate (`"active": false`) or reactivate."""
    user = current_api_user()
    official = _official_or_404(official_id, user)
    if not permissions.can_manage_official(user, official):
        _forbidden("Chỉ quản trị đơn vị mới sửa được hồ sơ cán bộ.")
    new_unit = unit_in_scope_or_404(user, data.pop("unit")) if data.get("unit") else None
    services.update_official(user, official, data, new_unit)
    db.session.commit()
    return official_out(official, user)


# ---------------------------------------------------------------- accounts

@blp.route("/accounts")
@api_auth()
@blp.arguments(AccountQuerySchema, location="query")
@blp.response(200, AccountListSchema)
def list_accounts(args):
    """Declared accounts of the subtree (staff) or one's own, newest first; 500 per page."""
    user = current_api_user()
    within = unit_in_scope_or_404(user, args["unit"]) if args.get("unit") else None
    stmt = services.accounts_query(user, within, args.get("status"), args.get("platform"),
                                   args.get("official"))
    items, total = _page(stmt, args["page"])
    services.audit_personal_views(user, items, within or user.unit)
    db.session.commit()
    return {"items": [account_out(a, user) for a in items], "page": args["page"], "total": total}


def _declaring_official(user: User, official_id: int | None) -> Official:
    if official_id is None:
        return services.own_official(user, create=True)
    official = _official_or_404(official_id, user)
    if not permissions.can_declare_for(user, official):
        _forbidden("Chỉ quản trị đơn vị mới khai báo thay được cho người khác.")
    return official


@blp.route("/accounts", methods=["POST"])
@api_auth()
@blp.arguments(AccountCreateSchema)
@blp.response(201, AccountSchema)
def declare_account(data):
    """Declare an account for oneself, or (unit admins) for an official of the roster."""
    user = current_api_user()
    official = _declaring_official(user, data.get("official_id"))
    try:
        account, outcome = services.declare(user, official, data["identity"], data)
    except ServiceError as error:
        db.session.rollback()
        _fail(error)
    db.session.commit()
    return account_out(account, user, outcome)


@blp.route("/accounts/<int:account_id>")
@api_auth()
@blp.response(200, AccountSchema)
def get_account(account_id: int):
    """One declared account with its declarants (viewing someone's personal one is audited)."""
    user = current_api_user()
    account = _account_or_404(account_id, user)
    services.audit_personal_views(user, [account])
    db.session.commit()
    return account_out(account, user)


@blp.route("/accounts/<int:account_id>", methods=["PATCH"])
@api_auth()
@blp.arguments(AccountUpdateSchema)
@blp.response(200, AccountSchema)
def edit_account(data, account_id: int):
    """Change the details of a declaration (a new name or public flag needs a new verification)."""
    user = current_api_user()
    account = _account_or_404(account_id, user)
    if not permissions.can_edit_account(user, account):
        _forbidden("Chỉ người khai báo hoặc quản trị đơn vị mới sửa được khai báo này.")
    services.edit(user, account, data, services.own_official(user))
    db.session.commit()
    return account_out(account, user)


@blp.route("/accounts/<int:account_id>/retire", methods=["POST"])
@api_auth()
@blp.response(200, AccountSchema)
def retire_account(account_id: int):
    """No longer used: retired (kept for history); a co-declarant just leaves a shared group."""
    user = current_api_user()
    account = _account_or_404(account_id, user)
    if not permissions.can_edit_account(user, account):
        _forbidden("Chỉ người khai báo hoặc quản trị đơn vị mới thôi dùng được khai báo này.")
    mine = services.own_official(user) if permissions.is_declarant(user, account) else None
    try:
        services.retire(user, account, mine)
    except ServiceError as error:
        db.session.rollback()
        _fail(error)
    db.session.commit()
    return account_out(account, user)


@blp.route("/accounts/<int:account_id>/verify", methods=["POST"])
@api_auth()
@blp.arguments(VerificationSchema)
@blp.response(200, AccountSchema)
def verify_account(data, account_id: int):
    """Verify (again, to re-confirm) or reject with a reason; unit admins above the declarant."""
    user = current_api_user()
    account = _account_or_404(account_id, user)
    reason = permissions.why_cannot_verify(user, account)
    if reason == "own":
        _forbidden("Không được tự xác minh khai báo của chính mình hoặc do mình nhập thay.")
    if reason:
        _forbidden("Chỉ quản trị đơn vị cấp trên của người khai báo mới xác minh được.")
    try:
        services.decide(user, account, data["decision"], data.get("reason", ""))
    except ServiceError as error:
        db.session.rollback()
        _fail(error)
    db.session.commit()
    return account_out(account, user)


# ---------------------------------------------------------------- coverage and public check

@blp.route("/coverage")
@api_auth()
@blp.arguments(CoverageQuerySchema, location="query")
@blp.response(200, CoverageSchema)
def get_coverage(args):
    """Per child unit: roster, declared, verified, overdue, coverage % (unit admins)."""
    user = current_api_user()
    unit = unit_in_scope_or_404(user, args["unit"]) if args.get("unit") else user.unit
    if not user.has_role(Role.UNIT_ADMIN):
        _forbidden("Chỉ quản trị đơn vị mới xem được độ phủ.")
    rows, _own = coverage_module.coverage(unit)
    return {"unit": unit.code, "children": [row.as_api() for row in rows]}


def _verify_limit() -> str:
    return current_app.config["REGISTRY_VERIFY_LIMIT"]


@blp.route("/verify")
@limiter.limit(_verify_limit)
@blp.arguments(VerifyQuerySchema, location="query")
@blp.response(200, VerifyResultSchema)
@blp.doc(security=[])
def public_verify(args):
    """Anyone: is this link a verified public account, and of which unit? Nothing else leaks."""
    try:
        account = lookup.verified_public(args["url"])
    except lookup.IdentifierError as error:
        raise ApiError(422, "validation_error", error.message, {"url": [error.message]}) from None
    if account is None:
        return {"verified": False}
    return {"verified": True, "account": lookup.public_card(account)}
