"""Explanations: which words of the original post pushed a flagged head up, and by how much.

Each n-gram occurrence contributes ``value × weight`` to the head's calibrated logit. Char
n-grams belong to the word they sit in, a word bigram gives half to each word; words made
from the same original span (teencode ``mn`` → ``mọi người``) are summed back into it, and
neighbouring winners are merged into one phrase so a page can highlight ``óc chó`` at once.
"""

import numpy as np

TOP = 5


def _token_weights(occ: dict, docs, weights: np.ndarray, n_tokens: int) -> np.ndarray:
    """Contribution of every token of the given posts (rows: position in ``docs``)."""
    ordered = np.asarray(docs, dtype=np.int64)
    pick = np.isin(occ["doc"], ordered) & (occ["first"] >= 0)
    doc = np.searchsorted(ordered, occ["doc"][pick])
    contrib = occ["value"][pick] * weights[occ["col"][pick]]
    first, last = occ["first"][pick], occ["last"][pick]
    out = np.zeros(len(docs) * n_tokens)
    span = last - first + 1
    for offset in range(int(span.max()) if len(span) else 0):
        inside = offset < span
        key = doc[inside] * n_tokens + first[inside] + offset
        out += np.bincount(key, weights=contrib[inside] / span[inside], minlength=len(out))
    return out.reshape(len(docs), n_tokens)


def _spans(norm, token_weights) -> list[tuple[int, int, float]]:
    """Sum token weights per original span, keep the top positive ones, merge neighbours."""
    spans: list[tuple[int, int]] = []
    weights: list[float] = []
    for span, weight in zip(norm.spans, token_weights[: len(norm.spans)].tolist(), strict=True):
        if spans and spans[-1] == span:
            weights[-1] += weight
        else:
            spans.append(span)
            weights.append(weight)
    order = sorted(range(len(spans)), key=weights.__getitem__, reverse=True)[:TOP]
    top = sorted(k for k in order if weights[k] > 0)
    merged: list[list] = []
    for k in top:
        if merged and merged[-1][3] == k - 1:
            merged[-1][1], merged[-1][3] = spans[k][1], k
            merged[-1][2] += weights[k]
        else:
            merged.append([spans[k][0], spans[k][1], weights[k], k])
    return sorted(((m[0], m[1], m[2]) for m in merged), key=lambda m: -m[2])


def explain(occ: dict, norms: list, wanted: dict, columns: dict) -> dict[int, list[dict]]:
    """For each post index, explanation items of the heads listed for it in ``wanted``."""
    out: dict[int, list[dict]] = {}
    n_tokens = max((len(n.tokens) for n in norms), default=0) + 1
    for head, docs in wanted.items():
        if not len(docs):
            continue
        weights = _token_weights(occ, docs, columns[head], n_tokens)
        for row, doc in enumerate(docs):
            for start, end, weight in _spans(norms[doc], weights[row]):
                item = {"head": head, "start": start, "end": end, "weight": round(weight, 4)}
                out.setdefault(doc, []).append(item)
    return out
