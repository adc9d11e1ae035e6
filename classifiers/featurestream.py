"""Vectorised n-gram hashing over a batch laid out as one code-point stream.

Layout: ``\\x01 tok tok \\x01 tok \\x01`` — ``\\x01`` separates posts, one space separates
tokens (tokens never contain spaces, so there are no double spaces). The hash of ``c[i:i+n]``
is ``(S[i+n] - S[i]) * P**(i+n-1)`` with ``S`` the prefix sum of ``c[k] * P**-k`` (modulo
2**64, P odd hence invertible): one formula for every n-gram order and for whole words, so
all orders of a view are hashed by the same dozen numpy operations. The accent-stripped
stream has the same layout as the normalised one, so it shares every position array.
"""

from typing import NamedTuple

import numpy as np

from classifiers.normalise import STRIP_TABLE

_P = 0x100000001B3
_P_INV = pow(_P, -1, 2**64)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_Q = np.uint64(0x9E3779B97F4A7C15)
_powers = {"pw": np.ones(1, dtype=np.uint64), "ipw": np.ones(1, dtype=np.uint64)}
_salts: dict = {}
MAX_TOKENS = 1500
MAX_N = 8


class Occurrences(NamedTuple):
    """One row per n-gram occurrence: post, hashed bucket, first and last token index (-1: none)."""

    doc: np.ndarray
    bucket: np.ndarray
    first: np.ndarray
    last: np.ndarray


def _powers_upto(n: int) -> tuple[np.ndarray, np.ndarray]:
    """P**k and P**-k modulo 2**64 for k < n, cached and grown by doubling."""
    if len(_powers["pw"]) < n:
        size = max(n, 2 * len(_powers["pw"]))
        for key, base in (("pw", _P), ("ipw", _P_INV)):
            arr = np.full(size, base, dtype=np.uint64)
            arr[0] = 1
            _powers[key] = np.cumprod(arr)
    return _powers["pw"][:n], _powers["ipw"][:n]


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads polynomial hashes over all 64 bits."""
    h = (h ^ (h >> np.uint64(30))) * _MIX1
    h = (h ^ (h >> np.uint64(27))) * _MIX2
    return h ^ (h >> np.uint64(31))


def _salt(view: int, kind: str) -> np.ndarray:
    """Hash salts of one view, indexed by n-gram order (cached)."""
    key = (view, kind)
    if key not in _salts:
        seeds = np.arange(MAX_N + 1, dtype=np.uint64) * np.uint64(10) + np.uint64(
            view * 1000 + (kind == "word")
        )
        _salts[key] = _mix(seeds + _Q)
    return _salts[key]


def _layout(docs: list) -> str:
    """Lay posts into one string: \\x01 between posts, a space around every token, padding at the end."""
    segments = (" " + " ".join(tokens[:MAX_TOKENS]) + " " if tokens else " " for tokens in docs)
    return "\x01" + "\x01".join(segments) + "\x01" * (MAX_N + 1)


def _codes(text: str) -> np.ndarray:
    """Code points of a string as uint64."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def _strip_table() -> np.ndarray:
    """normalise.STRIP_TABLE as an array indexed by code point (identity outside it)."""
    table = np.arange(max(STRIP_TABLE) + 1, dtype=np.uint64)
    for code, letter in STRIP_TABLE.items():
        table[code] = ord(letter)
    return table


_STRIP = _strip_table()


def _strip_codes(codes: np.ndarray) -> np.ndarray:
    """The code points of ``strip_accents`` of a text, from the text's code points."""
    inside = codes < len(_STRIP)
    return np.where(inside, _STRIP[np.where(inside, codes, 0)], codes)


