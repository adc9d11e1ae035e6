"""`flask moderation import FILE` and `flask moderation rescore`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
from flask.cli import AppGroup

from core.extensions import db
from core.services import get_user
from moderation import scoring
from moderation.models import PostStatus
from moderation.services import importing, learning

cli = AppGroup("moderation", help="Kiểm duyệt bài viết: nhập hàng loạt, chấm điểm lại.")


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--user", "username", required=True,
              help="Người nhập (tên đăng nhập); đơn vị mặc định của các bài.")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default=None)
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra tệp, không ghi gì.")
def import_posts(file: Path, username: str, fmt: str | None, dry_run: bool):
    """Nhập bài từ tệp CSV hoặc JSONL: mọi dòng hợp lệ thì mới ghi (cả tệp, hoặc không gì cả)."""
    user = get_user(username)
    if user is None:
        raise click.ClickException(f"Không có người dùng '{username}'.")
    data = file.read_bytes()
    try:
        count, errors = importing.check_file(file.name, data, user, fmt)
    except importing.PostFileError as error:
        raise click.ClickException(error.message) from None
    if errors:
        click.echo(f"Tệp có {len(errors)} lỗi, không ghi bài nào:", err=True)
        for number, problem in errors:
            click.echo(f"  Dòng {number}: {problem}", err=True)
        raise SystemExit(1)
    if dry_run:
        click.echo(f"Tệp hợp lệ: {count} bài (chạy thử, chưa ghi).")
        return
    posts = _import(importing.valid_rows(file.name, data, user, fmt), count, user, file.name)
    queued = sum(p.status == PostStatus.PENDING for p in posts)
    clusters = len({p.cluster_id for p in posts})
    click.echo(f"Đã nhập {len(posts)} bài: {queued} vào hàng đợi, {clusters} cụm bài giống nhau.")


def _import(valid: Iterator, count: int, user, filename: str) -> list:
    if scoring.active_model() is None:
        click.echo("Chưa có mô hình phân loại: các bài được đưa vào hàng đợi để người duyệt xem.",
                   err=True)
    try:
        with click.progressbar(length=count, label="Nhập bài (chấm điểm, ghi)") as bar:
            posts = importing.import_rows(valid, user, filename, bar.update)
        db.session.commit()
    except importing.PostFileError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    except BaseException:
        db.session.rollback()
        raise
    return posts


@cli.command("rescore")
@click.option("--all", "every", is_flag=True,
              help="Chấm lại mọi bài đang chờ, cả những bài đã chấm bằng mô hình hiện hành.")
def rescore(every: bool):
    """Chấm điểm lại các bài đang chờ duyệt bằng mô hình đang kích hoạt."""
    model = scoring.active_model()
    if model is None:
        raise click.ClickException("Chưa có mô hình nào được kích hoạt (flask classifiers activate).")
    ids = list(db.session.scalars(learning.posts_to_rescore(every)))
    if not ids:
        click.echo(f"Không có bài nào cần chấm lại (mô hình {model.version}).")
        return
    with click.progressbar(length=len(ids), label="Chấm lại") as bar:
        for start in range(0, len(ids), learning.RESCORE_BATCH * 4):
            learning.rescore(ids[start:start + learning.RESCORE_BATCH * 4], bar.update)
            db.session.commit()
    click.echo(f"Đã chấm lại {len(ids)} bài bằng mô hình {model.version}.")
