"""`flask zalo link` (link a commune's Official Account to its unit) and `flask zalo send-digests`
(queue the digests that are due; run it from cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from core.extensions import db
from core.services import ServiceError
from jobs import services as jobs
from zalo import messages, services

cli = AppGroup("zalo", help="Kênh Zalo Official Account.")


@cli.command("link")
@click.option("--unit", "unit_code", required=True, help="Mã đơn vị (xã) của OA.")
@click.option("--app-id", required=True, help="App ID của ứng dụng Zalo.")
@click.option("--oa-id", required=True, help="OA ID.")
@click.option("--secret-key", required=True, help="Khóa bí mật của OA (lưu mã hóa).")
@click.option("--access-token", default=None, help="Access token (lưu mã hóa).")
@click.option("--refresh-token", default=None, help="Refresh token (lưu mã hóa).")
def link(unit_code, app_id, oa_id, secret_key, access_token, refresh_token) -> None:
    """Liên kết (hoặc liên kết lại) một OA với một đơn vị."""
    try:
        row = services.link(unit_code, app_id, oa_id, secret_key, access_token, refresh_token)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"Đã liên kết OA {row.oa_id} (ứng dụng {row.app_id}) với đơn vị {row.unit.code}; "
               f"bài gửi đến OA vào hàng đợi của {row.unit.name}. Địa chỉ nhận sự kiện: "
               "/zalo/webhook")


@cli.command("send-digests")
def send_digests() -> None:
    """Xếp việc gửi bản tin “Thông tin chính thống” của các OA đến kỳ (chạy từ cron)."""
    due = messages.due_digests()
    queued = [jobs.create("zalo.digest", None, row.unit, f"Zalo: bản tin {row.unit.name}",
                          params={"link_id": row.id}) for row in due]
    db.session.commit()
    for job in queued:
        jobs.start(job)
    click.echo(f"Đã xếp {len(queued)} việc gửi bản tin"
               + (f": {', '.join(row.unit.code for row in due)}." if due else "."))
