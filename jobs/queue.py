"""The task queue under the jobs: Huey.

Huey runs embedded with nothing to install — its queue in an SQLite file and worker threads in
the web process, which is what `make run` uses — and on Redis when ``JOBS_QUEUE_URL`` is a
``redis://`` URL, with ``flask jobs worker`` started on as many machines as needed. One task,
``caidep.run_job(job_id)``, runs every kind of job: what a job does is in the database row
(jobs.models.Job), so a worker only needs the same code and the same ``DATABASE_URL``.

``JOBS_WORKER``: ``embedded`` (worker threads start with the web app), ``none`` (only
``flask jobs worker`` runs jobs) or ``inline`` (Huey's immediate mode: a job runs at once in
the process that queues it — the test suite's mode).

While a job runs, its progress and heartbeat are written to Huey's key-value store (the same
SQLite file or Redis): the job's own database transaction is committed only when it ends.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey
from huey.consumer import Consumer

TASK = "caidep.run_job"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
WORKER_MODES = ("embedded", "none", "inline")


class QueueConfigError(RuntimeError):
    """JOBS_QUEUE_URL or JOBS_WORKER cannot be used; the message says what to set."""


def make_huey(app: Flask):
    """The app's Huey, with the one task registered on it."""
    url = app.config["JOBS_QUEUE_URL"]
    mode = app.config["JOBS_WORKER"]
    if mode not in WORKER_MODES:
        raise QueueConfigError(f"JOBS_WORKER phải là một trong {', '.join(WORKER_MODES)} "
                               f"(đang là '{mode}').")
    immediate = mode == "inline"
    if url.startswith(REDIS_SCHEMES):
        huey = RedisHuey("caidep", url=url, immediate=immediate)
    elif url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey("caidep", filename=str(path), immediate=immediate)
    else:
        raise QueueConfigError("JOBS_QUEUE_URL phải là redis://… hoặc sqlite:///đường/dẫn "
                               f"(đang là '{url}').")

    @huey.task(name=TASK, context=False)
    def run_job(job_id: int) -> None:
        with app.app_context():
            from jobs import services

            services.run(job_id)

    huey.caidep_run_job = run_job
    return huey


def huey():
    return current_app.extensions["caidep.huey"]


def enqueue(job_id: int) -> None:
    """Hand the job to a worker (at once, in inline mode)."""
    huey().caidep_run_job(job_id)


def put(key: str, value) -> None:
    huey().put(key, json.dumps(value))


def peek(key: str, default=None):
    """The stored value, left in place."""
    raw = huey().get(key, peek=True)
    return default if raw is None else json.loads(raw)


def forget(key: str) -> None:
    huey().get(key)  # a plain get removes the key


def health() -> dict:
    """For /healthz: the queue's store answers (the Redis server, or the SQLite file), how many
    jobs wait, and how the workers run."""
    body = {"backend": backend(), "worker": current_app.config["JOBS_WORKER"]}
    try:
        body["waiting"] = huey().pending_count()
        body["state"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means "not ok", reported not raised
        body["state"] = "error"
    return body


def backend() -> str:
    url = current_app.config["JOBS_QUEUE_URL"]
    return "redis" if url.startswith(REDIS_SCHEMES) else "sqlite"


_embedded: dict[int, Consumer] = {}
_lock = threading.Lock()


def start_embedded(app: Flask) -> None:
    """Start the in-process worker threads once per process (JOBS_WORKER=embedded)."""
    if app.config["JOBS_WORKER"] != "embedded" or id(app) in _embedded:
        return
    with _lock:
        if id(app) in _embedded:
            return
        consumer = app.extensions["caidep.huey"].create_consumer(
            workers=app.config["JOBS_EMBEDDED_WORKERS"], worker_type="thread", periodic=False,
            initial_delay=0.2, max_delay=2.0)
        _start_quietly(consumer)
        _embedded[id(app)] = consumer


def _start_quietly(consumer: Consumer) -> None:
    """Consumer.start without its signal handlers (those belong to the web server)."""
    consumer._set_signal_handlers = lambda: None  # noqa: SLF001 - only the main thread may
    consumer.start()


def stop_embedded(app: Flask) -> None:
    consumer = _embedded.pop(id(app), None)
    if consumer is not None:
        consumer.stop(graceful=True)


def wait_idle(seconds: float = 30.0) -> bool:
    """True once nothing is left queued (for the worker command's tests and benches)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if huey().pending_count() == 0:
            return True
        time.sleep(0.05)
    return False
