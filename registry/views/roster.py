"""Roster pages: officials of the subtree, add, edit, move, (de)activate."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from core.extensions import db
from core.forms import load_form
from core.permissions import can_manage_unit, login_required
from core.scoping import unit_in_scope_or_404
from registry import permissions, services
from registry.models import AccountStatus, Official
from registry.schemas import OfficialCreateSchema, OfficialUpdateSchema
from registry.views import bp
from registry.views.helpers import admin_unit, official_or_404, unit_choices


def _pending(unit) -> int:
    stmt = services.accounts_query(current_user, unit, AccountStatus.DECLARED)
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


@bp.route("/registry/roster")
@login_required
def roster():
    """Officials of a unit admin's subtree, by unit, with what they declared."""
    unit = admin_unit(request.args.get("unit"))
    stmt = services.officials_query(current_user, unit)
    query = (request.args.get("q") or "").strip()
    if query:
        stmt = stmt.where(Official.full_name.ilike(f"%{query}%"))
    page = db.paginate(stmt, page=request.args.get("page", 1, type=int), per_page=50,
                       error_out=False)
    return render_template("registry/roster.html", unit=unit, page=page, q=query,
                           pending=_pending(unit))


def _unit_field(form_values: dict, errors: dict, field: str = "unit"):
    """The unit the form names, within the admin's subtree (an error on the field otherwise)."""
    code = (form_values.get(field) or "").strip().lower()
    try:
        unit = unit_in_scope_or_404(current_user, code)
    except NotFound:  # outside the subtree: a field error here, like an unknown code
        unit = None
    if unit is None or not can_manage_unit(current_user, unit):
        errors[field] = [_("Choose a unit of your subtree.")]
        return None
    return unit


@bp.route("/registry/officials/new", methods=["GET", "POST"])
@login_required
def new_official():
    """Add someone to a roster."""
    unit = admin_unit(request.args.get("unit"))
    if request.method == "GET":
        return render_template("registry/official_form.html", official=None,
                               form={"unit": unit.code}, errors={}, units=unit_choices())
    form = load_form(OfficialCreateSchema())
    errors = dict(form.errors)
    target = _unit_field(form.values, errors)
    if errors:
        return render_template("registry/official_form.html", official=None, form=form.values,
                               errors=errors, units=unit_choices()), 422
    official = services.create_official(current_user, target, form.data)
    db.session.commit()
    flash(_("%(name)s was added to the roster.", name=official.full_name), "success")
    return redirect(url_for("registry.official", official_id=official.id))


@bp.route("/registry/officials/<int:official_id>")
@login_required
def official(official_id: int):
    """An official and their declarations (viewing someone else's personal ones is audited)."""
    person = official_or_404(official_id)
    accounts = db.session.scalars(services.accounts_query(current_user,
                                                          official_id=person.id)).all()
    services.audit_personal_views(current_user, accounts, person.unit)
    db.session.commit()
    return render_template("registry/official.html", official=person, accounts=accounts,
                           can_manage=permissions.can_manage_official(current_user, person),
                           can_declare=permissions.can_declare_for(current_user, person))


def _form_of(person: Official) -> dict:
    return {"full_name": person.full_name, "unit": person.unit.code, "position": person.position,
            "party_member": "1" if person.party_member else "", "phone": person.phone or "",
            "active": "1" if person.active else ""}


@bp.route("/registry/officials/<int:official_id>/edit", methods=["GET", "POST"])
@login_required
def edit_official(official_id: int):
    """Edit, move within the subtree, deactivate or reactivate an official."""
    person = official_or_404(official_id)
    if not permissions.can_manage_official(current_user, person):
        abort(403)
    if request.method == "GET":
        return render_template("registry/official_form.html", official=person,
                               form=_form_of(person), errors={}, units=unit_choices())
    values = {**request.form}
    values.setdefault("party_member", "false")
    values.setdefault("active", "false")
    form = load_form(OfficialUpdateSchema(), values)
    errors = dict(form.errors)
    target = _unit_field(form.values, errors)
    if errors:
        return render_template("registry/official_form.html", official=person, form=form.values,
                               errors=errors, units=unit_choices()), 422
    data = {k: v for k, v in form.data.items() if k != "unit"}
    services.update_official(current_user, person, data, target)
    db.session.commit()
    flash(_("The changes were saved."), "success")
    return redirect(url_for("registry.official", official_id=person.id))
