"""Text and CSV files as communes save them: UTF-8 with or without a BOM, UTF-16 (Excel's
"Unicode text"), comma, semicolon or tab separated. Anything else is refused in one clear
sentence that says what to do, never with a traceback.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Iterator
from typing import TextIO

from flask_babel import gettext as _


class UnreadableFile(ValueError):
    """The file as a whole cannot be read as text; the message says what to do."""


SLICE = 1 << 20  # bytes checked at a time: a long file is never decoded whole to check it


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (BOM allowed) or UTF-16 with its BOM."""
    return open_text(data).read()


def open_text(data: bytes) -> io.TextIOWrapper:
    """The file's text as a stream, so a long file is read a line at a time rather than held
    whole as a string beside its bytes. The encoding is checked first, all of it, so a bad byte
    on the last line refuses the file before anything reads it."""
    encoding = "utf-8"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile(_("This is an old Excel .xls file: open it in Excel and save it as "
                               ".xlsx (Excel Workbook) or CSV UTF-8."))
    elif (b"\x00" in data[:4096] or data[:4] in (b"%PDF", b"\x89PNG")
          or data[:3] == b"\xff\xd8\xff"):
        raise UnreadableFile(_("This file is neither a CSV nor an XLSX spreadsheet."))
    if data[:3] == b"\xef\xbb\xbf":
        encoding = "utf-8-sig"
    _check(data, encoding)
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")


def _check(data: bytes, encoding: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(data)
    for start in range(0, len(data), SLICE):
        try:
            decoder.decode(view[start:start + SLICE], final=start + SLICE >= len(data))
        except UnicodeDecodeError as error:
            if encoding == "utf-16":
                raise UnreadableFile(_("This UTF-16 file is damaged.")) from None
            # the error's position is within what this call was given, after the bytes the
            # decoder still held back from the previous slice
            held = len(decoder.getstate()[0]) if start else 0
            bad = max(start - held + error.start, 0)
            line = data.count(b"\n", 0, bad) + 1
            raise UnreadableFile(_("The CSV file is not in UTF-8 (first bad character on line "
                                   "%(line)s). In Excel use Save As → “CSV UTF-8”.", line=line)) \
                from None
    if not data:
        decoder.decode(b"", final=True)


def _delimiter(head: list[str]) -> str:
    """The separator that splits most of the first lines into the same number of cells
    (title rows above a header have one cell; a comma inside a post does not repeat)."""

    def score(delimiter: str) -> tuple[int, int]:
        try:
            widths = [len(row) for row in csv.reader(head, delimiter=delimiter) if len(row) > 1]
        except csv.Error:
            return 0, 0
        common = max(set(widths), key=widths.count, default=0)
        return widths.count(common), common

    return max(",;\t", key=score)


def csv_rows(text: str | TextIO) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of CSV text or a text stream (`open_text`), separated by whichever
    of , ; or tab the first lines use most (Excel saves CSV with semicolons where the comma is
    the decimal mark). A quote left open is refused rather than swallowing the rest of the file
    into one cell."""
    stream = io.StringIO(text, newline="") if isinstance(text, str) else text
    head = list(itertools.islice(stream, 10))
    reader = csv.reader(itertools.chain(head, stream), delimiter=_delimiter(head), strict=True)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as error:
        raise UnreadableFile(_("The CSV file cannot be read from line %(line)s on (%(error)s); "
                               "check its quotation marks.", line=start, error=str(error))) \
            from None
