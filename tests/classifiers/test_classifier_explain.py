"""Explanations computed by hand: grouping back to what was typed, top phrases, merging, order."""

import numpy as np
import pytest

from classifiers.explain import explain
from classifiers.normalise import normalise

TEXT = "mn ơi thằng ngu mất dạy quá"
# normalised: mọi người | ơi | thằng | ngu | mất | dạy | quá  (mọi and người both come from "mn")
TOKEN_WEIGHTS = [0.2, 0.3, -1.0, 0.1, 2.0, 1.0, 0.8, 0.05]


def _occurrences(docs_tokens: list[tuple[int, int]], bigram=None) -> dict:
    """One unigram occurrence (value 1) per (post, token), its column = the token's index,
    plus an optional bigram occurrence (post, first token, column)."""
    doc = [d for d, _ in docs_tokens]
    first = [t for _, t in docs_tokens]
    last = list(first)
    col = list(first)
    value = [1.0] * len(doc)
    if bigram:
        post, token, column = bigram
        doc.append(post), first.append(token), last.append(token + 1), col.append(column)
        value.append(1.0)
    return {
        key: np.asarray(arr)
        for key, arr in {
            "doc": doc,
            "first": first,
            "last": last,
            "col": col,
            "value": value,
        }.items()
    }


def test_normalised_tokens_of_the_example():
    assert normalise(TEXT).tokens == ["mọi", "người", "ơi", "thằng", "ngu", "mất", "dạy", "quá"]


def test_top_phrases_merged_and_heaviest_first():
    norms = [normalise(TEXT), normalise("mai họp bản")]
    occ = _occurrences([(0, t) for t in range(8)] + [(1, t) for t in range(3)])
    weights = np.array(TOKEN_WEIGHTS)
    out = explain(
        occ, norms, [TEXT, "mai họp bản"], {"harmful": np.array([0])}, {"harmful": weights}
    )
    assert all(TEXT[i["start"] : i["end"]] == i["text"] for i in out[0])
    items = [(i["text"], i["weight"], i["head"]) for i in out[0]]
    # The five heaviest positive spans are ngu, mất, dạy, mn (0.2 + 0.3) and thằng; quá (0.05)
    # is sixth and ơi pulls down. thằng ngu mất dạy are neighbours: one phrase, 0.1+2+1+0.8.
    assert items == [("thằng ngu mất dạy", 3.9, "harmful"), ("mn", 0.5, "harmful")]
    assert 1 not in out  # a post no head flagged gets nothing


def test_a_bigram_gives_half_to_each_word_and_heads_keep_their_order():
    norms = [normalise(TEXT)]
    weights = np.zeros(9)
    weights[8] = 3.0  # the bigram "ơi thằng" alone
    occ = _occurrences([(0, t) for t in range(8)], bigram=(0, 2, 8))
    other = np.array(TOKEN_WEIGHTS + [0.0])
    out = explain(
        occ,
        norms,
        [TEXT],
        {"unverified": [0], "harmful": [0]},
        {"unverified": weights, "harmful": other},
    )
    unverified = [(i["text"], i["weight"]) for i in out[0] if i["head"] == "unverified"]
    assert unverified == [("ơi thằng", 3.0)]
    assert [i["head"] for i in out[0]] == ["unverified", "harmful", "harmful"]
    harmful = {i["text"]: i["weight"] for i in out[0] if i["head"] == "harmful"}
    assert harmful == {"thằng ngu mất dạy": pytest.approx(3.9), "mn": pytest.approx(0.5)}


def test_nothing_flagged_or_nothing_positive_gives_no_items():
    norms = [normalise(TEXT)]
    occ = _occurrences([(0, t) for t in range(8)])
    assert explain(occ, norms, [TEXT], {"harmful": []}, {"harmful": np.ones(8)}) == {}
    assert explain(occ, norms, [TEXT], {"harmful": [0]}, {"harmful": -np.ones(8)}) == {}
