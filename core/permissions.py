"""Who may do what: role decorators for routes, and can_* checks on objects."""

from __future__ import annotations

from functools import wraps

from flask import abort, g, request
from flask_login import current_user

from core.models import Role, Unit, User
from core.scoping import in_scope


def _api_error(status: int, code: str, message: str):
    from core.errors import ApiError

    raise ApiError(status, code, message)


def current_api_user() -> User | None:
    """The user authenticated by the bearer token of this API request."""
    return g.get("api_user")


def _authenticate_bearer() -> User:
    """Resolve `Authorization: Bearer …` to a user, or answer 401 in the API error shape."""
    from core.services import user_for_token

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        _api_error(401, "unauthorized", "Cần mã truy cập (Authorization: Bearer …).")
    user = user_for_token(token.strip())
    if user is None:
        _api_error(401, "invalid_token", "Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi.")
    return user


def api_auth(*roles: str):
    """API route decorator: a valid bearer token, and one of `roles` if any are named."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = _authenticate_bearer()
            if roles and not any(user.has_role(r) for r in roles):
                _api_error(403, "forbidden", "Tài khoản không có quyền thực hiện thao tác này.")
            g.api_user = user
            return view(*args, **kwargs)

        return wrapped

    return decorator


def roles_required(*roles: str):
    """Page decorator: logged in (else the login page), and one of `roles` (else 403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            from core.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and not any(current_user.has_role(r) for r in roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


login_required = roles_required()


def can_manage_unit(user: User, unit: Unit) -> bool:
    """Unit admins manage the roster and users of their subtree."""
    return user.has_role(Role.UNIT_ADMIN) and in_scope(user, unit)


def can_review_unit(user: User, unit: Unit) -> bool:
    """Reviewers triage the queue of their subtree."""
    return user.has_role(Role.REVIEWER) and in_scope(user, unit)


def can_view_audit(user: User, unit: Unit) -> bool:
    """Unit admins read the audit log of their subtree."""
    return can_manage_unit(user, unit)
