"""Hashed word and character n-gram TF-IDF features, computed with numpy for a whole batch at once.

Why not sklearn's vectorisers: their analyzers run a Python loop per n-gram (~300 per post
per view), which alone would eat the 100 µs/post budget. Here every post of a batch is laid
into one code-point array and each n-gram order is hashed with a handful of vectorised
operations (polynomial hash via prefix sums modulo 2**64). Only plain numpy arrays and
numbers describe a fitted featurizer, so the model file holds nothing skops distrusts.
"""

import numpy as np
import scipy.sparse as sp

from classifiers.featurestream import Occurrences, occurrences

DEFAULT_VIEWS = [
    {"name": "word", "source": "norm", "kind": "word", "ngram": [1, 2], "weight": 1.0},
    {"name": "char", "source": "norm", "kind": "char", "ngram": [1, 5], "weight": 1.0},
    {"name": "strip", "source": "strip", "kind": "char", "ngram": [2, 5], "weight": 1.0},
]
DEFAULT_CONFIG = {"bits": 20, "min_df": 2, "sublinear": True, "views": DEFAULT_VIEWS}
_CHUNK = 4096


class Featurizer:
    """Turns normalised posts into an L2-normalised TF-IDF matrix, one block per view."""

    def __init__(self, config: dict | None = None, buckets=None, idf=None):
        """Keep the config; buckets/idf are given when rebuilt from a saved model."""
        self.config = {**DEFAULT_CONFIG, **(config or {})}
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

    def state(self) -> dict:
        """Everything needed to rebuild this featurizer: plain arrays and numbers only."""
        return {"config": self.config, "buckets": self.buckets, "idf": self.idf}

    @classmethod
    def from_state(cls, state: dict) -> "Featurizer":
        """Rebuild a fitted featurizer from state()."""
        return cls(state["config"], np.asarray(state["buckets"]), np.asarray(state["idf"]))

    def needs_segmentation(self) -> bool:
        """Whether some view reads word-segmented text (so callers must segment first)."""
        return any(view["source"] == "seg" for view in self.config["views"])

    def fit(self, docs: list, segmented: list | None = None) -> "Featurizer":
        """Keep the n-grams seen in at least min_df posts and compute their IDF."""
        size = len(self.config["views"]) << self.config["bits"]
        df = np.zeros(size, dtype=np.int64)
        for start in range(0, len(docs), _CHUNK):
            occ = self._occurrences(docs, segmented, start, with_tokens=False)
            pairs = np.unique(occ.doc.astype(np.int64) * size + occ.bucket)
            df += np.bincount(pairs % size, minlength=size)
        self.buckets = np.flatnonzero(df >= self.config["min_df"]).astype(np.int64)
        n = len(docs)
        self.idf = (np.log((1 + n) / (1 + df[self.buckets])) + 1).astype(np.float64)
        self._index()
        return self

    def _occurrences(self, docs, segmented, start, with_tokens) -> Occurrences:
        """Occurrences of one chunk of documents (doc ids relative to the chunk)."""
        chunk = docs[start : start + _CHUNK]
        seg = segmented[start : start + _CHUNK] if segmented is not None else None
        return occurrences(chunk, seg, self.config, with_tokens)

    def transform(self, docs: list, segmented: list | None = None):
        """The TF-IDF matrix (CSR, one row per doc) of the given token lists."""
        blocks = [
            self._matrix(self._occurrences(docs, segmented, s, False), len(docs[s : s + _CHUNK]))[0]
            for s in range(0, len(docs), _CHUNK)
        ]
        if not blocks:
            return sp.csr_matrix((0, self.n_features))
        return blocks[0] if len(blocks) == 1 else sp.vstack(blocks, format="csr")

    def transform_with_occurrences(self, docs: list, segmented: list | None = None):
        """Matrix plus, per kept occurrence, (doc, column, first/last token, share of the cell)."""
        occ = occurrences(docs, segmented, self.config, True)
        return self._matrix(occ, len(docs), keep=True)

    def _matrix(self, occ: Occurrences, n_docs: int, keep: bool = False):
        """Sum occurrences into a CSR matrix, then sublinear tf, idf and per-view L2 norm."""
        cols = self._table[occ.bucket]
        known = cols >= 0
        rows, cols = occ.doc[known], cols[known]
        shape = (n_docs, self.n_features)
        X = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)
        X.sum_duplicates()
        self._weigh(X)
        if not keep:
            return X, None
        return X, _occurrence_values(X, occ, known, rows, cols)

    def _weigh(self, X) -> None:
        """In place: 1 + log(tf), times idf, then each view's block scaled to unit length."""
        if self.config["sublinear"]:
            np.log(X.data, out=X.data)
            X.data += 1
        X.data *= self.idf[X.indices]
        n_views = len(self.config["views"])
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        key = rows * n_views + self._view_of_col[X.indices]
        norms = np.sqrt(np.bincount(key, weights=X.data**2, minlength=X.shape[0] * n_views))
        weights = np.array([v.get("weight", 1.0) for v in self.config["views"]])
        X.data *= weights[self._view_of_col[X.indices]] / norms[key]


def _occurrence_values(X, occ: Occurrences, known, rows, cols) -> dict:
    """Per occurrence: its doc, column, tokens, and its share of the cell value (value / count)."""
    n_cols = X.shape[1]
    keys = rows.astype(np.int64) * n_cols + cols
    uniq, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    x_rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr)).astype(np.int64)
    x_keys = x_rows * n_cols + X.indices
    order = np.argsort(x_keys)
    values = X.data[order][np.searchsorted(x_keys[order], uniq)]
    return {
        "doc": rows,
        "col": cols,
        "first": occ.first[known],
        "last": occ.last[known],
        "value": values[inverse] / counts[inverse],
    }
