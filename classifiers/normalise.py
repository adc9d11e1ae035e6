"""Vietnamese text normalisation that keeps, for every output token, its span in the input.

Steps: NFC, lower case, tone marks moved to the traditional position (``hoà`` → ``hòa``,
the rule ``underthesea.text_normalize`` applies, re-implemented with a table because the
library call costs ~140 µs a post), teencode, squeezed letter repeats, URLs → ``url`` +
domain, emoji and emoticons kept as tokens, ``!``/``?`` kept. Spans index the *original*
string so explanations can be highlighted on the page.
"""

import re
import unicodedata
from typing import NamedTuple

from classifiers.teencode import TEENCODE

_TONE_MARKS = {
    "\u0300": "grave",
    "\u0301": "acute",
    "\u0303": "tilde",
    "\u0309": "hook",
    "\u0323": "dot",
}
_VOWELS = set("aăâeêioôơuưy")
_HATTED = set("ăâêôơư")


def _vowel_table() -> dict[str, tuple[str, str]]:
    """Precompute char → (vowel without tone, tone mark) for every toned Vietnamese vowel."""
    table = {}
    for code in range(0x00C0, 0x1EFA):
        char = chr(code)
        decomposed = unicodedata.normalize("NFD", char)
        tones = [m for m in decomposed if m in _TONE_MARKS]
        if len(tones) != 1:
            continue
        base = unicodedata.normalize("NFC", "".join(m for m in decomposed if m not in _TONE_MARKS))
        if base.lower() in _VOWELS:
            table[char] = (base, tones[0])
    return table


_TONED = _vowel_table()


def _tone_target(word: str, start: int, end: int) -> int:
    """Index of the vowel that carries the tone in word[start:end] (traditional style)."""
    if word.startswith(("qu", "gi")) and start == 1 and end - start > 1:
        start = 2
    cluster = word[start:end]
    hatted = [i for i, ch in enumerate(cluster) if ch in _HATTED]
    if hatted:
        return start + hatted[-1]
    if len(cluster) == 3:
        return start + 1
    if len(cluster) == 2 and end < len(word):
        return start + 1
    return start


def place_tone(word: str) -> str:
    """Move a misplaced tone mark (``hoà``, ``thuỷ``, ``baì``) to where standard spelling has it."""
    toned = [(i, _TONED[ch]) for i, ch in enumerate(word) if ch in _TONED]
    if not toned or len({tone for _, (_, tone) in toned}) != 1 or not word.isalpha():
        return word
    plain = "".join(_TONED[ch][0] if ch in _TONED else ch for ch in word)
    pos, (_, tone) = toned[0]
    runs = [m.span() for m in re.finditer("[aăâeêioôơuưy]+", plain)]
    if len(runs) != 1:
        return word
    target = _tone_target(plain, *runs[0])
    if target == pos and len(toned) == 1:
        return word
    moved = plain[:target] + plain[target] + tone + plain[target + 1 :]
    return unicodedata.normalize("NFC", moved)


_SQUEEZE = re.compile(r"(.)\1{2,}|([aeiuy])\2")
_LAUGH = re.compile(r"^(?:k{2,}|(?:h[aeiuj]){2,}h?|=+\)+)$")


def squeeze(word: str) -> str:
    """Collapse letters typed again and again (``điiii``, ``nhaa``, ``quáaaa``) to one."""
    word = _SQUEEZE.sub(lambda m: m.group()[0], word)
    if len(word) > 1 and word[-2] in _TONED and _TONED[word[-2]][0] == word[-1]:
        word = word[:-1]
    return word


def _strip_table() -> dict[int, str]:
    """Map every accented Latin letter (and đ) to its bare ASCII letter."""
    table = {ord("đ"): "d", ord("Đ"): "D"}
    for code in range(0x00C0, 0x1EFA):
        base = unicodedata.normalize("NFD", chr(code))[0]
        if base.isascii() and base.isalpha() and chr(code).isalpha():
            table[code] = base
    return table


STRIP_TABLE = _strip_table()


def strip_accents(text: str) -> str:
    """Drop every Vietnamese diacritic, one character for one, so offsets stay aligned."""
    return text.translate(STRIP_TABLE)


_WORD_CACHE: dict[str, tuple[str, ...]] = {}


def normalise_word(word: str) -> tuple[str, ...]:
    """Normalise one lower-case word into one or more standard words (cached: posts repeat words)."""
    cached = _WORD_CACHE.get(word)
    if cached is not None:
        return cached
    if len(_WORD_CACHE) > 500_000:
        _WORD_CACHE.clear()
    result = _normalise_word(word)
    _WORD_CACHE[word] = result
    return result


def _normalise_word(word: str) -> tuple[str, ...]:
    """Uncached normalise_word: teencode, squeeze, tone placement, teencode again."""
    word = unicodedata.normalize("NFC", word).replace("ð", "đ")
    if word in TEENCODE:
        return tuple(TEENCODE[word].split())
    if _LAUGH.match(word):
        return ("haha",)
    word = place_tone(squeeze(word))
    if word in TEENCODE:
        return tuple(TEENCODE[word].split())
    if _LAUGH.match(word):
        return ("haha",)
    return (word,) if word else ()


