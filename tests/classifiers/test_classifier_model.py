"""Predictions: the result contract, the top-label rule, explanations, generic heads."""

import numpy as np

from classifiers.model import MAIN_HEADS


def test_predict_result_fields(toy_model):
    results = toy_model.predict(["Thằng ngu mất dạy cút đi", "Mai 7h họp chi bộ", ""])
    assert len(results) == 3
    for r in results:
        assert set(r) == {"label", "scores", "explanation", "model_version"}
        assert r["label"] in {"harmful", "unverified", "positive", "neutral"}
        assert set(r["scores"]) == set(MAIN_HEADS)
        assert all(0.0 <= v <= 1.0 for v in r["scores"].values())
        assert r["model_version"] == toy_model.version
    assert results[0]["label"] == "harmful"
    assert results[2]["explanation"] == []


def test_top_label_rule_priority(toy_model, monkeypatch):
    """Harmful first, then unverified, then positive, else neutral."""
    text = ["HTX chè thu hoạch được mùa, nghe đồn sắp lũ, thằng ngu"]
    scores = toy_model.predict(text)[0]["scores"]
    for head, expected in (
        ("harmful", "harmful"),
        ("unverified", "unverified"),
        ("positive", "positive"),
    ):
        thresholds = {h: (0.0 if h == head else 1.01) for h in MAIN_HEADS}
        if expected == "unverified":
            thresholds["positive"] = 0.0
        monkeypatch.setattr(toy_model, "thresholds", thresholds)
        assert toy_model.predict(text)[0]["label"] == expected
    monkeypatch.setattr(toy_model, "thresholds", dict.fromkeys(MAIN_HEADS, 0.0))
    assert toy_model.predict(text)[0]["label"] == "harmful"
    monkeypatch.setattr(toy_model, "thresholds", dict.fromkeys(MAIN_HEADS, 1.01))
    assert toy_model.predict(text)[0]["label"] == "neutral"
    assert scores == toy_model.predict(text)[0]["scores"]


def test_explanation_spans_point_at_original_substrings(toy_model):
    text = "Chào  bà con!! Thằng NGU mất dạy, cút đi 😡"
    result = toy_model.predict([text])[0]
    assert result["label"] == "harmful"
    items = [e for e in result["explanation"] if e["head"] == "harmful"]
    assert items
    for item in items:
        assert text[item["start"] : item["end"]] == item["text"]
        assert item["weight"] > 0
    joined = " ".join(i["text"] for i in items).lower()
    assert "ngu" in joined or "mất dạy" in joined


def test_explanation_maps_teencode_back_to_what_was_typed(toy_model):
    text = "may ngu vl ko biet j"
    result = toy_model.predict([text])[0]
    for item in result["explanation"]:
        assert text[item["start"] : item["end"]] == item["text"]


def test_predict_is_batch_independent(toy_model):
    texts = ["thằng ngu", "nghe đồn mai lũ về chia sẻ gấp", "HTX chè được mùa"]
    batch = toy_model.predict(texts)
    single = [toy_model.predict([t])[0] for t in texts]
    assert batch == single


def test_predict_head_multiclass(toy_model):
    out = toy_model.predict_head("topic", ["thằng ngu mất dạy", "mai họp bản lúc 8h"])
    assert out["classes"] == ["harmful", "neutral", "positive", "unverified"]
    assert out["labels"][0] == "harmful"
    assert np.allclose(out["proba"].sum(axis=1), 1.0)


def test_sidecar_records_thresholds_and_segmentation(toy_model):
    heads = toy_model.metadata["heads"]
    assert heads["harmful"]["threshold_rule"] == "recall:0.9"
    assert heads["positive"]["threshold_rule"] == "f1"
    for name in MAIN_HEADS:
        assert toy_model.thresholds[name] == heads[name]["threshold"]
        assert heads[name]["segmentation"]["used"] is False
    assert toy_model.metadata["data"][0]["sha256"]
    assert "scikit-learn" in toy_model.metadata["libraries"]


def test_long_batch_scores_as_one_by_one(toy_model):
    """A batch longer than the model's chunk gives each post the result it gets alone: the
    chunk boundary (a memory bound) changes nothing a reviewer sees."""
    from classifiers import model as model_module

    texts = [f"Bài {k}: {'thằng ngu mất dạy' if k % 3 == 0 else 'mai họp chi bộ lúc 7h'}"
             for k in range(model_module.CHUNK * 2 + 7)]
    assert toy_model.predict(texts) == [toy_model.predict([t])[0] for t in texts]