class _Layout:
    """Separators, words and cached n-gram positions of one laid-out batch."""

    def __init__(self, codes: np.ndarray, n_docs: int):
        """Index separators and word boundaries."""
        self.is_doc = codes == 1
        self.is_sp = (codes == 32) | self.is_doc
        self.doc_of = np.cumsum(self.is_doc) - 1
        self.csp = _cumsum0(self.is_sp)
        starts = ~self.is_sp[1:] & self.is_sp[:-1]
        self.w_start = np.flatnonzero(starts) + 1
        self.w_end = np.flatnonzero(~self.is_sp[:-1] & self.is_sp[1:]) + 1
        self.w_doc = self.doc_of[self.w_start]
        self.wid_at = _cumsum0(starts) - 1
        first_word = np.searchsorted(self.w_doc, np.arange(n_docs))
        # index of every word within its own post
        self.token = np.arange(len(self.w_doc)) - first_word[self.w_doc]
        self.n_docs = n_docs
        self._grams: dict = {}

    def char_grams(self, low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
        """(start, n) of every char n-gram, low ≤ n ≤ high, inside one space-padded word.

        From each start the longest valid n-gram ends on the next space, so the valid orders
        of a start form one range [lo, hi]; the (start, n) pairs are that ragged range."""
        key = (low, high)
        if key not in self._grams and low > 1:  # the orders from 1, filtered
            starts, n = self.char_grams(1, high)
            keep = n >= low
            self._grams[key] = (starts[keep], n[keep])
        if key not in self._grams:
            i = np.flatnonzero(~self.is_doc[: -MAX_N - 1])
            spaces = np.flatnonzero(self.is_sp)
            nxt = spaces[self.csp[i + 1]]
            hi = np.where(self.is_doc[nxt], 0, np.minimum(nxt - i + 1, high))
            lo = self.is_sp[i] + 1
            count = np.maximum(hi - lo + 1, 0)
            starts = np.repeat(i, count)
            ends = np.cumsum(count)
            n = np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - count - lo, count)
            self._grams[key] = (starts, n)
        return self._grams[key]

    def span_grams(self, low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
        """(start, n) of char n-grams that may cross spaces but not posts, and start on a letter."""
        key = ("span", low, high)
        if key not in self._grams:
            i = np.flatnonzero(~self.is_sp[: -MAX_N - 1])
            orders = np.arange(low, high + 1)
            starts, n = np.tile(i, len(orders)), np.repeat(orders, len(i))
            ok = self.doc_of[starts + n - 1] == self.doc_of[starts]
            ok &= ~self.is_doc[starts + n - 1]
            self._grams[key] = (starts[ok], n[ok])
        return self._grams[key]

    def same_post(self, n: int) -> np.ndarray:
        """Global ids of the words that start an n-word run inside one post (cached)."""
        key = ("words", n)
        if key not in self._grams:
            runs = max(len(self.w_doc) - n + 1, 0)  # fewer words than n: no run at all
            self._grams[key] = np.flatnonzero(self.w_doc[:runs] == self.w_doc[n - 1 : n - 1 + runs])
        return self._grams[key]


def _cumsum0(values: np.ndarray) -> np.ndarray:
    """0 followed by the running sum of values."""
    out = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(values, out=out[1:])
    return out


class _Source:
    """One text source (normalised, accent-stripped, segmented): layout plus prefix hashes."""

    def __init__(self, codes: np.ndarray, layout: _Layout):
        """Prefix sums of c[k]·P**-k."""
        pw, ipw = _powers_upto(len(codes) + 1)
        self.pw = pw
        self.layout = layout
        self.prefix = np.zeros(len(codes) + 1, dtype=np.uint64)
        np.cumsum(codes * ipw[: len(codes)], out=self.prefix[1:])

    def hash(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Polynomial hash of every text[start:end]."""
        return (self.prefix[end] - self.prefix[start]) * self.pw[end - 1]


def _char_view(src: _Source, view: dict, index: int, with_tokens: bool) -> list[tuple]:
    """Occurrences of one char n-gram view, every order at once (``char``: inside words,
    ``span``: across words too), as (post, salted hash before mixing, first, last token)."""
    lay = src.layout
    grams = lay.char_grams if view["kind"] == "char" else lay.span_grams
    i, n = grams(*view["ngram"])
    salted = src.hash(i, i + n) ^ _salt(index, "char")[n]
    first = last = None
    if with_tokens:
        first = lay.token[lay.wid_at[i + lay.is_sp[i]]]
        last = first if view["kind"] == "char" else lay.token[lay.wid_at[i + n - 1]]
    return [(lay.doc_of[i], salted, first, last)]


def _word_view(src: _Source, view: dict, index: int, with_tokens: bool) -> list[tuple]:
    """Occurrences of one word n-gram view (unigrams, bigrams…), one part per order.

    The hash of the n words from k is mix(hash of the n-1 words from k)·Q + word k+n-1,
    computed for every k at once, order after order."""
    lay = src.layout
    words = _mix(src.hash(lay.w_start, lay.w_end))
    salts = _salt(index, "word")
    low, high = view["ngram"]
    parts, chained = [], words
    for n in range(1, high + 1):
        if n > 1:
            chained = _mix(chained[:-1]) * _Q + words[n - 1 :]
        if n < low:
            continue
        j = lay.same_post(n)
        first = lay.token[j] if with_tokens else None
        parts.append(
            (lay.w_doc[j], chained[j] ^ salts[n], first, None if first is None else first + n - 1)
        )
    return parts


def _sources(docs: list, extra: dict, needed: set) -> dict[str, _Source]:
    """Build only the sources some view reads; norm and strip share one layout."""
    out = {}
    if needed & {"norm", "strip"}:
        text = _layout(docs)
        codes = _codes(text)
        layout = _Layout(codes, len(docs))
        if "norm" in needed:
            out["norm"] = _Source(codes, layout)
        if "strip" in needed:
            out["strip"] = _Source(_strip_codes(codes), layout)
    for name in needed - {"norm", "strip"}:
        codes = _codes(_layout(extra[name]))
        out[name] = _Source(codes, _Layout(codes, len(docs)))
    return out


def occurrences(docs: list, extra: dict | None, config: dict, with_tokens: bool) -> Occurrences:
    """Every n-gram occurrence of every view for a batch of token lists.

    ``extra`` holds the token lists of the other sources (``seg``, ``shape``, ``raw``…) when a
    view reads them. The views' salted hashes are mixed in one pass at the end."""
    sources = _sources(docs, extra or {}, {v["source"] for v in config["views"]})
    bits = config["bits"]
    parts, offsets = [], []
    for index, view in enumerate(config["views"]):
        make = _word_view if view["kind"] == "word" else _char_view
        tokens = with_tokens and view["source"] in ("norm", "strip")
        for doc, salted, first, last in make(sources[view["source"]], view, index, tokens):
            if first is None:
                first = last = np.full(len(doc), -1, dtype=np.int64)
            parts.append((doc, salted, first, last))
            offsets.append((index << bits, len(doc)))
    doc, salted, first, last = (np.concatenate([part[k] for part in parts]) for k in range(4))
    view_offset = np.repeat(
        np.array([offset for offset, _ in offsets], dtype=np.int64), [n for _, n in offsets]
    )
    bucket = (_mix(salted) >> np.uint64(64 - bits)).astype(np.int64) + view_offset
    return Occurrences(doc, bucket, first, last)
