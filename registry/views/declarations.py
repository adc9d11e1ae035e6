"""Declaration pages: my accounts, declare (for oneself or on behalf), the account page with its
history, edit, retire, verify or reject, and the staff list of declarations."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.extensions import db
from core.forms import load_form
from core.models import utcnow
from core.permissions import login_required
from core.services import ServiceError
from registry import permissions, services
from registry.models import AccountEvent
from registry.schemas import (
    ROLE_LABELS,
    AccountCreateSchema,
    AccountQuerySchema,
    AccountUpdateSchema,
    VerificationSchema,
)
from registry.views import bp
from registry.views.helpers import account_or_404, official_or_404, staff_unit

DUE_SOON = timedelta(days=30)  # the re-confirmation button shows from a month before it is due


@bp.route("/registry/my-accounts")
@login_required
def my_accounts():
    """The accounts I declared, with their status."""
    mine = services.own_official(current_user)
    accounts = db.session.scalars(services.accounts_query(
        current_user, official_id=mine.id)).all() if mine else []
    return render_template("registry/my_accounts.html", official=mine, accounts=accounts)


def _declaring_for(official_id: int | None, create: bool = True):
    if not official_id:  # one's own record, made on the first declaration (not on a GET)
        return services.own_official(current_user, create=create)
    person = official_or_404(official_id)
    if not permissions.can_declare_for(current_user, person):
        abort(403)
    return person


def _declare_page(person, form, errors, status=200):
    return render_template("registry/declare.html", official=person, form=form, errors=errors,
                           on_behalf=person is not None
                           and not permissions.is_own(current_user, person)), status


@bp.route("/registry/declare", methods=["GET", "POST"])
@login_required
def declare():
    """Declare an account: paste the link (or the Zalo number); the rest is optional."""
    person = _declaring_for(request.args.get("official", type=int), request.method == "POST")
    if request.method == "GET":
        return _declare_page(person, {"role": "owner"}, {})
    form = load_form(AccountCreateSchema())
    if not form.ok:
        return _declare_page(person, form.values, form.errors, 422)
    try:
        account, outcome = services.declare(current_user, person, form.data["identity"],
                                            form.data)
    except ServiceError as error:
        db.session.rollback()
        status = 409 if error.code == "conflict" else 422
        return _declare_page(person, form.values, {error.field or "_schema": [error.message]},
                             status)
    db.session.commit()
    message = _("You were added to this group or channel as %(role)s.", role=_role(form)) \
        if outcome == "co_declared" else _("The account was declared; a unit administrator "
                                           "will verify it.")
    flash(message, "success")
    if permissions.is_own(current_user, person):
        return redirect(url_for("registry.my_accounts"))
    return redirect(url_for("registry.account", account_id=account.id))


def _role(form) -> str:
    return str(ROLE_LABELS.get(form.data.get("role"), form.data.get("role")))


def _account_page(account, decision_form=None, errors=None, status=200):
    due = services.reconfirm_due(account)
    events = db.session.scalars(db.select(AccountEvent).where(
        AccountEvent.account_id == account.id).order_by(AccountEvent.id.desc())).all()
    return render_template(
        "registry/account.html", account=account, events=events,
        can_edit=permissions.can_edit_account(current_user, account),
        why_not=permissions.why_cannot_verify(current_user, account),
        form=decision_form or {}, errors=errors or {},
        reconfirm_due=due, due_soon=due is not None and due - utcnow() < DUE_SOON), status


@bp.route("/registry/accounts/<int:account_id>")
@login_required
def account(account_id: int):
    """An account: identity, declarants and their roles, status, the whole history."""
    found = account_or_404(account_id)
    services.audit_personal_views(current_user, [found])
    db.session.commit()
    return _account_page(found)


@bp.route("/registry/accounts/<int:account_id>/decision", methods=["POST"])
@login_required
def decide(account_id: int):
    """Verify (or re-confirm) or reject, with a reason (unit admins above the declarant)."""
    found = account_or_404(account_id)
    if not permissions.can_verify(current_user, found):
        abort(403)
    form = load_form(VerificationSchema())
    if not form.ok:
        return _account_page(found, form.values, form.errors, 422)
    try:
        services.decide(current_user, found, form.data["decision"], form.data.get("reason", ""))
    except ServiceError as error:
        db.session.rollback()
        return _account_page(found, form.values, {"decision": [error.message]}, 409)
    db.session.commit()
    flash(_("The decision was recorded."), "success")
    return redirect(url_for("registry.account", account_id=found.id))


@bp.route("/registry/accounts/<int:account_id>/edit", methods=["GET", "POST"])
@login_required
def edit_account(account_id: int):
    """Change the name, members, purpose, public flag or one's role."""
    found = account_or_404(account_id)
    if not permissions.can_edit_account(current_user, found):
        abort(403)
    mine = services.own_official(current_user)
    if request.method == "GET":
        role = next((r.role for r in found.declarants if mine and r.official_id == mine.id), "")
        values = {"display_name": found.display_name, "member_count": found.member_count,
                  "purpose": found.purpose, "role": role,
                  "public": "" if found.public is None else ("true" if found.public else "false")}
        return render_template("registry/edit_account.html", account=found, form=values,
                               errors={})
    form = load_form(AccountUpdateSchema())
    if not form.ok:
        return render_template("registry/edit_account.html", account=found, form=form.values,
                               errors=form.errors), 422
    data = {**form.data}
    for key in ("member_count", "public"):
        data.setdefault(key, None)  # a cleared box clears the value
    services.edit(current_user, found, data, mine)
    db.session.commit()
    flash(_("The changes were saved."), "success")
    return redirect(url_for("registry.account", account_id=found.id))


@bp.route("/registry/accounts/<int:account_id>/retire", methods=["POST"])
@login_required
def retire_account(account_id: int):
    """No longer used (kept for history); a co-declarant leaving a group leaves it to others."""
    found = account_or_404(account_id)
    if not permissions.can_edit_account(current_user, found):
        abort(403)
    mine = services.own_official(current_user) if permissions.is_declarant(current_user, found) \
        else None
    try:
        services.retire(current_user, found, mine)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("registry.account", account_id=found.id))
    db.session.commit()
    flash(_("The declaration was retired."), "success")
    return redirect(url_for("registry.account", account_id=found.id))


@bp.route("/registry/accounts")
@login_required
def accounts():
    """Declarations of the subtree for unit admins and reviewers, filtered, newest first."""
    form = load_form(AccountQuerySchema(), request.args)
    args = form.data if form.ok else {"page": 1}
    unit = staff_unit(args.get("unit"))
    stmt = services.accounts_query(current_user, unit, args.get("status"), args.get("platform"))
    page = db.paginate(stmt, page=args.get("page", 1), per_page=50, error_out=False)
    services.audit_personal_views(current_user, page.items, unit)
    db.session.commit()
    query = {k: v for k, v in form.values.items() if v and k != "page"}
    return render_template("registry/accounts.html", unit=unit, page=page, form=form.values,
                           errors=form.errors, query=query)
