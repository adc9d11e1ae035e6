"""Jobs: queue one, run it on a worker in one transaction, report its progress, reap the ones
whose worker died.

A job kind is a function registered with :func:`handler`: ``fn(job, progress) -> dict`` does
the work in the session (add and flush, never commit) and returns the report shown on the
job's page. It raises :class:`JobFailed` (with a report: every bad row and its reason) to end
the job with nothing written. The runner commits the work and the job's end together, so a job
is written whole or not at all — also when its worker is killed, since an uncommitted
transaction dies with its connection.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from core.extensions import db
from core.models import Role, Unit, User, as_utc, utcnow
from core.scoping import in_scope, subtree_ids
from core.services import ServiceError, audit
from jobs import queue
from jobs.models import LIVE_STATES, Job, JobState

log = logging.getLogger(__name__)


@dataclass
class Handler:
    fn: Callable
    label: object          # what the job is, for pages
    facts: dict            # key of the report's "facts" → its label
    again: bool = False    # safe to run twice: queued again when its worker dies mid-way


HANDLERS: dict[str, Handler] = {}
MAX_ERRORS = 1000  # bad rows kept in a report (the count says how many there were)


def handler(kind: str, label, facts: dict | None = None, again: bool = False) -> Callable:
    """Register the function that runs jobs of `kind`; `facts` label the figures its report
    returns (``{"facts": {key: number}, "errors": [{row, column, message}], ...}``). A kind
    whose job checks what is left to do (``again``) is queued anew when its worker dies."""

    def register(fn: Callable) -> Callable:
        HANDLERS[kind] = Handler(fn, label, facts or {}, again)
        return fn

    return register


def report(facts: dict | None = None, errors: list | None = None, **extra) -> dict:
    """A job's report: its figures and (at most MAX_ERRORS of) its bad rows."""
    errors = list(errors or [])
    return {"facts": facts or {}, "errors": errors[:MAX_ERRORS], "errors_total": len(errors),
            **extra}


class JobFailed(Exception):
    """End the job as failed with this message and report; nothing it wrote is kept."""

    def __init__(self, message: str, result: dict | None = None):
        super().__init__(message)
        self.message = message
        self.result = result or {}


class JobCancelled(Exception):
    """Someone cancelled the running job; nothing it wrote is kept."""


STOPPED = _l("The worker running this job stopped before it finished; nothing was written. "
             "Start it again.")
CRASHED = _l("The job stopped on an unexpected error; nothing was written.")


class Progress:
    """What a handler calls as it goes: ``progress.total(n)``, then ``progress(k)`` after every
    k items. Written to the queue's store at most a few times a second; raises JobCancelled
    once the job has been cancelled."""

    EVERY = 0.25

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.done = 0
        self.count: int | None = None
        self.stage = ""
        self._written = 0.0

    def total(self, n: int, stage: str = "") -> None:
        self.count, self.done, self.stage = n, 0, str(stage)
        self._write(force=True)

    def __call__(self, n: int = 1) -> None:
        self.done += n
        self._write()

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._written < self.EVERY:
            return
        self._written = now
        queue.put(f"progress:{self.job_id}", {"done": self.done, "total": self.count,
                                              "stage": self.stage})
        if queue.peek(f"cancel:{self.job_id}"):
            raise JobCancelled


def live_progress(job: Job) -> dict:
    """{done, total, stage} of a job: the worker's figures while it runs, the row's after."""
    if job.state == JobState.RUNNING:
        found = queue.peek(f"progress:{job.id}")
        if found:
            return found
    return {"done": job.done, "total": job.total, "stage": ""}


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def create(kind: str, user: User | None, unit: Unit | None, label: str, params: dict | None = None,
           payload: bytes | None = None, result_url: str | None = None) -> Job:
    """Add a queued job (flushed, not committed: call :func:`start` after the commit). The
    same file for the same kind and unit while one is queued or running is refused."""
    if kind not in HANDLERS:
        raise ServiceError(f"Không có loại việc '{kind}'.", "kind")
    sha = digest(payload) if payload is not None else None
    if sha is not None:
        running = db.session.scalar(select(Job).where(
            Job.kind == kind, Job.payload_sha256 == sha, Job.state.in_(LIVE_STATES),
            Job.unit_id == (unit.id if unit else None)))
        if running is not None:
            raise ServiceError(f"Tệp này đang được xử lý (việc số {running.id}); chờ việc đó "
                               "xong rồi hãy gửi lại.", "file", "duplicate")
    job = Job(kind=kind, user=user, unit=unit, label=label[:300], params=params or {},
              payload=payload, payload_sha256=sha, result_url=result_url, state=JobState.QUEUED)
    db.session.add(job)
    db.session.flush()
    audit("job_queued", actor=user, target=job, unit=unit, summary=f"#{job.id} {label}"[:200],
          kind=kind)
    return job


def start(job: Job) -> None:
    """Hand a committed job to the queue; if the queue cannot take it, the job fails at once."""
    try:
        queue.enqueue(job.id)
    except Exception as error:  # noqa: BLE001 - Redis down, disk full: say so on the job
        log.exception("could not queue job %s", job.id)
        db.session.rollback()
        _finish(job.id, JobState.FAILED, f"Không đưa được việc vào hàng đợi: {error}")


