"""Hashed word and character n-gram TF-IDF features, computed with numpy for a whole batch at once.

Why not sklearn's vectorisers: their analyzers run a Python loop per n-gram (~300 per post
per view), which alone would eat the 100 µs/post budget. Here every post of a batch is laid
into one code-point array and each n-gram order is hashed with a handful of vectorised
operations (polynomial hash via prefix sums modulo 2**64). Only plain numpy arrays and
numbers describe a fitted featurizer, so the model file holds nothing skops distrusts.
"""

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from classifiers.featurestream import MAX_N, Occurrences, occurrences
from classifiers.normalise import punct_tokens, raw_tokens, shape_tokens
from classifiers.segment import segment

DEFAULT_VIEWS = [
    {"name": "word", "source": "norm", "kind": "word", "ngram": [1, 3], "weight": 1.0},
    {"name": "char", "source": "norm", "kind": "char", "ngram": [1, 5], "weight": 1.0},
    {"name": "strip", "source": "strip", "kind": "char", "ngram": [2, 5], "weight": 1.0},
    {"name": "strip_word", "source": "strip", "kind": "word", "ngram": [1, 2], "weight": 1.0},
]
SHAPE_VIEW = {"name": "shape", "source": "shape", "kind": "word", "ngram": [1, 1], "weight": 0.5}
DEFAULT_CONFIG = {"bits": 20, "min_df": 2, "sublinear": True, "views": DEFAULT_VIEWS}
_CHUNK = 4096
# norm: normalised tokens; strip: the same without diacritics; seg: underthesea words;
# shape: surface-cue tokens; raw: words as typed, lower-cased, punctuation attached;
# punct: punctuation runs and line breaks in order (the last three read the original text)
SOURCES = {"norm", "strip", "seg", "shape", "raw", "punct"}


class Cells(NamedTuple):
    """The stored entries of a batch's feature matrix in CSR order (post, column, weighted
    value, raw n-gram count), where each row starts, and where each occurrence was counted
    (index of its entry, -1 if its n-gram is not a feature)."""

    rows: np.ndarray
    cols: np.ndarray
    data: np.ndarray
    counts: np.ndarray
    indptr: np.ndarray
    cell_of: np.ndarray

    def csr(self, n_features: int) -> sp.csr_matrix:
        """The entries as a scipy CSR matrix."""
        X = sp.csr_matrix(
            (self.data, self.cols, self.indptr), shape=(len(self.indptr) - 1, n_features)
        )
        X.has_sorted_indices = True
        return X

    def dot(self, W: np.ndarray) -> np.ndarray:
        """The matrix times the dense W, summed row by row in entry order as scipy does, without
        building a scipy matrix (which costs a tenth of a one-post prediction)."""
        out = np.zeros((len(self.indptr) - 1, W.shape[1]))
        filled = np.flatnonzero(self.indptr[1:] > self.indptr[:-1])
        if len(filled):
            out[filled] = np.add.reduceat(self.data[:, None] * W[self.cols], self.indptr[filled])
        return out


