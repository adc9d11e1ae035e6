"""Pages every user shares: home, login/logout, profile and API tokens, units, audit log, health."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select, text

from core import services
from core.extensions import db, limiter, login_manager
from core.forms import load_form
from core.i18n import AUDIT_LABELS
from core.models import ApiToken, Role, User, utcnow
from core.permissions import login_required, roles_required
from core.schemas import AuditFilterSchema, LoginSchema, TokenCreateSchema
from core.scoping import unit_in_scope_or_404

bp = Blueprint("core", __name__)


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


login_manager.login_view = "core.login"
login_manager.login_message = None


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/"):
        return target
    return url_for("core.index")


def _login_failed(response) -> bool:
    return response.status_code == 401


def _attempted_username() -> str:
    return "login:" + (request.form.get("username") or "").strip().lower()


def _login_limit() -> str:
    return current_app.config["LOGIN_ATTEMPTS_LIMIT"]


@bp.route("/")
def index():
    """Home: the dashboard for users, a short presentation for everyone else."""
    return render_template("core/index.html")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=get_remote_address, methods=["POST"],
               deduct_when=_login_failed)
@limiter.limit(_login_limit, key_func=_attempted_username, methods=["POST"],
               deduct_when=_login_failed)
def login():
    """Log in with username and password; one message for every failure."""
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    if request.method == "GET":
        return render_template("core/login.html", form={}, errors={},
                               next=request.args.get("next", ""))
    form = load_form(LoginSchema())
    user = services.authenticate(form.data.get("username"), form.data.get("password")) \
        if form.ok else None
    if user is None:
        services.audit("login_failed", summary=(form.values.get("username") or "")[:64])
        db.session.commit()
        message = _("Wrong username or password.") if form.ok else None
        return render_template("core/login.html", form=form.values, errors=form.errors,
                               message=message, next=form.values.get("next", "")), 401
    login_user(user)
    session.permanent = True
    user.last_login_at = utcnow()
    services.audit("login", actor=user, target=user, unit=user.unit)
    db.session.commit()
    return redirect(_safe_next(form.data.get("next")))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out (POST with CSRF, so a link elsewhere cannot log people out)."""
    services.audit("logout", actor=current_user, target=current_user, unit=current_user.unit)
    db.session.commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("core.login"))


@bp.route("/lang/<code>")
def set_language(code: str):
    """Switch the interface language for this session."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))


def _own_tokens():
    stmt = select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    return db.session.scalars(stmt).all()


@bp.route("/profile")
@login_required
def profile():
    """The user's own page: unit, roles and API tokens."""
    return render_template("core/profile.html", tokens=_own_tokens(), form={}, errors={})


@bp.route("/profile/tokens", methods=["POST"])
@login_required
def create_token():
    """Create an API token and show it once; only its hash is kept."""
    form = load_form(TokenCreateSchema())
    if not form.ok:
        return render_template("core/profile.html", tokens=_own_tokens(), form=form.values,
                               errors=form.errors), 422
    token, plain = services.create_token(current_user, form.data["name"])
    services.audit("token_created", actor=current_user, target=token, unit=current_user.unit,
                   name=token.name)
    db.session.commit()
    return render_template("core/profile.html", tokens=_own_tokens(), form={}, errors={},
                           new_token=plain)


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    """Revoke one of one's own tokens."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    services.revoke_token(token)
    services.audit("token_revoked", actor=current_user, target=token, unit=current_user.unit)
    db.session.commit()
    flash(_("The token was revoked."), "success")
    return redirect(url_for("core.profile"))


@bp.route("/units/<code>")
@login_required
def unit(code: str):
    """A unit, its children and (for unit admins) its users."""
    found = unit_in_scope_or_404(current_user, code)
    users = []
    if current_user.has_role(Role.UNIT_ADMIN):
        users = db.session.scalars(select(User).where(User.unit_id == found.id)
                                   .order_by(User.username)).all()
    return render_template("core/unit.html", unit=found, users=users)


@bp.route("/audit")
@roles_required(Role.UNIT_ADMIN)
def audit_log():
    """The audit log of the unit admin's subtree, filtered by actor, action, unit and dates."""
    form = load_form(AuditFilterSchema(), request.args)
    filters = form.data if form.ok else {}
    within = unit_in_scope_or_404(current_user, filters["unit"]) if filters.get("unit") else None
    page = db.paginate(services.audit_query(current_user, within=within, **_audit_filters(filters)),
                       page=filters.get("page", 1), per_page=50, error_out=False)
    query = {k: v for k, v in form.values.items() if v and k != "page"}
    return render_template("core/audit.html", page=page, form=form.values, errors=form.errors,
                           action_choices=[(a, AUDIT_LABELS.get(a, a)) for a in services.audit_actions()],
                           query=query)


def _audit_filters(filters: dict) -> dict:
    keys = ("actor", "action", "date_from", "date_to")
    return {key: filters.get(key) for key in keys}


@bp.route("/healthz")
def healthz():
    """Liveness for load balancers: the database answers, which model is active, and the
    checks other packages add (the job queue and its Redis)."""
    try:
        db.session.execute(text("SELECT 1"))
        db_state = "ok"
    except Exception:  # noqa: BLE001 - any failure means "not ok", reported not raised
        db.session.rollback()
        db_state = "error"
    body = {"db": db_state, "model": _active_model_version()}
    for name, check in current_app.extensions.get("caidep.health_checks", {}).items():
        body[name] = check()  # e.g. the job queue: {"state": "ok", "backend": "redis", …}
    healthy = db_state == "ok" and all(
        part.get("state") == "ok" for part in body.values() if isinstance(part, dict))
    return jsonify(body), 200 if healthy else 503


def _active_model_version() -> str | None:
    hook = current_app.extensions.get("caidep.model_version")
    return hook() if hook else None
