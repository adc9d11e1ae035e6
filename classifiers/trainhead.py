"""Fitting one head of a recipe on the shared feature matrix, choosing segmentation on dev."""

import numpy as np

from classifiers.evaluate import metrics
from classifiers.heads import (
    DEFAULT_RULE,
    DEFAULT_RULES,
    choose_threshold,
    fit_binary,
    fit_multiclass,
    linear_parts,
    tune_bias,
)

SEGMENTATION_MIN_GAIN = 0.02


def _sigmoid(z):
    """Logistic function without overflow warnings."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _best_f1(proba: np.ndarray, truth: np.ndarray) -> float:
    """F1 of the positive class at its best threshold (threshold-free quality for decisions)."""
    if not len(truth) or truth.sum() == 0:
        return 0.0
    threshold = choose_threshold(proba, truth, "f1")
    pred = proba >= threshold
    tp = float((pred & truth).sum())
    return 2 * tp / (pred.sum() + truth.sum())


def _binary(Xtr, ytr, Xdev, ydev, spec) -> dict:
    """Fit, calibrate and threshold a binary head; dev metrics at the chosen threshold."""
    head = fit_binary(Xtr, ytr, spec.options)
    coef, intercept = linear_parts(head)
    a, b = head["calibration"]
    rule = str(spec.options.get("threshold", DEFAULT_RULES.get(spec.name, DEFAULT_RULE)))
    if len(ydev):
        proba = _sigmoid(a * (np.asarray(Xdev @ coef)[:, 0] + intercept[0]) + b)
        truth = ydev.astype(bool)
    else:
        proba = _sigmoid(a * (np.asarray(Xtr @ coef)[:, 0] + intercept[0]) + b)
        truth = ytr.astype(bool)
    threshold = choose_threshold(proba, truth, rule)
    dev = metrics(truth.tolist(), (proba >= threshold).tolist(), [True, False], proba)
    head.update(kind="binary")
    meta = {"kind": "binary", "threshold": threshold, "threshold_rule": rule, "dev": dev}
    return {"head": head, "meta": meta, "score": _best_f1(proba, truth)}


def _scores(head, X) -> np.ndarray:
    """Decision scores of a multi-class head (2 classes: [0, s])."""
    coef, intercept = linear_parts(head)
    z = np.asarray(X @ coef) + intercept
    return np.hstack([np.zeros_like(z), z]) if z.shape[1] == 1 else z


def _multiclass(Xtr, ytr, Xdev, ydev, spec, classes) -> dict:
    """Fit a multi-class head; per-class biases tuned on dev for macro-F1."""
    head = fit_multiclass(Xtr, ytr, len(classes), spec.options)
    head.update(kind="multiclass", classes=list(classes))
    if len(ydev):
        scores = _scores(head, Xdev)
        head["bias"] = tune_bias(scores, ydev).tolist()
        pred = np.argmax(scores + np.asarray(head["bias"]), axis=1)
        dev = metrics([classes[k] for k in ydev], [classes[k] for k in pred], list(classes))
    else:
        dev = {"n": 0}
    meta = {"kind": "multiclass", "labels": list(classes), "bias": head["bias"], "dev": dev}
    return {"head": head, "meta": meta, "score": dev.get("macro_f1", 0.0)}


def _targets(spec, data):
    """Integer targets for train and dev, and the class names of a multi-class head."""
    if spec.kind == "binary":
        return (
            np.array([int(y) for _, y in data.train]),
            np.array([int(y) for _, y in data.dev]),
            None,
        )
    classes = sorted({str(y) for _, y in data.train})
    index = {c: i for i, c in enumerate(classes)}
    dev = [(t, y) for t, y in data.dev if str(y) in index]
    data.stats["dev_rows_unknown_label"] = len(data.dev) - len(dev)
    data.dev = dev
    return (
        np.array([index[str(y)] for _, y in data.train]),
        np.array([index[str(y)] for _, y in dev]),
        classes,
    )


def _candidates(spec, featurizer, use_seg: bool) -> dict:
    """Column sets to try: without segmentation, and with it when allowed."""
    option = spec.options.get("segmentation", "auto")
    all_cols = np.arange(featurizer.n_features)
    if not use_seg:
        return {False: all_cols}
    no_seg = np.flatnonzero(featurizer._view_of_col != len(featurizer.config["views"]) - 1)
    if option is True:
        return {True: all_cols}
    if option is False:
        return {False: no_seg}
    return {False: no_seg, True: all_cols}


def fit_head(spec, data, X, corpus, featurizer, use_seg: bool) -> tuple[dict, dict]:
    """Fit one head (trying segmentation if asked) → (state for the skops file, sidecar entry)."""
    ytr, ydev, classes = _targets(spec, data)
    rows_tr = corpus.rows([t for t, _ in data.train])
    rows_dev = corpus.rows([t for t, _ in data.dev])
    fitted = {}
    for used, cols in _candidates(spec, featurizer, use_seg).items():
        Xtr, Xdev = X[rows_tr][:, cols], X[rows_dev][:, cols]
        if spec.kind == "binary":
            fitted[used] = _binary(Xtr, ytr, Xdev, ydev, spec)
        else:
            fitted[used] = _multiclass(Xtr, ytr, Xdev, ydev, spec, classes)
        if len(cols) < featurizer.n_features:
            fitted[used]["head"]["columns"] = cols
    gain = fitted[True]["score"] - fitted[False]["score"] if len(fitted) == 2 else None
    used = (gain >= SEGMENTATION_MIN_GAIN) if gain is not None else next(iter(fitted))
    chosen = fitted[used]
    meta = dict(chosen["meta"], **data.stats)
    meta["model"] = spec.options.get("model", "lr")
    if "blend" in chosen["head"]:
        meta["blend"] = chosen["head"]["blend"]
    if spec.kind == "binary":
        meta["label_maps"] = {f.source: f.labels for f in spec.train + spec.dev}
    meta["segmentation"] = {
        "used": bool(used),
        "option": spec.options.get("segmentation", "auto"),
        "dev_score_without": float(fitted[False]["score"]) if False in fitted else None,
        "dev_score_with": float(fitted[True]["score"]) if True in fitted else None,
        "rule": f"dùng khi điểm dev tăng ≥ {SEGMENTATION_MIN_GAIN}",
    }
    return chosen["head"], meta
