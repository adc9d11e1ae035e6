"""Upload page for unit admins: check a CSV/XLSX file (dry run), then import it."""

from __future__ import annotations

import csv
import io

from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.extensions import db
from core.permissions import login_required
from core.services import ServiceError
from jobs import services as jobs
from registry import importing as importer
from registry import tasks
from registry.importing.reading import COLUMNS
from registry.views import bp
from registry.views.helpers import admin_unit

SHOWN_ERRORS = 200
EXAMPLE = [
    ["1", "ban-mat", "Lò Văn A", "Trưởng bản", "có", "0912 345 678", "Zalo", "Nhóm",
     "https://zalo.me/g/abc12345", "Bản Mạt đoàn kết", "Quản trị", "120", "không", ""],
    ["2", "ban-mat", "Lò Văn A", "", "", "", "Facebook", "Cá nhân",
     "https://www.facebook.com/lo.van.a", "Lò Văn A", "Chủ sở hữu", "", "", ""],
]


@bp.route("/registry/import", methods=["GET", "POST"])
@login_required
def import_file():
    """Upload a roster or declarations file; “Check” lists the errors row by row, “Import”
    queues a job that writes everything or nothing, and shows its progress and report."""
    unit = admin_unit(None)
    if request.method == "GET":
        return render_template("registry/import.html", unit=unit, report=None, error=None)
    upload = request.files.get("file")
    dry_run = request.form.get("action") != "import"
    if upload is None or not upload.filename:
        return render_template("registry/import.html", unit=unit, report=None,
                               error=_("Choose a CSV or XLSX file.")), 422
    data = upload.read()
    if dry_run:
        try:
            report = importer.run_import(upload.filename, data, current_user, dry_run=True)
        except importer.ImportFileError as error:
            return render_template("registry/import.html", unit=unit, report=None,
                                   error=str(error)), 422
        db.session.rollback()
        return render_template("registry/import.html", unit=unit, report=report, error=None,
                               dry_run=True, filename=upload.filename,
                               shown=report.errors[:SHOWN_ERRORS]), 422 if report.errors else 200
    try:
        importer.read_table(upload.filename, data)  # an unreadable file is said at once
        job = jobs.submit("registry.import", current_user, unit, upload.filename,
                          params={"filename": upload.filename}, payload=data,
                          result_url=tasks.result_url(unit))
    except importer.ImportFileError as error:
        return render_template("registry/import.html", unit=unit, report=None,
                               error=str(error)), 422
    except ServiceError as error:
        db.session.rollback()
        return render_template("registry/import.html", unit=unit, report=None,
                               error=error.message), 409
    return redirect(url_for("jobs.show", job_id=job.id), 303)


@bp.route("/registry/import/template.csv")
@login_required
def import_template():
    """A CSV with every accepted column and two example rows, to fill in."""
    admin_unit(None)
    from flask_babel import force_locale

    from registry.importing.reading import LABELS

    with force_locale("vi"):
        header = ["STT"] + [str(LABELS[key]) for key in COLUMNS if key != "official_id"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(EXAMPLE)
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="mau-nhap.csv"'})
