"""`flask registry import FILE [--dry-run]`: rosters and declarations from CSV or XLSX."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from core.extensions import db
from registry import importing

cli = AppGroup("registry", help="Sổ đăng ký: danh sách cán bộ và tài khoản đã khai báo.")


def _print_errors(report: importing.ImportReport, limit: int = 200) -> None:
    for error in report.errors[:limit]:
        click.echo(f"  Dòng {error.row}, cột «{error.column}»: {error.message}", err=True)
    if len(report.errors) > limit:
        click.echo(f"  … và {len(report.errors) - limit} lỗi khác.", err=True)


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra, không ghi gì.")
def import_file(file: Path, dry_run: bool):
    """Nhập danh sách cán bộ và tài khoản từ tệp CSV hoặc XLSX (ghi tất cả hoặc không gì cả)."""
    started = time.perf_counter()
    with force_locale("vi"):
        try:
            _header, rows = importing.read_table(file.name, file.read_bytes())
        except importing.ImportFileError as error:
            raise click.ClickException(str(error)) from None
        with click.progressbar(length=len(rows), label="Kiểm tra từng dòng",
                               file=sys.stderr) as bar:
            plan = importing.check(rows, progress=bar.update)
        report = plan.report
        if report.errors:
            click.echo(f"{len(report.errors)} lỗi — chưa ghi gì:", err=True)
            _print_errors(report)
            raise SystemExit(1)
        if not dry_run:
            with click.progressbar(length=len(plan.declarations), label="Ghi khai báo",
                                   file=sys.stderr) as bar:
                try:
                    importing.write(plan, progress=bar.update, source=str(file))
                    db.session.commit()
                except Exception:
                    db.session.rollback()
                    raise
    seconds = time.perf_counter() - started
    verb = "Kiểm tra xong (chạy thử, chưa ghi gì)" if dry_run else "Đã nhập"
    click.echo(f"{verb}: {report.rows} dòng, {report.officials_new} cán bộ mới, "
               f"{report.officials_updated} cán bộ cập nhật, {report.accounts_new} tài khoản mới, "
               f"{report.co_declared} đồng khai báo nhóm/kênh, {report.unchanged} đã có sẵn "
               f"— {seconds:.1f} giây.")
