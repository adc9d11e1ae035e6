"""Job-queue fixtures: the app with a real queue and real worker threads instead of the suite's
inline mode — Huey on an SQLite file, and Huey on the Redis server of TEST_REDIS_URL."""

from __future__ import annotations

import os
import time

import pytest

from core.extensions import db
from jobs import queue

QUEUES = ["sqlite"] + (["redis"] if os.environ.get("TEST_REDIS_URL") else [])


@pytest.fixture
def queued_app(app, tmp_path):
    """The app with JOBS_WORKER=none: jobs wait in the (SQLite file) queue until a worker runs."""
    return _with_queue(app, f"sqlite:///{tmp_path / 'jobs.sqlite3'}", "none")


def _with_queue(app, url: str, worker: str):
    app.config.update(JOBS_QUEUE_URL=url, JOBS_WORKER=worker)
    app.extensions["caidep.huey"] = queue.make_huey(app)
    if url.startswith("redis://"):
        app.extensions["caidep.huey"].flush()  # a clean queue, store and results
    return app


@pytest.fixture(params=QUEUES)
def worker_app(request, app, tmp_path):
    """The app with its queue on an SQLite file or on Redis, and two embedded worker threads."""
    url = (f"sqlite:///{tmp_path / 'jobs.sqlite3'}" if request.param == "sqlite"
           else os.environ["TEST_REDIS_URL"])
    _with_queue(app, url, "embedded")
    queue.start_embedded(app)
    yield app
    queue.stop_embedded(app)
    if request.param == "redis":
        app.extensions["caidep.huey"].flush()


def wait_for(job_id: int, seconds: float = 30.0):
    """The job once it has ended (polling the database, as its page does)."""
    from jobs.models import Job

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        if job is not None and not job.live:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {job.state if job else 'missing'} after {seconds}s")
