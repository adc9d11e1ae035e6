"""Evaluation metrics against values computed by hand on a toy set."""

import pytest

from classifiers.evaluate import metrics


def test_multiclass_metrics_by_hand():
    truth = ["a", "a", "a", "b", "b", "c"]
    pred = ["a", "a", "b", "b", "c", "c"]
    m = metrics(truth, pred, ["a", "b", "c"])
    # a: P=2/2 R=2/3 F1=0.8; b: P=1/2 R=1/2 F1=0.5; c: P=1/2 R=1/1 F1=2/3
    assert m["n"] == 6
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["per_label"]["a"] == pytest.approx({"precision": 1.0, "recall": 2 / 3, "f1": 0.8})
    assert m["per_label"]["b"] == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5})
    assert m["per_label"]["c"] == pytest.approx({"precision": 0.5, "recall": 1.0, "f1": 2 / 3})
    assert m["macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert m["confusion"] == {
        "labels": ["a", "b", "c"],
        "matrix": [[2, 1, 0], [0, 1, 1], [0, 0, 1]],
    }
    assert "roc_auc" not in m


def test_binary_metrics_and_roc_auc_by_hand():
    truth = [True, True, False, False]
    pred = [True, False, True, False]
    scores = [0.9, 0.4, 0.6, 0.1]
    m = metrics(truth, pred, [True, False], scores)
    # pairs (pos, neg): (0.9>0.6) (0.9>0.1) (0.4<0.6) (0.4>0.1) → 3/4
    assert m["roc_auc"] == pytest.approx(0.75)
    assert m["accuracy"] == pytest.approx(0.5)
    assert m["per_label"]["true"] == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5})
    assert m["confusion"]["matrix"] == [[1, 1], [1, 1]]


def test_roc_auc_is_none_with_one_class():
    assert metrics([True, True], [True, False], [True, False], [0.3, 0.2])["roc_auc"] is None


def test_evaluate_model_head_with_label_map(toy_model):
    from classifiers import evaluate

    texts = ["thằng ngu mất dạy cút đi", "mai họp bản lúc 8h"]
    result = evaluate(
        toy_model, "harmful", texts, ["HATE", "CLEAN"], {"HATE": True, "CLEAN": False}
    )
    assert result["n"] == 2
    assert set(result) == {
        "n", "accuracy", "macro_f1", "per_label", "roc_auc", "confusion",
        "average_precision", "threshold",
    }
    assert result["threshold"] == toy_model.thresholds["harmful"]
    with pytest.raises(ValueError, match="không có trong bảng"):
        evaluate(toy_model, "harmful", texts, ["HATE", "OTHER"], {"HATE": True})
