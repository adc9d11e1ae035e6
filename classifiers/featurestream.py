"""Vectorised n-gram hashing over a batch laid out as one code-point stream.

Layout: ``\\x01 tok tok \\x01 tok \\x01`` — ``\\x01`` separates posts, a space separates tokens.
The hash of ``c[i:i+n]`` is ``(S[i+n] - S[i]) * P**(i+n-1)`` with ``S`` the prefix sum of
``c[k] * P**-k`` (all modulo 2**64, P odd hence invertible): one formula for every n-gram
order and for whole words, each a few numpy operations over the stream.
"""

from typing import NamedTuple

import numpy as np

from classifiers.normalise import strip_accents

_P = 0x100000001B3
_P_INV = pow(_P, -1, 2**64)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_Q = np.uint64(0x9E3779B97F4A7C15)
_powers = {"pw": np.ones(1, dtype=np.uint64), "ipw": np.ones(1, dtype=np.uint64)}
MAX_TOKENS = 1500


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


class _Stream:
    """Code points, prefix hashes and word boundaries of one batch."""

    def __init__(self, text: str):
        """Index text (already laid out with separators)."""
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        pw, ipw = _powers_upto(len(codes) + 1)
        self.pw = pw
        self.prefix = np.zeros(len(codes) + 1, dtype=np.uint64)
        np.cumsum(codes * ipw[: len(codes)], out=self.prefix[1:])
        self.is_doc = codes == 1
        self.is_sp = (codes == 32) | self.is_doc
        self.doc_of = np.cumsum(self.is_doc) - 1
        self.csp = np.concatenate([[0], np.cumsum(self.is_sp)])
        starts = ~self.is_sp[1:] & self.is_sp[:-1]
        self.w_start = np.flatnonzero(starts) + 1
        self.w_end = np.flatnonzero(~self.is_sp[:-1] & self.is_sp[1:]) + 1
        self.w_doc = self.doc_of[self.w_start]
        self.wid_at = np.concatenate([[0], np.cumsum(starts)]) - 1

    def hash(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Polynomial hash of every stream[start:end]."""
        return (self.prefix[end] - self.prefix[start]) * self.pw[end - 1]

    def token_index(self, wid: np.ndarray, n_docs: int) -> np.ndarray:
        """Index of global word ids within their own post."""
        first = np.searchsorted(self.w_doc, np.arange(n_docs))
        return wid - first[self.w_doc[wid]]


def _layout(docs: list) -> str:
    """Lay posts into one string: \\x01 between posts, one space around every token."""
    return "\x01 " + " \x01 ".join(" ".join(tokens[:MAX_TOKENS]) for tokens in docs) + " \x01"


def _salt(view: int, n: int, kind: str) -> np.uint64:
    """A distinct hash salt for each (view, order, kind)."""
    seed = np.array([view * 1000 + n * 10 + (kind == "word")], dtype=np.uint64)
    return _mix(seed + _Q)[0]


def _char_ngrams(stream: _Stream, n: int) -> np.ndarray:
    """Start positions of char n-grams that stay inside one space-padded word (sklearn char_wb)."""
    length = len(stream.is_sp)
    i = np.arange(length - n + 1)
    if n == 1:
        return i[~stream.is_sp]
    ok = ~stream.is_doc[i] & ~stream.is_doc[i + n - 1]
    if n == 2:
        ok &= ~(stream.is_sp[i] & stream.is_sp[i + 1])
    else:
        ok &= stream.csp[i + n - 1] == stream.csp[i + 1]
    return i[ok]


def _char_view(stream, view, n_docs, with_tokens):
    """Occurrences of one char n-gram view."""
    parts = []
    for n in range(view["ngram"][0], view["ngram"][1] + 1):
        i = _char_ngrams(stream, n)
        h = _mix(stream.hash(i, i + n) ^ _salt(view["index"], n, "char"))
        first = last = None
        if with_tokens:
            first = last = stream.token_index(stream.wid_at[i + stream.is_sp[i]], n_docs)
        parts.append((stream.doc_of[i], h, first, last))
    return parts


def _word_view(stream, view, n_docs, with_tokens):
    """Occurrences of one word n-gram view (unigrams, bigrams…)."""
    words = _mix(stream.hash(stream.w_start, stream.w_end))
    parts = []
    for n in range(view["ngram"][0], view["ngram"][1] + 1):
        j = np.flatnonzero(stream.w_doc[: len(words) - n + 1] == stream.w_doc[n - 1 :])
        h = words[j]
        for t in range(1, n):
            h = _mix(h) * _Q + words[j + t]
        h = _mix(h ^ _salt(view["index"], n, "word"))
        first = last = None
        if with_tokens:
            first = stream.token_index(j, n_docs)
            last = first + n - 1
        parts.append((stream.w_doc[j], h, first, last))
    return parts


def occurrences(docs: list, segmented: list | None, config: dict, with_tokens: bool) -> Occurrences:
    """Every n-gram occurrence of every view for a batch of token lists."""
    norm_text = _layout(docs)
    texts = {"norm": norm_text, "strip": strip_accents(norm_text)}
    if segmented is not None:
        texts["seg"] = _layout(segmented)
    streams: dict[str, _Stream] = {}
    bits = config["bits"]
    out = []
    for index, view in enumerate(config["views"]):
        if view["source"] not in streams:
            streams[view["source"]] = _Stream(texts[view["source"]])
        stream = streams[view["source"]]
        make = _char_view if view["kind"] == "char" else _word_view
        tokens = with_tokens and view["source"] != "seg"
        for doc, h, first, last in make(stream, {**view, "index": index}, len(docs), tokens):
            bucket = (h >> np.uint64(64 - bits)).astype(np.int64) + (index << bits)
            if first is None:
                first = last = np.full(len(doc), -1, dtype=np.int64)
            out.append((doc, bucket, first, last))
    return Occurrences(*(np.concatenate([part[k] for part in out]) for k in range(4)))
