"""`flask jobs worker` (run queued jobs) and `flask jobs list`."""

from __future__ import annotations

import logging

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
    huey.create_consumer(workers=workers, worker_type="thread", periodic=False).run()


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
