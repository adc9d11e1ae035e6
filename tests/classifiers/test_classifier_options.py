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


def test_review_weight_counts_a_decision_k_times_and_its_label_wins(tmp_path, toy_recipe):
    from classifiers.dataset import load_head
    from classifiers.recipes import load_recipe

    recipe_text = (toy_recipe.parent / "toy.toml").read_text(encoding="utf-8")
    recipe_path = toy_recipe.parent / "toy_weighted.toml"
    first_train = next(r for r in (toy_recipe.parent / "toy.csv").read_text(encoding="utf-8")
                       .splitlines()[1:] if r.endswith(",harmful"))
    text = first_train.rsplit(",", 1)[0].strip('"')
    try:
        recipe_path.write_text(recipe_text.replace(
            "[heads.harmful]\n", "[heads.harmful]\nreview_weight = 5\nstrip_augment = true\n", 1),
            encoding="utf-8")
        spec = load_recipe(recipe_path, None).heads["harmful"]
        extra = [(text, False), ("bài mới hoàn toàn của xã", True)]
        data = load_head(spec, extra, {})
        plain = load_head(load_recipe(toy_recipe.parent / "toy.toml", None).heads["harmful"],
                          extra, {})
    finally:
        recipe_path.unlink()
    # the reviewer said "not harmful" for a text the file calls harmful: one row, theirs
    assert [y for t, y in data.train if t == text] == [False] * 5
    assert sum(t == "bài mới hoàn toàn của xã" for t, _ in data.train) == 5
    assert sum(t == "bai moi hoan toan cua xa" for t, _ in data.train) == 5
    copies = [g for (t, _), g in zip(data.train, data.groups, strict=True) if t == text]
    assert len(set(copies)) == 1  # all copies in one cross-validation group
    assert data.stats["review_weight"] == 5 and plain.stats["review_weight"] == 1
    assert [y for t, y in plain.train if t == text] == [False]


def test_review_weight_must_be_a_small_whole_number(tmp_path):
    import pytest

    from classifiers.recipes import RecipeError, load_recipe

    data = tmp_path / "d.csv"
    data.write_text("text,label\na,x\nb,y\n", encoding="utf-8")
    for bad in ("0", "2.5", "true", "1000"):
        recipe = tmp_path / "r.toml"
        recipe.write_text(f'[heads.h]\nreview_weight = {bad}\ntrain = [ {{ path = "d.csv" }} ]\n',
                          encoding="utf-8")
        with pytest.raises(RecipeError, match="review_weight phải là số nguyên từ 1 đến 100"):
            load_recipe(recipe, None)
