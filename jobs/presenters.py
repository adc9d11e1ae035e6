"""What the job pages and the API show of a job."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from core.models import as_utc
from jobs import services
from jobs.models import Job, JobState

STATE_LABELS = {
    JobState.QUEUED: _l("Waiting for a worker"),
    JobState.RUNNING: _l("Running"),
    JobState.DONE: _l("Done"),
    JobState.FAILED: _l("Failed"),
    JobState.CANCELLED: _l("Cancelled"),
}


def status(job: Job) -> dict:
    """State and progress: the job page's live part and the API's answer."""
    progress = services.live_progress(job)
    done, total = progress.get("done") or 0, progress.get("total")
    return {
        "id": job.id,
        "kind": job.kind,
        "state": job.state,
        "state_label": str(STATE_LABELS.get(job.state, job.state)),
        "done": done,
        "total": total,
        "percent": round(100 * done / total) if total else None,
        "stage": progress.get("stage") or "",
        "error": job.error or None,
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
        "result_url": job.result_url if job.state == JobState.DONE else None,
        "url": url_for("jobs.show", job_id=job.id),
    }


def _iso(moment) -> str | None:
    return as_utc(moment).isoformat() if moment else None


def job(row: Job) -> dict:
    """Everything the job page shows."""
    found = services.HANDLERS.get(row.kind)
    result = row.result or {}
    facts = [(label, result.get("facts", {}).get(key))
             for key, label in (found.facts.items() if found else [])
             if key in result.get("facts", {})]
    return {**status(row), "row": row, "label": row.label,
            "kind_label": services.kind_label(row.kind), "user": row.user, "unit": row.unit,
            "facts": facts, "errors": result.get("errors", []),
            "errors_total": result.get("errors_total", 0), "summary": result.get("summary"),
            "comparison": result.get("comparison", []),
            "live": row.live}
