"""Evaluation of one head on labelled texts, in the JSON shape the CLI and benchmark print."""

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
)

_TRUE = {"true", "1", "yes", "có"}
_FALSE = {"false", "0", "no", "không"}


def _key(label) -> str:
    """JSON-friendly label name (binary heads: ``true``/``false``)."""
    return str(label).lower() if isinstance(label, bool | np.bool_) else str(label)


def metrics(truth: list, pred: list, labels: list, positive_scores=None) -> dict:
    """n, accuracy, macro-F1, per-label P/R/F1, confusion (rows: truth), ROC-AUC if scores given."""
    keys = [_key(label) for label in labels]
    t = [_key(x) for x in truth]
    p = [_key(x) for x in pred]
    precision, recall, f1, _ = precision_recall_fscore_support(
        t, p, labels=keys, average=None, zero_division=0
    )
    result = {
        "n": len(t),
        "accuracy": float(np.mean([a == b for a, b in zip(t, p, strict=True)])) if t else 0.0,
        "macro_f1": float(np.mean(f1)) if len(f1) else 0.0,
        "per_label": {
            k: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i])}
            for i, k in enumerate(keys)
        },
        "confusion": {"labels": keys, "matrix": confusion_matrix(t, p, labels=keys).tolist()},
    }
    if positive_scores is not None:
        binary = [x == "true" for x in t]
        both = 0 < sum(binary) < len(binary)
        result["roc_auc"] = float(roc_auc_score(binary, positive_scores)) if both else None
    return result


def _as_bool(label, label_map: dict | None):
    """A binary head's truth: through the label map if given, else true/false spellings."""
    if label_map is not None:
        if label not in label_map:
            raise ValueError(
                f"nhãn '{label}' không có trong bảng ánh xạ nhãn ({', '.join(label_map)})"
            )
        return bool(label_map[label])
    if isinstance(label, bool | np.bool_):
        return bool(label)
    text = str(label).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ValueError(f"nhãn '{label}' không phải true/false; hãy dùng --label-map")


def evaluate(
    model, head: str, texts: list[str], labels: list, label_map: dict | None = None
) -> dict:
    """Metrics of ``head`` on texts: ``{n, accuracy, macro_f1, per_label, confusion}``, and for
    a binary head ``roc_auc``, ``average_precision`` and the ``threshold`` its labels used."""
    if head not in model.heads:
        raise ValueError(f"mô hình {model.version} không có đầu phân loại '{head}'")
    out = model.predict_head(head, texts)
    if model.heads[head]["kind"] == "binary":
        truth = [_as_bool(label, label_map) for label in labels]
        result = metrics(truth, out["labels"], [True, False], positive_scores=out["proba"])
        both = 0 < sum(truth) < len(truth)
        ap = float(average_precision_score(truth, out["proba"])) if both else None
        result["average_precision"] = ap
        result["threshold"] = float(model.thresholds.get(head, 0.5))
        return result
    if label_map is not None:
        raise ValueError(f"'{head}' là đầu nhiều lớp: không dùng bảng ánh xạ nhãn")
    return metrics(labels, out["labels"], out["classes"])
