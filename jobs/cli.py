"""`flask jobs worker` (run queued jobs), `flask jobs run-pending` (run them and return) and
`flask jobs list`."""

from __future__ import annotations

import logging
import threading
import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from core.extensions import db
from jobs import queue, services
from jobs.models import Job

cli = AppGroup("jobs", help="Việc chạy nền: khởi động tiến trình chạy việc, xem danh sách.")


@cli.command("worker")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Số luồng chạy việc cùng lúc.")
def worker(workers: int) -> None:
    """Chạy các việc trong hàng đợi (Ctrl+C để dừng; việc đang chạy được làm xong)."""
    huey = current_app.extensions["caidep.huey"]
    if huey.immediate:
        raise click.ClickException("JOBS_WORKER=inline: việc chạy ngay khi được tạo, không cần "
                                   "tiến trình chạy việc.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    reaped = services.reap_stale()
    if reaped:
        click.echo(f"Đã đánh dấu thất bại {reaped} việc mà tiến trình chạy đã dừng giữa chừng.")
    click.echo(f"Chạy việc: {workers} luồng, hàng đợi {queue.backend()}.")
    _reap_every(current_app._get_current_object(), current_app.config["JOBS_STALE_SECONDS"])  # noqa: SLF001
    huey.create_consumer(workers=workers, worker_type="thread", periodic=False).run()


def _reap_every(app, seconds: float) -> None:
    """While this worker lives, look for jobs of dead workers (killed, machine gone) every
    `seconds`: they are marked failed, and those safe to repeat are queued again."""

    def loop() -> None:
        while True:
            time.sleep(max(seconds, 1.0))
            with app.app_context():
                try:
                    services.reap_stale()
                except Exception:  # noqa: BLE001 - the database away for a while: try later
                    logging.getLogger(__name__).exception("reaping stale jobs failed")
                finally:
                    db.session.remove()

    threading.Thread(target=loop, daemon=True, name="caidep-reaper").start()


@cli.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
def list_jobs(limit: int) -> None:
    """Các việc gần nhất: số, loại, trạng thái, tiến độ."""
    services.reap_stale()
    for job in db.session.scalars(select(Job).order_by(Job.id.desc()).limit(limit)):
        progress = services.live_progress(job)
        total = progress.get("total")
        done = f"{progress.get('done') or 0}/{total}" if total else "-"
        click.echo(f"{job.id:>6}  {job.kind:<22} {job.state:<10} {done:>13}  {job.label}"
                   + (f"  — {job.error}" if job.error else ""))


@cli.command("run-pending")
def run_pending() -> None:
    """Chạy hết các việc đang chờ trong hàng đợi rồi thoát (cho script, cron và kiểm thử)."""
    huey = current_app.extensions["caidep.huey"]
    if huey.immediate:
        click.echo("JOBS_WORKER=inline: việc đã chạy ngay khi được tạo; không còn gì chờ.")
        return
    count = 0
    while (task := huey.dequeue()) is not None:  # a job may queue others: they run too
        huey.execute(task)
        count += 1
    click.echo(f"Đã chạy {count} việc; hàng đợi {queue.backend()} trống.")
