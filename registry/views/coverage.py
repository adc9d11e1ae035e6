"""Coverage page (table and a server-side SVG bar chart) and its CSV / XLSX downloads."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_login import current_user

from core.extensions import db
from core.permissions import login_required
from core.services import audit
from registry import coverage as coverage_module
from registry.views import bp
from registry.views.helpers import admin_unit

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.route("/registry/coverage")
@login_required
def coverage():
    """Per child unit: roster, declared, verified, overdue, coverage % — and a bar chart."""
    unit = admin_unit(request.args.get("unit"))
    rows, own = coverage_module.coverage(unit)
    whole = coverage_module.total(rows, own, unit)
    return render_template("registry/coverage.html", unit=unit, rows=rows, own=own, whole=whole)


@bp.route("/registry/coverage.<fmt>")
@login_required
def coverage_export(fmt: str):
    """The coverage table as CSV (UTF-8 with BOM) or XLSX, Vietnamese headers; audited."""
    if fmt not in FORMATS:
        abort(404)
    unit = admin_unit(request.args.get("unit"))
    rows, own = coverage_module.coverage(unit)
    writer = coverage_module.to_csv if fmt == "csv" else coverage_module.to_xlsx
    body = writer(rows, own, unit)
    audit("coverage_exported", actor=current_user, unit=unit, summary=fmt, format=fmt)
    db.session.commit()
    filename = f"do-phu-{unit.code}.{fmt}"
    return Response(body, mimetype=FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