_TOKEN = re.compile(
    r"(?P<url>(?:https?://|www\.)[^\s<>\"']+"
    r"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|vn|net|org|info|me|io|co|xyz|top|online"
    r"|site|link|ly|gl|to|biz)\b(?:/[^\s<>\"']*)?)"
    r"|(?P<emoticon>[:;=][-'^]?[)(\]\[dDpP3|]+|<3)"
    r"|(?P<number>\d+(?:[.,:/]\d+)+)"
    r"|(?P<word>[\w\u0300-\u036f]+)"
    r"|(?P<emoji>[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u2300-\u23FF\u2190-\u21FF])"
    r"|(?P<punct>[!?])[!?]*",
    re.IGNORECASE,
)


_FORMS_CACHE: dict[str, tuple[str, ...]] = {}


class Normalised(NamedTuple):
    """Normalised tokens of one post and, for each, the (start, end) span in the original."""

    tokens: list[str]
    spans: list[tuple[int, int]]


def url_domain(url: str) -> str:
    """The host of a URL without scheme, ``www.``/``m.`` and port: the part that identifies a source."""
    host = re.sub(r"^[a-z]+://", "", url.lower()).split("/", 1)[0].split("?", 1)[0]
    host = host.split(":", 1)[0]
    return re.sub(r"^(?:www\d?|m|mobile)\.", "", host) or "url"


def _token_forms(kind: str, raw: str) -> tuple[str, ...]:
    """Normalised form(s) of one matched token according to its kind."""
    if kind == "word":
        return normalise_word(raw.lower())
    if kind == "url":
        return ("url", url_domain(raw))
    if kind == "emoticon":
        return (":(",) if ("(" in raw or "[" in raw) else (":)",)
    if kind == "punct":
        return (raw[0],)
    return (raw,)


def normalise(text: str) -> Normalised:
    """Normalise a post into tokens, each with the span of the original text it came from."""
    tokens: list[str] = []
    spans: list[tuple[int, int]] = []
    cache = _FORMS_CACHE
    for match in _TOKEN.finditer(text):
        raw = match.group()
        forms = cache.get(raw)
        if forms is None:
            forms = _token_forms(match.lastgroup, raw)
            if len(cache) > 500_000:
                cache.clear()
            cache[raw] = forms
        if len(forms) == 1:
            tokens.append(forms[0])
            spans.append(match.span())
        else:
            span = match.span()
            tokens.extend(forms)
            spans.extend([span] * len(forms))
    return Normalised(tokens, spans)


def normalise_text(text: str) -> str:
    """The normalised post as one string (for people, tests and deduplication)."""
    return " ".join(normalise(text).tokens)


_URL_START = re.compile(r"https?://|www\.", re.IGNORECASE)
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf]")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
_DROP_UPPER = {code: None for code in range(0x41, 0x1EFA) if chr(code).isupper()}


def _bucket(count: int, top: int) -> int:
    """log2 bucket of a count, capped."""
    return min(count.bit_length(), top)


def shape_tokens(text: str) -> list[str]:
    """Surface cues lost by normalisation: length, CAPITALS, links, digits, !/?, lines, emoji."""
    letters = len(_LETTER.findall(text))
    upper = len(text) - len(text.translate(_DROP_UPPER))
    caps = upper * 10 // letters if letters else 0
    return [
        f"len{_bucket(len(text), 14)}",
        f"caps{caps}",
        f"url{min(len(_URL_START.findall(text)), 3)}",
        f"dig{_bucket(len(_DIGIT.findall(text)), 8)}",
        f"excl{min(text.count('!'), 4)}",
        f"ques{min(text.count('?'), 3)}",
        f"line{min(text.count(chr(10)), 5)}",
        f"hash{min(text.count('#'), 3)}",
        f"emo{min(len(_EMOJI.findall(text)), 5)}",
    ]


_CONTROL = {code: " " for code in range(0x20)} | {0x7F: " "}
_PUNCT_RUN = re.compile(r"[^\w\s\x00-\x1f\x7f]+|\n+")
LINE_BREAK = "¶"


def raw_tokens(text: str) -> list[str]:
    """The post's words as typed, lower-cased, punctuation left attached (``(1)``, ``tại:``,
    ``#tag``): the cues ``normalise`` throws away, for the ``raw`` feature source."""
    return unicodedata.normalize("NFC", text).lower().translate(_CONTROL).split()


def punct_tokens(text: str) -> list[str]:
    """Runs of punctuation and of line breaks (one ``¶`` each), in order: how a post is laid
    out, for the ``punct`` feature source."""
    return [LINE_BREAK if run[0] == "\n" else run for run in _PUNCT_RUN.findall(text)]
