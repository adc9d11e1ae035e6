"""Jobs API: a job's state and progress, for scripts that queued one."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from core.errors import ApiError
from core.extensions import db
from core.permissions import api_auth, current_api_user
from jobs import presenters, services
from jobs.models import Job

blp = Blueprint("jobs_api", __name__, url_prefix="/api/v1", description="Background jobs")


class JobSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    state = fields.String(metadata={"enum": ["queued", "running", "done", "failed",
                                             "cancelled"]})
    done = fields.Integer()
    total = fields.Integer(allow_none=True)
    percent = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)
    created_at = fields.String()
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)
    result_url = fields.String(allow_none=True)
    url = fields.String()


@blp.route("/jobs/<int:job_id>")
@api_auth()
@blp.response(200, JobSchema)
def get_job(job_id: int):
    """A job the caller started or may see as an admin of its unit (404 otherwise)."""
    services.reap_stale()
    job = db.session.get(Job, job_id)
    if job is None or not services.can_see(current_api_user(), job):
        raise ApiError(404)
    return presenters.status(job)
