"""The registry's background job: a roster or declarations file imported from the web page."""

from __future__ import annotations

import time

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from jobs import services as jobs
from registry import importing

FACTS = {
    "rows": _l("Rows"),
    "officials_new": _l("New officials"),
    "officials_updated": _l("Officials updated"),
    "accounts_new": _l("New accounts"),
    "co_declared": _l("Co-declarations of groups or channels"),
    "unchanged": _l("Already declared"),
}


def _facts(report: importing.ImportReport) -> dict:
    return {key: getattr(report, key) for key in FACTS}


def _errors(report: importing.ImportReport) -> list[dict]:
    return [{"row": e.row, "column": e.column, "message": e.message} for e in report.errors]


@jobs.handler("registry.import", _l("Roster or declarations import"), FACTS)
def import_file(job, progress) -> dict:
    """Check every row, then write everything (or, with a single bad row, nothing)."""
    started = time.perf_counter()
    filename = job.params.get("filename", "")
    try:
        _header, rows = importing.read_table(filename, job.payload)
    except importing.ImportFileError as error:
        raise jobs.JobFailed(str(error)) from None
    progress.total(len(rows), _("Checking the rows"))
    plan = importing.check(rows, job.user, progress)
    report = plan.report
    if report.errors:
        raise jobs.JobFailed(
            ngettext("%(num)d error: nothing was written.", "%(num)d errors: nothing was written.",
                     len(report.errors)),
            jobs.report(_facts(report), _errors(report)))
    progress.total(len(plan.declarations), _("Writing"))
    importing.write(plan, job.user, progress, source=filename)
    seconds = round(time.perf_counter() - started, 1)
    return jobs.report(_facts(report), summary=_("Written: %(rows)d rows in %(seconds)s s.",
                                                 rows=report.rows, seconds=seconds))


def result_url(unit) -> str:
    return url_for("registry.roster", unit=unit.code)
