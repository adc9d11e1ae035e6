"""The raw / punct feature sources: what normalisation drops, kept as their own views."""

import numpy as np

from classifiers.features import Featurizer, extra_tokens
from classifiers.normalise import normalise, punct_tokens, raw_tokens


def test_raw_and_punct_tokens_keep_what_normalise_drops():
    text = "TIN GẤP!!! (1) Xem tại: x.vn\n\n\n#Dich_benh \x01 “thật”..."
    assert raw_tokens(text) == [
        "tin", "gấp!!!", "(1)", "xem", "tại:", "x.vn", "#dich_benh", "“thật”...",
    ]  # fmt: skip
    assert punct_tokens(text) == ["!!!", "(", ")", ":", ".", "¶", "#", "“", "”..."]
    assert punct_tokens("không dấu câu") == []


def test_raw_view_separates_posts_that_normalise_alike():
    texts = ["(1) xem tại: trang này", "1 xem tại trang này"]
    docs = [normalise(t).tokens for t in texts]
    assert docs[0] == docs[1]
    for source in ("norm", "raw", "punct"):
        config = {
            "min_df": 1,
            "views": [{"name": "v", "source": source, "kind": "word", "ngram": [1, 2]}],
        }
        featurizer = Featurizer(config)
        extra = extra_tokens(featurizer.extra_sources(), texts, docs)
        X = featurizer.fit(docs, extra).transform(docs, extra).toarray()
        assert np.allclose(X[0], X[1]) == (source == "norm"), source
