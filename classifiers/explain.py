"""Explanations: which words of the original post pushed a flagged head up, and by how much.

Each n-gram occurrence contributes ``value × weight`` to the head's calibrated logit. Char
n-grams belong to the word they sit in, a word bigram gives half to each word; words made
from the same original span (teencode ``mn`` → ``mọi người``) are summed back into it, and
neighbouring winners are merged into one phrase so a page can highlight ``óc chó`` at once.

Everything is computed for the whole batch with numpy (a Python loop per post and head cost
more than scoring itself): the tokens of every flagged post are laid end to end, grouped by
the original span they came from, and ranked per post with one sort.
"""

from itertools import chain
from typing import NamedTuple

import numpy as np

TOP = 5


class _Groups(NamedTuple):
    """Tokens of the flagged posts laid end to end, and the original spans they group into."""

    token_offset: np.ndarray  # post → index of its first token in the flat layout, -1: not laid
    group_of_token: np.ndarray
    doc: np.ndarray  # per group: post, start and end in the original text
    start: np.ndarray
    end: np.ndarray


def _groups(norms: list, flagged: np.ndarray) -> _Groups:
    """Consecutive tokens with the same original span form one group (``mn`` → two tokens)."""
    lengths = np.fromiter(
        (len(norms[d].spans) for d in flagged), dtype=np.int64, count=len(flagged)
    )
    flat = np.fromiter(
        chain.from_iterable(chain.from_iterable(norms[d].spans for d in flagged)), dtype=np.int64
    ).reshape(-1, 2)
    offset = np.full(len(norms), -1, dtype=np.int64)
    offset[flagged] = np.cumsum(lengths) - lengths
    token_doc = np.repeat(flagged, lengths)
    new = np.ones(len(flat), dtype=bool)
    new[1:] = (flat[1:, 0] != flat[:-1, 0]) | (flat[1:, 1] != flat[:-1, 1])
    new[1:] |= token_doc[1:] != token_doc[:-1]
    return _Groups(offset, np.cumsum(new) - 1, token_doc[new], flat[new, 0], flat[new, 1])


class _Shares(NamedTuple):
    """Every (occurrence, token it covers) pair as the group of that token, the occurrence's
    column, and its value divided by the number of tokens it covers."""

    group: np.ndarray
    col: np.ndarray
    value: np.ndarray


def _shares(occ: dict, groups: _Groups) -> _Shares:
    """Spread each occurrence of a laid-out post evenly over its tokens (once for all heads)."""
    offset = groups.token_offset[occ["doc"]]
    laid = np.flatnonzero(offset >= 0)
    span = occ["last"][laid] - occ["first"][laid] + 1
    pair = np.repeat(laid, span)
    within = np.arange(len(pair)) - np.repeat(np.cumsum(span) - span, span)
    token = offset[pair] + occ["first"][pair] + within
    value = occ["value"][pair] / np.repeat(span, span)
    return _Shares(groups.group_of_token[token], occ["col"][pair], value)


def _group_weights(shares: _Shares, n_groups: int, weights: np.ndarray) -> np.ndarray:
    """Contribution of every group to one head."""
    return np.bincount(shares.group, weights=shares.value * weights[shares.col], minlength=n_groups)


def _rank_in_doc(doc: np.ndarray) -> np.ndarray:
    """0, 1, 2… within each run of equal values of a sorted array."""
    index = np.arange(len(doc))
    first = np.ones(len(doc), dtype=bool)
    first[1:] = doc[1:] != doc[:-1]
    return index - np.maximum.accumulate(np.where(first, index, 0))


def _top_spans(groups: _Groups, weight: np.ndarray, docs: np.ndarray):
    """The TOP heaviest positive groups of each post in ``docs``, neighbours merged into one
    phrase, heaviest first: arrays (post, start, end, weight)."""
    wanted = np.zeros(len(groups.token_offset), dtype=bool)
    wanted[docs] = True
    candidates = np.flatnonzero(wanted[groups.doc] & (weight > 0))
    order = candidates[np.lexsort((candidates, -weight[candidates], groups.doc[candidates]))]
    keep = np.sort(order[_rank_in_doc(groups.doc[order]) < TOP])
    if not len(keep):
        return (np.zeros(0, dtype=np.int64),) * 3 + (np.zeros(0),)
    doc = groups.doc[keep]
    starts_run = np.ones(len(keep), dtype=bool)
    starts_run[1:] = (doc[1:] != doc[:-1]) | (keep[1:] != keep[:-1] + 1)
    heads = np.flatnonzero(starts_run)
    tails = np.append(heads[1:] - 1, len(keep) - 1)
    run_weight = np.bincount(np.cumsum(starts_run) - 1, weights=weight[keep])
    run_doc = doc[heads]
    final = np.lexsort((np.arange(len(heads)), -run_weight, run_doc))
    start, end = groups.start[keep[heads]], groups.end[keep[tails]]
    return run_doc[final], start[final], end[final], run_weight[final]


def explain(
    occ: dict, norms: list, texts: list[str], wanted: dict, columns: dict
) -> dict[int, list[dict]]:
    """For each post index, explanation items of the heads listed for it in ``wanted``
    (heads in the order given, each head's phrases heaviest first), with the original text
    of each phrase."""
    out: dict[int, list[dict]] = {}
    listed = [np.asarray(docs, dtype=np.int64) for docs in wanted.values() if len(docs)]
    if not listed:
        return out
    groups = _groups(norms, np.unique(np.concatenate(listed)))
    shares = _shares(occ, groups)
    for head, docs in wanted.items():
        if not len(docs):
            continue
        weight = _group_weights(shares, len(groups.doc), columns[head])
        for doc, start, end, w in zip(
            *(a.tolist() for a in _top_spans(groups, weight, docs)), strict=True
        ):
            out.setdefault(doc, []).append(
                {
                    "head": head,
                    "start": start,
                    "end": end,
                    "weight": round(w, 4),
                    "text": texts[doc][start:end],
                }
            )
    return out