def _sort_keys(keys: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """keys sorted, and the permutation that sorts them: one plain sort of the keys with each
    one's index packed into its low bits (several times faster than argsort), unless the
    packed values could overflow 63 bits."""
    shift = max(len(keys).bit_length(), 1)
    if bound >> (62 - shift):
        order = np.argsort(keys)
        return keys[order], order
    packed = np.sort((keys << shift) | np.arange(len(keys), dtype=np.int64))
    return packed >> shift, packed & ((1 << shift) - 1)


class Featurizer:
    """Turns normalised posts into an L2-normalised TF-IDF matrix, one block per view."""

    def __init__(self, config: dict | None = None, buckets=None, idf=None):
        """Keep the config; buckets/idf are given when rebuilt from a saved model."""
        self.config = {**DEFAULT_CONFIG, **(config or {})}
        for v in self.config["views"]:
            if v.get("kind") not in ("word", "char", "span") or v.get("source") not in SOURCES:
                raise ValueError(
                    f"view {v.get('name')}: kind word|char|span, source {sorted(SOURCES)}"
                )
            if not 1 <= v["ngram"][0] <= v["ngram"][1] <= MAX_N:
                raise ValueError(f"view {v.get('name')}: n-gram orders must lie in 1..{MAX_N}")
        self.buckets = buckets
        self.idf = idf
        if buckets is not None:
            self._index()

    @property
    def n_features(self) -> int:
        """Number of columns (kept hashed n-grams over all views)."""
        return len(self.buckets)

    def _index(self) -> None:
        """Build the bucket → column table and the view of each column."""
        size = len(self.config["views"]) << self.config["bits"]
        self._table = np.full(size, -1, dtype=np.int32)
        self._table[self.buckets] = np.arange(len(self.buckets), dtype=np.int32)
        self._view_of_col = (self.buckets >> self.config["bits"]).astype(np.int64)
        self._view_weight = np.array([v.get("weight", 1.0) for v in self.config["views"]])

    def state(self) -> dict:
        """Everything needed to rebuild this featurizer: plain arrays and numbers only."""
        return {"config": self.config, "buckets": self.buckets, "idf": self.idf}

    @classmethod
    def from_state(cls, state: dict) -> "Featurizer":
        """Rebuild a fitted featurizer from state()."""
        return cls(state["config"], np.asarray(state["buckets"]), np.asarray(state["idf"]))

    def extra_sources(self) -> set[str]:
        """Sources besides the normalised text that callers must supply (``seg``, ``shape``…)."""
        return {view["source"] for view in self.config["views"]} - {"norm", "strip"}

    def fit(self, docs: list, extra: dict | None = None) -> "Featurizer":
        """Keep the n-grams seen in at least min_df posts and compute their IDF."""
        size = len(self.config["views"]) << self.config["bits"]
        df = np.zeros(size, dtype=np.int64)
        for start in range(0, len(docs), _CHUNK):
            occ = self._occurrences(docs, extra, start, with_tokens=False)
            pairs = np.unique(occ.doc.astype(np.int64) * size + occ.bucket)
            df += np.bincount(pairs % size, minlength=size)
        self.buckets = np.flatnonzero(df >= self.config["min_df"]).astype(np.int64)
        n = len(docs)
        self.idf = (np.log((1 + n) / (1 + df[self.buckets])) + 1).astype(np.float64)
        self._index()
        return self

    def _occurrences(self, docs, extra, start, with_tokens) -> Occurrences:
        """Occurrences of one chunk of documents (doc ids relative to the chunk)."""
        chunk = docs[start : start + _CHUNK]
        parts = {name: lists[start : start + _CHUNK] for name, lists in (extra or {}).items()}
        return occurrences(chunk, parts, self.config, with_tokens)

    def transform(self, docs: list, extra: dict | None = None):
        """The TF-IDF matrix (CSR, one row per doc) of the given token lists."""
        blocks = [
            self.cells(self._occurrences(docs, extra, s, False), len(docs[s : s + _CHUNK])).csr(
                self.n_features
            )
            for s in range(0, len(docs), _CHUNK)
        ]
        if not blocks:
            return sp.csr_matrix((0, self.n_features))
        return blocks[0] if len(blocks) == 1 else sp.vstack(blocks, format="csr")

    def transform_detailed(self, docs: list, extra: dict | None = None):
        """(cells of the batch's matrix, occurrences with token indices) of one batch."""
        occ = occurrences(docs, extra, self.config, True)
        return self.cells(occ, len(docs)), occ

    def cells(self, occ: Occurrences, n_docs: int) -> Cells:
        """Sum occurrences into matrix entries, then sublinear tf, idf, per-view L2 norm.

        The (post, column) keys are sorted once, which gives the entries in CSR order with
        their counts (scipy's COO → CSR conversion and duplicate summing cost twice as much).
        Each key carries its occurrence's index in its low bits, so the same sort also tells
        which entry every occurrence fell into: explanations share an entry's value between
        them."""
        cols = self._table[occ.bucket]
        known = np.flatnonzero(cols >= 0)
        width = max(self.n_features, 1)
        keys, order = _sort_keys(
            occ.doc[known].astype(np.int64) * width + cols[known], n_docs * width
        )
        first = np.ones(len(keys), dtype=bool)
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        cell_of = np.full(len(occ.doc), -1, dtype=np.int64)
        cell_of[known[order]] = np.cumsum(first) - 1
        counts = np.diff(np.append(starts, len(keys))).astype(np.float64)
        rows = keys[starts] // width
        cols = keys[starts] - rows * width
        data = self._weigh(counts, cols, rows, n_docs)
        indptr = np.searchsorted(rows, np.arange(n_docs + 1))
        return Cells(rows, cols, data, counts, indptr, cell_of)

    def _weigh(self, counts, cols, rows, n_docs: int) -> np.ndarray:
        """1 + log(tf), times idf, then each view's block of each row scaled to unit length."""
        data = np.log(counts) + 1 if self.config["sublinear"] else counts.copy()
        data *= self.idf[cols]
        n_views = len(self.config["views"])
        view = self._view_of_col[cols]
        key = rows * n_views + view
        norms = np.sqrt(np.bincount(key, weights=data**2, minlength=n_docs * n_views))
        data *= self._view_weight[view] / norms[key]
        return data

    def shares(self, cells: Cells, occ: Occurrences, docs: np.ndarray) -> dict:
        """For occurrences in the given posts: doc, column, tokens and value / count of the cell."""
        wanted = np.zeros(len(cells.indptr) - 1, dtype=bool)
        wanted[docs] = True
        pick = (cells.cell_of >= 0) & (occ.first >= 0) & wanted[occ.doc]
        pos = cells.cell_of[pick]
        return {
            "doc": occ.doc[pick],
            "col": cells.cols[pos],
            "first": occ.first[pick],
            "last": occ.last[pick],
            "value": cells.data[pos] / cells.counts[pos],
        }


def extra_tokens(sources: set, texts: list[str], docs: list[list[str]]) -> dict:
    """Token lists of the extra sources a featurizer reads: segmented words, surface shape,
    raw words, punctuation."""
    out = {}
    if "seg" in sources:
        out["seg"] = [segment(tokens) for tokens in docs]
    if "shape" in sources:
        out["shape"] = [shape_tokens(text) for text in texts]
    if "raw" in sources:
        out["raw"] = [raw_tokens(text) for text in texts]
    if "punct" in sources:
        out["punct"] = [punct_tokens(text) for text in texts]
    return out
