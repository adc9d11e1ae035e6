"""`flask moderation import FILE` and `flask moderation rescore`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup
from marshmallow import ValidationError

from core import textfiles
from core.errors import plain
from core.extensions import db
from core.models import Unit
from core.services import ServiceError, audit, get_user
from moderation import scoring
from moderation.models import Channel, PostStatus
from moderation.schemas import PostCreateSchema
from moderation.services import intake, learning
from moderation.services.clusters import review_root_id

cli = AppGroup("moderation", help="Kiểm duyệt bài viết: nhập hàng loạt, chấm điểm lại.")

COLUMNS = ("text", "url", "platform", "account_id", "unit", "author", "seen_at")
SCORE_BATCH = 1000


def read_rows(path: Path, fmt: str) -> tuple[list[tuple[int, dict]], list[tuple[int, str]]]:
    """(line number, row) of a CSV (header line) or JSONL file, and (line, problem) for every
    line that cannot be a row: nothing in the file is dropped without a word."""
    try:
        text = textfiles.decode(path.read_bytes())
        return _jsonl_rows(text) if fmt == "jsonl" else _csv_rows(text)
    except textfiles.UnreadableFile as error:
        raise click.ClickException(str(error)) from None


def _accepted() -> str:
    return ", ".join(COLUMNS)


def _jsonl_rows(text: str) -> tuple[list[tuple[int, dict]], list[tuple[int, str]]]:
    rows, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            errors.append((number, f"không phải JSON hợp lệ ({error.msg})."))
            continue
        if not isinstance(row, dict):
            errors.append((number, "mỗi dòng phải là một đối tượng JSON."))
            continue
        unknown = sorted(set(row) - set(COLUMNS))
        if unknown:
            errors.append((number, f"trường không nhận: {', '.join(unknown)} "
                                   f"(các trường nhận: {_accepted()})."))
        rows.append((number, row))
    return rows, errors


def _csv_rows(text: str) -> tuple[list[tuple[int, dict]], list[tuple[int, str]]]:
    lines = textfiles.csv_rows(text)
    header = [cell.strip().lower() for cell in next(lines, (1, []))[1]]
    if "text" not in header:
        raise click.ClickException(f"Tệp CSV cần dòng tiêu đề có cột 'text' (các cột nhận: "
                                   f"{_accepted()}).")
    unknown = [name for name in header if name and name not in COLUMNS]
    twice = sorted({name for name in header if name and header.count(name) > 1})
    if unknown or twice:
        problem = (f"cột không nhận: {', '.join(unknown)}" if unknown
                   else f"cột lặp lại: {', '.join(twice)}")
        raise click.ClickException(f"Dòng tiêu đề: {problem} (các cột nhận: {_accepted()}).")
    rows, errors = [], []
    for number, cells in lines:
        if not any(cell.strip() for cell in cells):
            continue
        stray = [k + 1 for k, cell in enumerate(cells)
                 if cell.strip() and (k >= len(header) or not header[k])]
        if stray:
            errors.append((number, f"có dữ liệu ở ô {', '.join(map(str, stray))}, "
                                   "cột không có tên trong dòng tiêu đề."))
            continue
        # a short row leaves its last columns empty, as spreadsheets write them
        rows.append((number, {name: cell for name, cell in zip(header, cells, strict=False)
                              if name}))
    return rows, errors


def _format(path: Path, given: str | None) -> str:
    fmt = given or {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(path.suffix.lower())
    if fmt is None:
        raise click.ClickException("Không nhận ra định dạng: dùng tệp .csv hoặc .jsonl, "
                                   "hoặc chỉ rõ --format.")
    return fmt


def validate_rows(rows: list[tuple[int, dict]], user
                  ) -> tuple[list[tuple[int, dict, Unit]], list[tuple[int, str]]]:
    """Every row through the API's schema, unit and account checks: (line, data, unit) for the
    valid rows, (line, problem) errors. A file names a handful of units over thousands of rows,
    so each is looked up once."""
    schema, valid, errors, units = PostCreateSchema(), [], [], {}
    for number, row in rows:
        row = {k: v for k, v in row.items() if k in COLUMNS and v not in (None, "")}
        try:
            data = schema.load(row)
            code = data.get("unit")
            if code not in units:
                units[code] = intake.resolve_unit(code, user)
            unit = units[code]
            intake.resolve_account(data.get("account_id"), review_root_id(unit), user)
            valid.append((number, data, unit))
        except ValidationError as error:
            for field, messages in plain(error.messages).items():
                errors.append((number, f"{field}: {' '.join(_flat(messages))}"))
        except ServiceError as error:
            errors.append((number, f"{error.field}: {error.message}"))
    return valid, errors


def _flat(messages) -> list[str]:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flat(value)]
    return list(messages) if isinstance(messages, list) else [str(messages)]


def _predictions(texts: list[str]) -> list:
    """Score in batches with a progress bar; all None when no model is active."""
    if scoring.active_model() is None:
        click.echo("Chưa có mô hình phân loại: các bài được đưa vào hàng đợi để người duyệt xem.",
                   err=True)
        return [None] * len(texts)
    out: list = []
    with click.progressbar(length=len(texts), label="Chấm điểm") as bar:
        for start in range(0, len(texts), SCORE_BATCH):
            batch = texts[start:start + SCORE_BATCH]
            out.extend(scoring.classify(batch))
            bar.update(len(batch))
    return out


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
    rows, errors = read_rows(file, _format(file, fmt))
    if not rows and not errors:
        raise click.ClickException("Tệp không có dòng nào.")
    valid, invalid = validate_rows(rows, user)
    errors = sorted(errors + invalid, key=lambda error: error[0])
    if errors:
        click.echo(f"Tệp có {len(errors)} lỗi, không ghi bài nào:", err=True)
        for number, problem in errors:
            click.echo(f"  Dòng {number}: {problem}", err=True)
        raise SystemExit(1)
    if dry_run:
        click.echo(f"Tệp hợp lệ: {len(valid)} bài (chạy thử, chưa ghi).")
        return
    posts = _import(valid, user, file.name)
    queued = sum(p.status == PostStatus.PENDING for p in posts)
    clusters = len({p.cluster_id for p in posts})
    click.echo(f"Đã nhập {len(posts)} bài: {queued} vào hàng đợi, {clusters} cụm bài giống nhau.")


def _import(valid: list[tuple[int, dict, Unit]], user, filename: str) -> list:
    predictions = _predictions([row["text"] for _, row, _ in valid])
    posts = []
    try:
        with click.progressbar(length=len(valid), label="Nhập bài") as bar:
            for (number, row, unit), prediction in zip(valid, predictions, strict=True):
                try:
                    posts.append(intake.submit(row, user, Channel.IMPORT, prediction=prediction,
                                               predicted=True, unit=unit))
                except ServiceError as error:
                    raise click.ClickException(
                        f"Dòng {number}: {error.message} Không bài nào được ghi.") from None
                bar.update(1)
        audit("posts_imported", actor=user, unit=user.unit,
              summary=f"{filename}: {len(posts)}", file=filename, count=len(posts))
        db.session.commit()
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
