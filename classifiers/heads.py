"""Training of the linear heads: calibrated binary heads with a dev-chosen threshold, and
multi-class heads with per-class biases tuned on dev.

Every head ends up as columns of one stacked weight matrix (see ``classifiers.model``), so a
fitted head is described by a scikit-learn estimator plus plain numbers.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

DEFAULT_RULES = {"harmful": "recall:0.9"}
DEFAULT_RULE = "f1"


def make_estimator(options: dict):
    """A fresh linear estimator as the head's options ask (``model`` = lr or svm, ``C``)."""
    kind = options.get("model", "lr")
    C = float(options.get("C", 4.0 if kind == "lr" else 0.3))
    weight = options.get("class_weight", "balanced")
    if kind == "svm":
        return LinearSVC(C=C, class_weight=weight, max_iter=5000, random_state=0)
    return LogisticRegression(C=C, class_weight=weight, max_iter=3000, solver="liblinear")


def linear_parts(estimator) -> tuple[np.ndarray, np.ndarray]:
    """(coef as features × outputs, intercept) of a fitted linear estimator."""
    return np.asarray(estimator.coef_, dtype=np.float64).T, np.ravel(estimator.intercept_)


def _cv_scores(estimator, X, y) -> np.ndarray:
    """Out-of-fold decision scores, so calibration never sees a post's own fit."""
    folds = min(5, int(np.bincount(y).min()))
    if folds < 2:
        raise ValueError("need at least two posts of each class")
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    return cross_val_predict(estimator, X, y, cv=cv, method="decision_function")


def fit_binary(X, y: np.ndarray, options: dict) -> dict:
    """Fit a binary head and Platt-calibrate it on out-of-fold scores: p = σ(a·score + b)."""
    estimator = make_estimator(options)
    scores = _cv_scores(estimator, X, y)
    platt = LogisticRegression(C=1e4).fit(scores.reshape(-1, 1), y)
    estimator.fit(X, y)
    return {
        "estimator": estimator,
        "calibration": [float(platt.coef_[0, 0]), float(platt.intercept_[0])],
    }


def choose_threshold(proba: np.ndarray, truth: np.ndarray, rule: str) -> float:
    """Threshold on dev: ``recall:R`` = the highest one keeping recall ≥ R; ``f1`` = best F1."""
    order = np.argsort(-proba)
    p, t = proba[order], truth[order].astype(bool)
    tp = np.cumsum(t)
    positives = max(int(t.sum()), 1)
    last = np.r_[p[1:] != p[:-1], True]
    if rule.startswith("recall:"):
        target = float(rule.split(":", 1)[1])
        reach = np.flatnonzero(last & (tp / positives >= target))
        return float(p[reach[0]]) if len(reach) else float(p[-1])
    if rule != "f1":
        raise ValueError(f"unknown threshold rule {rule!r}")
    f1 = 2 * tp / (np.arange(1, len(p) + 1) + positives)
    best = np.flatnonzero(last)[np.argmax(f1[last])]
    return float(p[best])


def fit_multiclass(X, y: np.ndarray, n_classes: int, options: dict) -> dict:
    """Fit a multi-class head (one-vs-rest for svm, multinomial for lr)."""
    opts = dict(options)
    estimator = make_estimator(opts)
    if isinstance(estimator, LogisticRegression):
        estimator.set_params(solver="lbfgs")
    estimator.fit(X, y)
    return {"estimator": estimator, "bias": [0.0] * n_classes}


def tune_bias(scores: np.ndarray, truth: np.ndarray, rounds: int = 3) -> np.ndarray:
    """Per-class additive biases that maximise dev macro-F1, by coordinate search."""
    bias = np.zeros(scores.shape[1])
    grid = np.linspace(-2, 2, 41) * (scores.std() or 1.0)
    labels = np.arange(scores.shape[1])
    for _ in range(rounds):
        for k in range(1, scores.shape[1]):
            best = None
            for step in grid:
                trial = bias.copy()
                trial[k] = step
                pred = np.argmax(scores + trial, axis=1)
                f1 = f1_score(truth, pred, labels=labels, average="macro", zero_division=0)
                if best is None or f1 > best[0] + 1e-9:
                    best = (f1, step)
            bias[k] = best[1]
    return bias
