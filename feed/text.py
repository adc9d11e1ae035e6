"""Story text helpers: title and summary suggestions, URL slugs, and XML-safe text."""

from __future__ import annotations

import re
import unicodedata

TITLE_MAX = 120
SUMMARY_MAX = 280

# A sentence ends at . ! ? … (possibly repeated, possibly closed by a quote) before a space,
# or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+|\n+")
# Characters XML 1.0 cannot carry at all (feeds would not parse): C0 controls but tab/LF/CR,
# lone surrogates and the two non-characters.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str | None) -> str:
    """The text without characters that no XML document may contain."""
    return _NOT_XML.sub("", text or "")


def sentences(text: str) -> list[str]:
    """The text split into sentences (rough, but right for plain Vietnamese prose)."""
    return [part.strip() for part in _SENTENCE_END.split(text or "") if part and part.strip()]


def shorten(text: str, limit: int) -> str:
    """Cut at a word boundary so the result (with its ellipsis) fits in `limit` characters."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-–") + "…"


def suggest_title(text: str) -> str:
    """The first sentence, without its full stop, short enough for a title."""
    parts = sentences(text)
    first = parts[0] if parts else ""
    if first.endswith(".") and not first.endswith(".."):
        first = first[:-1]
    return shorten(first, TITLE_MAX)


def suggest_summary(text: str) -> str:
    """The sentences after the title, or the whole text when it is one sentence."""
    parts = sentences(text)
    rest = " ".join(parts[1:]) if len(parts) > 1 else " ".join(parts)
    return shorten(rest, SUMMARY_MAX)


def slugify(text: str, limit: int = 60) -> str:
    """Vietnamese title → 'lower-case-ascii-words' (đ becomes d); 'cau-chuyen' when empty."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "cau-chuyen"
