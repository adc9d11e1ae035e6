"""Read the spreadsheets communes keep (CSV in any usual dialect, or XLSX) into header + rows.

Title rows above the header are skipped; every refusal (empty file, not a CSV/XLSX, old .xls,
wrong encoding, no recognisable header) is one clear Vietnamese sentence.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import textfiles
from core.text import fold

# Canonical column → the header spellings accepted (compared without accents, case, punctuation).
COLUMNS = {
    "unit": ["ma don vi", "don vi", "unit", "unit code"],
    "official_id": ["ma can bo", "official id", "official"],
    "full_name": ["ho va ten", "ho ten", "full name", "name"],
    "position": ["chuc vu", "position"],
    "party_member": ["dang vien", "party member"],
    "phone": ["so dien thoai", "dien thoai", "sdt", "phone"],
    "platform": ["nen tang", "platform"],
    "kind": ["loai tai khoan", "loai", "kind"],
    "identifier": ["dia chi tai khoan", "tai khoan", "lien ket", "identifier", "url"],
    "display_name": ["ten hien thi", "ten tai khoan", "display name"],
    "role": ["vai tro", "role"],
    "member_count": ["so thanh vien", "member count"],
    "public": ["cong khai", "public"],
    "purpose": ["muc dich", "purpose"],
}
IGNORED = {"stt", "tt", "so tt", "ghi chu", "note", "notes"}
REQUIRED = ("unit", "full_name")
LABELS = {
    "unit": _l("Unit code"), "official_id": _l("Official number"), "full_name": _l("Full name"),
    "position": _l("Position"), "party_member": _l("Party member"), "phone": _l("Phone"),
    "platform": _l("Platform"), "kind": _l("Account type"), "identifier": _l("Account address"),
    "display_name": _l("Display name"), "role": _l("Role"), "member_count": _l("Members"),
    "public": _l("Public"), "purpose": _l("Purpose"),
}
MAX_ROWS = 200_000


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message says what to do."""


def plain(text) -> str:
    """'Mã đơn vị ' → 'ma don vi': headers and values compared the way people mean them."""
    return fold(str(text or ""))


HEADER_INDEX = {plain(alias): key for key, aliases in COLUMNS.items() for alias in aliases}


def read_table(filename: str, data: bytes) -> tuple[dict, list[tuple[int, dict]]]:
    """(column → header as written, [(row number, {column: value})]) of a CSV or XLSX file."""
    if not data or not data.strip():
        raise ImportFileError(_("The file is empty."))
    raw_rows = _xlsx_rows(data) if data[:4] == b"PK\x03\x04" else _csv_rows(data)
    return _with_header(raw_rows)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ImportFileError(_("This XLSX file is damaged or is not an Excel workbook.")) \
            from error
    sheet = workbook.worksheets[0]
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        yield number, list(row)
    workbook.close()


def _csv_rows(data: bytes) -> Iterator[tuple[int, list]]:
    try:
        yield from textfiles.csv_rows(textfiles.decode(data))
    except textfiles.UnreadableFile as error:
        raise ImportFileError(str(error)) from None


def _header_of(cells: list) -> dict | None:
    keys = {}
    for position, cell in enumerate(cells):
        key = HEADER_INDEX.get(plain(cell))
        if key is not None and key not in keys:
            keys[key] = position
    return keys if all(k in keys for k in REQUIRED) else None


def _with_header(raw_rows) -> tuple[dict, list[tuple[int, dict]]]:
    header, rows, unknown = None, [], []
    for number, cells in raw_rows:
        if header is None:
            header = _header_of(cells)
            if header is None and number >= 10:
                break
            if header is not None:
                unknown = [str(c) for c in cells if str(c or "").strip()
                           and HEADER_INDEX.get(plain(c)) is None and plain(c) not in IGNORED]
            continue
        if all(str(c if c is not None else "").strip() == "" for c in cells):
            continue
        rows.append((number, {key: cells[pos] if pos < len(cells) else None
                              for key, pos in header.items()}))
        if len(rows) > MAX_ROWS:
            raise ImportFileError(_("Too many rows (at most %(max)s).", max=MAX_ROWS))
    if header is None:
        expected = ", ".join(str(LABELS[key]) for key in COLUMNS)
        raise ImportFileError(_("No header row with the columns “Unit code” and “Full name” in "
                                "the first 10 rows. Accepted columns: %(columns)s.",
                                columns=expected))
    if unknown:
        expected = ", ".join(str(LABELS[key]) for key in COLUMNS)
        raise ImportFileError(_("Unknown columns: %(unknown)s. Accepted columns: %(columns)s "
                                "(and STT, Ghi chú, which are ignored).",
                                unknown=", ".join(unknown), columns=expected))
    if not rows:
        raise ImportFileError(_("The file has a header but no rows."))
    return header, rows
