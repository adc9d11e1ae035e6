"""Import of posts from a CSV (header line) or JSONL file, shared by `flask moderation import`
and the import job of the upload page: every row is checked with the API's schema first, then
the whole file is written, or nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TextIO

from marshmallow import ValidationError

from core import textfiles
from core.errors import plain
from core.models import Unit
from core.services import ServiceError, audit
from moderation.models import Channel
from moderation.schemas import PostCreateSchema
from moderation.services import bulk, intake
from moderation.services.clusters import review_root_id

COLUMNS = ("text", "url", "platform", "account_id", "unit", "author", "seen_at")


class PostFileError(ServiceError):
    """The file as a whole cannot be read as posts; the message says why, in Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message, "file", "invalid_file")


def _records(data: bytes, fmt: str) -> Iterator[tuple[int, dict | None, str | None]]:
    """(line number, row, problem) for each line of a CSV (header line) or JSONL file, read as
    a stream so a long file is never held as rows: nothing in the file is dropped without a
    word, and a line that cannot be a row comes with its problem (and no row)."""
    try:
        stream = textfiles.open_text(data)
        yield from _jsonl_records(stream) if fmt == "jsonl" else _csv_records(stream)
    except textfiles.UnreadableFile as error:
        raise PostFileError(str(error)) from None


def _accepted() -> str:
    return ", ".join(COLUMNS)


def _jsonl_records(stream: TextIO) -> Iterator[tuple[int, dict | None, str | None]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            yield number, None, f"không phải JSON hợp lệ ({error.msg})."
            continue
        if not isinstance(row, dict):
            yield number, None, "mỗi dòng phải là một đối tượng JSON."
            continue
        unknown = sorted(set(row) - set(COLUMNS))
        if unknown:
            yield number, None, (f"trường không nhận: {', '.join(unknown)} "
                                 f"(các trường nhận: {_accepted()}).")
        yield number, row, None


def _csv_records(stream: TextIO) -> Iterator[tuple[int, dict | None, str | None]]:
    lines = textfiles.csv_rows(stream)
    header = [cell.strip().lower() for cell in next(lines, (1, []))[1]]
    if "text" not in header:
        raise PostFileError(f"Tệp CSV cần dòng tiêu đề có cột 'text' (các cột nhận: "
                                   f"{_accepted()}).")
    unknown = [name for name in header if name and name not in COLUMNS]
    twice = sorted({name for name in header if name and header.count(name) > 1})
    if unknown or twice:
        problem = (f"cột không nhận: {', '.join(unknown)}" if unknown
                   else f"cột lặp lại: {', '.join(twice)}")
        raise PostFileError(f"Dòng tiêu đề: {problem} (các cột nhận: {_accepted()}).")
    for number, cells in lines:
        if not any(cell.strip() for cell in cells):
            continue
        stray = [k + 1 for k, cell in enumerate(cells)
                 if cell.strip() and (k >= len(header) or not header[k])]
        if stray:
            yield number, None, (f"có dữ liệu ở ô {', '.join(map(str, stray))}, "
                                 "cột không có tên trong dòng tiêu đề.")
            continue
        # a short row leaves its last columns empty, as spreadsheets write them
        yield number, {name: cell for name, cell in zip(header, cells, strict=False)
                       if name}, None


def file_format(filename: str, given: str | None = None) -> str:
    """csv or jsonl, from `given` or the file name's ending."""
    suffix = Path(filename).suffix.lower()
    fmt = given or {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(suffix)
    if fmt is None:
        raise PostFileError("Không nhận ra định dạng: dùng tệp .csv hoặc .jsonl "
                            "(hoặc chỉ rõ --format).")
    return fmt


def validate_rows(rows: list[tuple[int, dict]], user
                  ) -> tuple[list[tuple[int, dict, Unit]], list[tuple[int, str]]]:
    """Every row through the API's schema, unit and account checks: (line, data, unit) for the
    valid rows, (line, problem) errors."""
    valid, errors = [], []
    for number, data, unit, problem in _validated(((n, row, None) for n, row in rows), user):
        if problem is None:
            valid.append((number, data, unit))
        else:
            errors.append((number, problem))
    return valid, errors


def _validated(records, user) -> Iterator[tuple[int, dict | None, Unit | None, str | None]]:
    """(line, data, unit, None) for each record that passes the API's schema, unit and account
    checks, (line, None, None, problem) for each problem. A file names a handful of units over
    thousands of rows, so each is looked up once."""
    schema, units = PostCreateSchema(), {}
    for number, row, problem in records:
        if problem is not None:
            yield number, None, None, problem
        if row is None:
            continue
        row = {k: v for k, v in row.items() if k in COLUMNS and v not in (None, "")}
        try:
            data = schema.load(row)
            code = data.get("unit")
            if code not in units:
                units[code] = intake.resolve_unit(code, user)
            unit = units[code]
            intake.resolve_account(data.get("account_id"), review_root_id(unit), user)
        except ValidationError as error:
            for field, messages in plain(error.messages).items():
                yield number, None, None, f"{field}: {' '.join(_flat(messages))}"
        except ServiceError as error:
            yield number, None, None, f"{error.field}: {error.message}"
        else:
            yield number, data, unit, None


def _flat(messages) -> list[str]:
    if isinstance(messages, dict):
        return [m for value in messages.values() for m in _flat(value)]
    return list(messages) if isinstance(messages, list) else [str(messages)]


def check_file(filename: str, data: bytes, user, fmt: str | None = None
               ) -> tuple[int, list[tuple[int, str]]]:
    """Read and check a whole file, keeping none of its rows (a 100,000-row file would take
    hundreds of megabytes as rows): how many rows are valid, and every problem by line. The
    rows are read again, one chunk at a time, by `valid_rows` when they are written."""
    count, errors = 0, []
    for number, _data, _unit, problem in _validated(_records(data, file_format(filename, fmt)),
                                                    user):
        if problem is None:
            count += 1
        else:
            errors.append((number, problem))
    if not count and not errors:
        raise PostFileError("Tệp không có dòng nào.")
    return count, sorted(errors, key=lambda error: error[0])


def valid_rows(filename: str, data: bytes, user, fmt: str | None = None
               ) -> Iterator[tuple[int, dict, Unit]]:
    """The rows of a file `check_file` found clean, (line, data, unit), read and checked again
    as they are written. A row refused now (its account was removed meanwhile) raises
    PostFileError naming its line: the caller rolls back, nothing is written."""
    for number, row, unit, problem in _validated(_records(data, file_format(filename, fmt)),
                                                 user):
        if problem is not None:
            raise PostFileError(f"Dòng {number}: {problem} Không bài nào được ghi.")
        yield number, row, unit


def import_rows(valid: Iterable[tuple[int, dict, Unit]], user, filename: str,
                progress: Callable[[int], None] = lambda n: None) -> list:
    """Score and write the checked rows in the caller's transaction (the caller commits or
    rolls back), in chunks and batches (moderation.services.bulk); a row refused while writing
    raises PostFileError naming its line. Returns each row's outcome (status, cluster_id) in
    file order. Without an active model the posts are written unscored, for review."""
    try:
        outcomes = bulk.submit_many(valid, user, Channel.IMPORT, progress)
    except bulk.RowRefused as refused:
        raise PostFileError(f"Dòng {refused.number}: {refused.message} Không bài nào được ghi.") \
            from None
    audit("posts_imported", actor=user, unit=user.unit,
          summary=f"{filename}: {len(outcomes)}", file=filename, count=len(outcomes))
    return outcomes
