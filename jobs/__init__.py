"""Background jobs: imports, rescoring, retraining and outbound messages run on a worker, with
a progress bar on their page and a report at the end (see jobs.queue for the task queue)."""

from __future__ import annotations

import os

from flask import Flask
from flask_babel import lazy_gettext as _l

AUDIT_LABELS = {
    "job_queued": _l("Job queued"),
    "job_done": _l("Job finished"),
    "job_failed": _l("Job failed"),
    "job_cancelled": _l("Job cancelled"),
    "job_cancel_asked": _l("Job cancellation asked"),
}


def _settings(app: Flask) -> dict:
    """The jobs' settings, from the environment (see README)."""
    env = os.environ.get
    return {
        "JOBS_QUEUE_URL": env("JOBS_QUEUE_URL",
                              f"sqlite:///{os.path.join(app.instance_path, 'jobs.sqlite3')}"),
        "JOBS_WORKER": env("JOBS_WORKER", "embedded"),
        "JOBS_EMBEDDED_WORKERS": int(env("JOBS_EMBEDDED_WORKERS", 2)),
        "JOBS_HEARTBEAT_SECONDS": float(env("JOBS_HEARTBEAT_SECONDS", 5)),
        "JOBS_STALE_SECONDS": float(env("JOBS_STALE_SECONDS", 60)),
    }


def init_app(app: Flask) -> None:
    """Settings, the queue, the pages, the API and `flask jobs`."""
    from core.i18n import register_audit_labels
    from jobs import cli, queue, views

    for key, value in _settings(app).items():
        app.config.setdefault(key, value)
    app.extensions["caidep.huey"] = queue.make_huey(app)
    register_audit_labels(AUDIT_LABELS)
    app.extensions.setdefault("caidep.health_checks", {})["queue"] = queue.health
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.cli)

    @app.before_request
    def _embedded_worker():
        queue.start_embedded(app)
