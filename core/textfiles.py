"""Text and CSV files as communes save them: UTF-8 with or without a BOM, UTF-16 (Excel's
"Unicode text"), comma, semicolon or tab separated. Anything else is refused in one clear
sentence that says what to do, never with a traceback.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask_babel import gettext as _


class UnreadableFile(ValueError):
    """The file as a whole cannot be read as text; the message says what to do."""


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (BOM allowed) or UTF-16 with its BOM."""
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile(_("This UTF-16 file is damaged.")) from None
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile(_("This is an old Excel .xls file: open it in Excel and save it as "
                               ".xlsx (Excel Workbook) or CSV UTF-8."))
    if b"\x00" in data[:4096] or data[:4] in (b"%PDF", b"\x89PNG") or data[:3] == b"\xff\xd8\xff":
        raise UnreadableFile(_("This file is neither a CSV nor an XLSX spreadsheet."))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise UnreadableFile(_("The CSV file is not in UTF-8 (first bad character on line "
                               "%(line)s). In Excel use Save As → “CSV UTF-8”.", line=line)) \
            from None


def _delimiter(text: str) -> str:
    """The separator that splits most of the first lines into the same number of cells
    (title rows above a header have one cell; a comma inside a post does not repeat)."""
    head = "\n".join(text.splitlines()[:10])

    def score(delimiter: str) -> tuple[int, int]:
        try:
            widths = [len(row) for row in csv.reader(io.StringIO(head), delimiter=delimiter)
                      if len(row) > 1]
        except csv.Error:
            return 0, 0
        common = max(set(widths), key=widths.count, default=0)
        return widths.count(common), common

    return max(",;\t", key=score)


def csv_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of CSV text, separated by whichever of , ; or tab the first lines
    use most (Excel saves CSV with semicolons where the comma is the decimal mark). A quote
    left open is refused rather than swallowing the rest of the file into one cell."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as error:
        raise UnreadableFile(_("The CSV file cannot be read from line %(line)s on (%(error)s); "
                               "check its quotation marks.", line=start, error=str(error))) \
            from None
