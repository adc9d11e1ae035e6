"""Job pages: the list of one's jobs, a job's progress bar and final report, cancelling."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.extensions import db
from core.permissions import login_required
from jobs import presenters, services
from jobs.models import Job

bp = Blueprint("jobs", __name__)
PAGE = 50


def job_or_404(job_id: int) -> Job:
    """The job if the current user may see it; 404 otherwise (existence does not leak)."""
    job = db.session.get(Job, job_id)
    if job is None or not services.can_see(current_user, job):
        abort(404)
    return job


@bp.route("/jobs")
@login_required
def index():
    """The jobs one started (and, for unit admins, those of their units), newest first."""
    services.reap_stale()
    page = max(request.args.get("page", 1, type=int), 1)
    rows = db.session.scalars(services.visible(current_user).limit(PAGE + 1)
                              .offset((page - 1) * PAGE)).all()
    return render_template("jobs/index.html", jobs=[presenters.job(j) for j in rows[:PAGE]],
                           page=page, more=len(rows) > PAGE)


@bp.route("/jobs/<int:job_id>")
@login_required
def show(job_id: int):
    """A job: its progress bar while it runs (the page refreshes itself, or jobs.js updates it
    in place), its report when it has ended."""
    services.reap_stale()
    job = job_or_404(job_id)
    return render_template("jobs/show.html", job=presenters.job(job))


@bp.route("/jobs/<int:job_id>/status.json")
@login_required
def status(job_id: int):
    """State and progress, for jobs.js."""
    services.reap_stale()
    return jsonify(presenters.status(job_or_404(job_id)))


@bp.route("/jobs/<int:job_id>/cancel", methods=["POST"])
@login_required
def cancel(job_id: int):
    job = job_or_404(job_id)
    if not job.live:
        flash(_("This job has already ended."), "warning")
    else:
        services.cancel(job, current_user)
        flash(_("The job is being cancelled; nothing it did is kept."), "success")
    return redirect(url_for("jobs.show", job_id=job_id))
