"""Optional recipe features: NB-SVM, segmentation, cross-word n-grams, shape cues, augmentation."""

import skops.io as sio

from classifiers import ModelStore, train_recipe
from classifiers.normalise import shape_tokens


def test_optional_features_train_save_and_explain(tmp_path, toy_recipe):
    model = train_recipe(toy_recipe.parent / "toy_options.toml", None)
    heads = model.metadata["heads"]
    assert heads["harmful"]["segmentation"]["used"] is True
    assert heads["unverified"]["segmentation"]["used"] is False
    assert heads["harmful"]["model"] == "nbsvm"
    assert heads["harmful"]["train_rows"] > 80  # accent-free copies were added
    assert {v["source"] for v in model.featurizer.config["views"]} == {"norm", "shape", "seg"}
    text = "Thằng ngu mất dạy, cút đi"
    result = model.predict([text])[0]
    assert result["label"] == "harmful"
    assert "positive" in result["scores"] and result["scores"]["positive"] == 0.0
    for item in result["explanation"]:
        assert text[item["start"] : item["end"]] == item["text"]
    store = ModelStore(tmp_path)
    version = store.save(model)
    assert sio.get_untrusted_types(file=tmp_path / version / "model.skops") == []
    assert store.load(version).predict([text]) == [result]


def test_shape_tokens():
    assert shape_tokens("CHIA SẺ GẤP!!! https://x.vn 0912345678 😱")[:2] == ["len6", "caps5"]
    assert shape_tokens("Chia sẻ gấp!!! ĐỪNG TIN ạ")[1] == "caps4"
    assert shape_tokens("CHIA SẺ GẤP!!! https://x.vn 0912345678 😱") == [
        "len6",
        "caps5",
        "url1",
        "dig4",
        "excl3",
        "ques0",
        "line0",
        "hash0",
        "emo1",
    ]


def test_long_word_ngrams_on_a_batch_shorter_than_them():
    """A view of word 1..5-grams on one three-word post: the n-grams that fit, no error."""
    from classifiers.featurestream import occurrences

    config = {
        "bits": 20,
        "views": [{"name": "w", "source": "norm", "kind": "word", "ngram": [1, 5]}],
    }
    occ = occurrences([["mai", "họp", "bản"]], {}, config, True)
    assert sorted(zip(occ.first.tolist(), occ.last.tolist(), strict=True)) == [
        (0, 0),
        (0, 1),
        (0, 2),
        (1, 1),
        (1, 2),
        (2, 2),
    ]
    assert len(occurrences([["một"], []], {}, config, True).doc) == 1
