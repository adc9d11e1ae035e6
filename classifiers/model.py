"""A trained model at run time: normalise once, featurise once, one matrix product for all heads.

Result of ``predict`` for each text (the ``/api/v1/classify`` contract)::

    {"label": "harmful"|"unverified"|"positive"|"neutral",
     "scores": {"harmful": p, "unverified": p, "positive": p},
     "explanation": [{"head", "text", "start", "end", "weight"}, ...],
     "model_version": "..."}

Top label rule: the first of harmful, unverified, positive whose score reaches its threshold
(so harmful wins over unverified, unverified over positive); ``neutral`` when none does.
"""

import functools

import numpy as np

from classifiers.explain import explain
from classifiers.features import Featurizer, extra_tokens
from classifiers.heads import linear_parts
from classifiers.normalise import normalise

MAIN_HEADS = ("harmful", "unverified", "positive")
# Posts featurised at once. A chunk's n-gram occurrences cost ~100 kB a post (2,048 posts of
# real comments held 240 MB); 256 holds ~25 MB and is as fast on 100,000 posts (5,110 vs
# 5,309 posts/s), so a bulk import's peak memory is not the classifier's.
CHUNK = 256


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function without overflow warnings for large |z|."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class Model:
    """A loaded model: featurizer, heads and the sidecar metadata."""

    def __init__(self, state: dict, metadata: dict):
        """Rebuild the featurizer and stack every head's weights into one matrix."""
        self.state = state
        self.metadata = metadata
        self.version = metadata.get("version", "unsaved")
        self.featurizer = Featurizer.from_state(state["featurizer"])
        self._sources = self.featurizer.extra_sources()
        self.heads = state["heads"]
        self.thresholds = {
            name: float(info["threshold"])
            for name, info in metadata.get("heads", {}).items()
            if info.get("kind") == "binary"
        }
        self._stack()

    def _stack(self) -> None:
        """Precompute W (features × outputs) and b so scoring is X @ W + b, once per batch."""
        columns, biases, self.slices = [], [], {}
        n = self.featurizer.n_features
        for name, head in self.heads.items():
            coef, intercept = linear_parts(head)
            if head["kind"] != "binary" and coef.shape[1] == 1:
                coef = np.hstack([np.zeros_like(coef), coef])
                intercept = np.r_[0.0, intercept]
            full = np.zeros((n, coef.shape[1]))
            full[np.asarray(head["columns"]) if "columns" in head else slice(None)] = coef
            if head["kind"] == "binary":  # models saved before 2026-12 kept a Platt (a, b)
                a, b = head.get("calibration", (1.0, 0.0))
                full, intercept = full * a, intercept * a + b
            else:
                intercept = intercept + np.asarray(head["bias"])
            start = sum(c.shape[1] for c in columns)
            self.slices[name] = slice(start, start + full.shape[1])
            columns.append(full)
            biases.append(intercept)
        self.W = np.ascontiguousarray(np.hstack(columns)) if columns else np.zeros((n, 0))
        self.b = np.concatenate(biases) if biases else np.zeros(0)

    def _extra(self, texts: list[str], docs: list) -> dict:
        """Segmented words / shape tokens, only for the views this model has."""
        return extra_tokens(self._sources, texts, docs)

    def features(self, texts: list[str]):
        """The feature matrix of some posts (sparse, one row a post)."""
        docs = [normalise(t).tokens for t in texts]
        return self.featurizer.transform(docs, self._extra(texts, docs))

    def logits(self, texts: list[str]) -> np.ndarray:
        """Calibrated logits of some posts for every output of every head."""
        return np.asarray(self.features(texts) @ self.W) + self.b

    def predict(self, texts: list[str]) -> list[dict]:
        """Scores, top label and explanation of each text (see the module docstring)."""
        out = []
        for start in range(0, len(texts), CHUNK):
            out.extend(self._predict(texts[start : start + CHUNK]))
        return out

    def _predict(self, texts: list[str]) -> list[dict]:
        """predict() for one chunk: normalise, featurise and score once, explain the flagged."""
        normalised = [normalise(t) for t in texts]
        docs = [n.tokens for n in normalised]
        cells, occ = self.featurizer.transform_detailed(docs, self._extra(texts, docs))
        Z = cells.dot(self.W) + self.b
        heads = [h for h in MAIN_HEADS if h in self.slices]
        P = {h: _sigmoid(Z[:, self.slices[h].start]) for h in heads}
        flags = {h: P[h] >= self.thresholds[h] for h in heads}
        explanations = self._explain(texts, normalised, flags, (cells, occ))
        labels = np.full(len(texts), "neutral", dtype=object)
        for head in reversed(heads):  # the first head that flags a post names it
            labels[flags[head]] = head
        absent = [0.0] * len(texts)
        scores = [[round(p, 6) for p in P[h].tolist()] if h in P else absent for h in MAIN_HEADS]
        return [
            {
                "label": label,
                "scores": dict(zip(MAIN_HEADS, values, strict=True)),
                "explanation": explanation,
                "model_version": self.version,
            }
            for label, explanation, *values in zip(
                labels.tolist(), explanations, *scores, strict=True
            )
        ]

    def _explain(self, texts, norms, flags, features) -> list[list[dict]]:
        """Explanations for the flagged (post, head) pairs only; others get an empty list."""
        out: list[list[dict]] = [[] for _ in texts]
        docs = np.flatnonzero(functools.reduce(np.logical_or, flags.values())) if flags else []
        if not len(docs):
            return out
        shares = self.featurizer.shares(*features, docs)
        wanted = {h: np.flatnonzero(f) for h, f in flags.items()}
        cols = {h: self.W[:, self.slices[h].start] for h in flags}
        for i, items in explain(shares, norms, texts, wanted, cols).items():
            out[i] = items
        return out

    def predict_head(self, name: str, texts: list[str]) -> dict:
        """Any head's classes, predicted labels and probabilities (for benchmarks and evaluate)."""
        if name not in self.heads:
            raise KeyError(name)
        Z = self.logits(texts)
        z = Z[:, self.slices[name]]
        head = self.heads[name]
        if head["kind"] == "binary":
            proba = _sigmoid(z[:, 0])
            labels = proba >= self.thresholds.get(name, 0.5)
            return {"classes": [False, True], "labels": labels.tolist(), "proba": proba}
        classes = list(head["classes"])
        pred = np.argmax(z, axis=1)
        return {"classes": classes, "labels": [classes[k] for k in pred], "proba": _softmax(z)}