def submit(kind: str, user: User | None, unit: Unit | None, label: str, **kwargs) -> Job:
    """create + commit + start: the usual way to queue a job from a page or the API."""
    job = create(kind, user, unit, label, **kwargs)
    db.session.commit()
    start(job)
    db.session.expire_all()
    return db.session.get(Job, job.id)


def run(job_id: int) -> None:
    """Run one queued job to its end (called by the worker)."""
    job = db.session.get(Job, job_id)
    if job is None or job.state != JobState.QUEUED:
        return  # cancelled while queued, or run already
    job.state, job.started_at = JobState.RUNNING, utcnow()
    db.session.commit()
    beat = _Heartbeat(current_app._get_current_object(), job_id)  # noqa: SLF001
    beat.start()
    progress = Progress(job_id)
    try:
        result = dict(HANDLERS[job.kind].fn(job, progress) or {})
        follow = result.pop("start_jobs", [])  # jobs the handler queued, started once committed
        job.state, job.finished_at = JobState.DONE, utcnow()
        job.result, job.done, job.total = result, progress.done, progress.count
        audit("job_done", actor=job.user, target=job, unit=job.unit,
              summary=f"#{job.id} {job.label}"[:200], kind=job.kind)
        db.session.commit()
        for follow_id in follow:
            start(db.session.get(Job, follow_id))
    except JobFailed as failure:
        db.session.rollback()
        _finish(job_id, JobState.FAILED, failure.message, failure.result)
    except JobCancelled:
        db.session.rollback()
        _finish(job_id, JobState.CANCELLED, "")
    except Exception:  # noqa: BLE001 - the job fails and says so; the worker lives on
        log.exception("job %s (%s) failed", job_id, HANDLERS.get(job.kind))
        db.session.rollback()
        _finish(job_id, JobState.FAILED, str(CRASHED))
    finally:
        beat.stop()
        for key in ("progress", "cancel", "beat"):
            queue.forget(f"{key}:{job_id}")


def _finish(job_id: int, state: str, message: str, result: dict | None = None) -> None:
    job = db.session.get(Job, job_id)
    job.state, job.error, job.finished_at = state, str(message), utcnow()
    if result is not None:
        job.result = result
    audit(f"job_{state}", actor=job.user, target=job, unit=job.unit,
          summary=f"#{job.id} {job.label}: {message}"[:200], kind=job.kind)
    db.session.commit()


class _Heartbeat(threading.Thread):
    """Writes "still alive" for the job every few seconds while its worker runs it."""

    def __init__(self, app, job_id: int):
        super().__init__(daemon=True, name=f"job-{job_id}-heartbeat")
        self.app, self.job_id = app, job_id
        self.every = app.config["JOBS_HEARTBEAT_SECONDS"]
        self.stopped = threading.Event()

    def run(self) -> None:
        with self.app.app_context():
            while True:
                queue.put(f"beat:{self.job_id}", time.time())
                if self.stopped.wait(self.every):
                    return

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=5)


def reap_stale() -> int:
    """Mark failed every running job whose worker has not been heard of for JOBS_STALE_SECONDS
    (killed, machine gone). Its work was never committed, so nothing of it is left."""
    limit = current_app.config["JOBS_STALE_SECONDS"]
    now = time.time()
    reaped = 0
    for job in db.session.scalars(select(Job).where(Job.state == JobState.RUNNING)).all():
        beat = queue.peek(f"beat:{job.id}")
        last = beat if beat is not None else as_utc(job.started_at).timestamp()
        if now - last > limit:
            kind, user, unit, label, params = job.kind, job.user, job.unit, job.label, job.params
            _finish(job.id, JobState.FAILED, str(STOPPED))
            queue.forget(f"progress:{job.id}")
            reaped += 1
            if kind in HANDLERS and HANDLERS[kind].again:
                submit(kind, user, unit, label, params=params)
    return reaped


def cancel(job: Job, user: User) -> None:
    """Cancel a queued job at once, a running one at its next progress step."""
    if job.state == JobState.QUEUED:
        _finish(job.id, JobState.CANCELLED, "")
    elif job.state == JobState.RUNNING:
        queue.put(f"cancel:{job.id}", True)
        audit("job_cancel_asked", actor=user, target=job, unit=job.unit,
              summary=f"#{job.id} {job.label}"[:200])
        db.session.commit()


def can_see(user: User, job: Job) -> bool:
    """Whoever started it, admins of its unit (and above), and site admins."""
    if job.user_id == user.id or user.has_role(Role.ADMIN):
        return True
    return user.has_role(Role.UNIT_ADMIN) and in_scope(user, job.unit)


def visible(user: User):
    """The jobs `user` may see, newest first."""
    stmt = select(Job)
    if not user.has_role(Role.ADMIN):
        mine = Job.user_id == user.id
        if user.has_role(Role.UNIT_ADMIN):
            mine = or_(mine, Job.unit_id.in_(subtree_ids(user.unit)))
        stmt = stmt.where(mine)
    return stmt.order_by(Job.created_at.desc(), Job.id.desc())


def kind_label(kind: str) -> str:
    found = HANDLERS.get(kind)
    return str(found.label) if found else kind
