"""Fitting one head of a recipe on the shared feature matrix.

Every choice — segmentation or not, the threshold of a binary head, the biases of a
multi-class one — is made on out-of-fold figures of the training posts (``cv`` in the
sidecar). The dev files are scored once, by the finished head, so ``dev`` is an honest
estimate of posts the model has never seen.
"""

import numpy as np
from scipy.special import expit

from classifiers.evaluate import metrics
from classifiers.heads import (
    DEFAULT_RULE,
    DEFAULT_RULES,
    choose_threshold,
    cv_splits,
    fit_binary,
    fit_multiclass,
    linear_parts,
    tune_bias,
)

SEGMENTATION_MIN_GAIN = 0.02


def _best_f1(proba: np.ndarray, truth: np.ndarray) -> float:
    """F1 of the positive class at its best threshold (threshold-free quality for decisions)."""
    if not len(truth) or truth.sum() == 0:
        return 0.0
    pred = proba >= choose_threshold(proba, truth, "f1")
    return 2 * float((pred & truth).sum()) / (pred.sum() + truth.sum())


def _binary(train, dev, spec) -> dict:
    """Fit and calibrate a binary head; threshold on out-of-fold probabilities of the posts
    as written (not their accent-free copies); dev scored once at that threshold."""
    (Xtr, ytr, splits, original), (Xdev, ydev) = train, dev
    head, oof = fit_binary(Xtr, ytr, spec.options, splits)
    proba, truth = expit(oof[original]), ytr[original].astype(bool)
    rule = str(spec.options.get("threshold", DEFAULT_RULES.get(spec.name, DEFAULT_RULE)))
    threshold = choose_threshold(proba, truth, rule)
    cv = metrics(truth.tolist(), (proba >= threshold).tolist(), [True, False], proba)
    head.update(kind="binary")
    meta = {"kind": "binary", "threshold": threshold, "threshold_rule": rule, "cv": cv}
    if len(ydev):
        coef, intercept = linear_parts(head)
        p = expit(np.asarray(Xdev @ coef)[:, 0] + intercept[0])
        meta["dev"] = metrics(ydev.astype(bool).tolist(), (p >= threshold).tolist(), [True, False], p)
    return {"head": head, "meta": meta, "score": _best_f1(proba, truth)}


def _multiclass(train, dev, spec, classes) -> dict:
    """Fit a multi-class head; per-class biases tuned for macro-F1 on out-of-fold scores."""
    (Xtr, ytr, splits, original), (Xdev, ydev) = train, dev
    head, oof = fit_multiclass(Xtr, ytr, len(classes), spec.options, splits)
    head.update(kind="multiclass", classes=list(classes))
    bias = tune_bias(oof[original], ytr[original])
    head["bias"] = bias.tolist()

    def named(y, scores):
        """Truth and predictions as class names, for metrics()."""
        pred = np.argmax(scores + bias, axis=1)
        return [classes[k] for k in y], [classes[k] for k in pred], list(classes)

    cv = metrics(*named(ytr[original], oof[original]))
    meta = {"kind": "multiclass", "labels": list(classes), "bias": head["bias"], "cv": cv}
    if len(ydev):
        coef, intercept = linear_parts(head)
        scores = np.asarray(Xdev @ coef) + intercept
        if scores.shape[1] == 1:
            scores = np.hstack([np.zeros_like(scores), scores])
        meta["dev"] = metrics(*named(ydev, scores))
    return {"head": head, "meta": meta, "score": cv["macro_f1"]}


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
    splits = cv_splits(ytr, data.groups)
    original = np.asarray(data.groups) == np.arange(len(ytr))
    fitted = {}
    for used, cols in _candidates(spec, featurizer, use_seg).items():
        train = (X[rows_tr][:, cols], ytr, splits, original)
        dev = (X[rows_dev][:, cols], ydev)
        if spec.kind == "binary":
            fitted[used] = _binary(train, dev, spec)
        else:
            fitted[used] = _multiclass(train, dev, spec, classes)
        if len(cols) < featurizer.n_features:
            fitted[used]["head"]["columns"] = cols
    gain = fitted[True]["score"] - fitted[False]["score"] if len(fitted) == 2 else None
    used = (gain >= SEGMENTATION_MIN_GAIN) if gain is not None else next(iter(fitted))
    chosen = fitted[used]
    meta = dict(chosen["meta"], **data.stats)
    meta.setdefault("dev", {"n": 0})
    meta["model"] = spec.options.get("model", "lr")
    meta["calibration"] = "CalibratedClassifierCV(sigmoid), log-odds of the folds averaged"
    if "blend" in chosen["head"]:
        meta["blend"] = chosen["head"]["blend"]
    if spec.kind == "binary":
        meta["label_maps"] = {f.source: f.labels for f in spec.train + spec.dev}
    meta["segmentation"] = {
        "used": bool(used),
        "option": spec.options.get("segmentation", "auto"),
        "cv_score_without": float(fitted[False]["score"]) if False in fitted else None,
        "cv_score_with": float(fitted[True]["score"]) if True in fitted else None,
        "rule": f"dùng khi điểm kiểm định chéo tăng ≥ {SEGMENTATION_MIN_GAIN}",
    }
    return chosen["head"], meta
