"""Accent folding: Vietnamese text the way people compare and search it.

"Đập THỦY điện!" and "dap thuy dien" fold to the same words, so near-duplicates, search and
import headers treat them alike whichever way a post was typed.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[a-z0-9]+")
# Combining marks NFC leaves alone (stacked "zalgo" marks, marks on letters without a precomposed form).
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _fold_table() -> dict[int, str]:
    """Every accented Latin letter (and đ/Đ) → its bare lower-case ASCII letter."""
    table = {ord("đ"): "d", ord("Đ"): "d"}
    for code in range(0x00C0, 0x1EFA):
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base.isascii() and base.isalpha() and chr(code).isalpha():
            table[code] = base.lower()
    return table


_FOLD = _fold_table()


def fold_words(text: str | None) -> list[str]:
    """The lower-case ASCII words of a text: no diacritics (đ → d), punctuation or emoji."""
    # NFC first: a decomposed "u" + hook would otherwise split "thủy" into "thu" and "y".
    folded = unicodedata.normalize("NFC", text or "").lower().translate(_FOLD)
    return _WORD.findall(_MARKS.sub("", folded) if not folded.isascii() else folded)


def fold(text: str | None) -> str:
    """``fold_words`` joined by single spaces: 'Mã đơn vị ' → 'ma don vi'."""
    return " ".join(fold_words(text))
