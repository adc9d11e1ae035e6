"""Training of the linear heads: calibrated binary heads with a dev-chosen threshold, and
multi-class heads with per-class biases tuned on dev.

Every head ends up as columns of one stacked weight matrix (see ``classifiers.model``), so a
fitted head is described by a scikit-learn estimator plus plain numbers, or (``blend``) by
its folded weight vector itself.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

DEFAULT_RULES = {"harmful": "recall:0.9"}
DEFAULT_RULE = "f1"
DEFAULT_BLEND_WEIGHT = 0.5


def make_estimator(options: dict):
    """A fresh linear estimator as the head's options ask (``model`` = lr, svm or nbsvm; ``C``)."""
    kind = options.get("model", "lr")
    if kind not in ("lr", "svm", "nbsvm"):
        raise ValueError(f"unknown estimator {kind!r} (lr, svm, nbsvm)")
    C = float(options.get("C", 2.0 if kind == "lr" else 0.1))
    weight = options.get("class_weight", "balanced")
    if kind in ("svm", "nbsvm"):
        return LinearSVC(C=C, class_weight=weight, max_iter=5000, random_state=0)
    # dual: far faster than the primal when features outnumber posts, as they do here
    # random_state: liblinear shuffles its coordinates, so without a seed two fits differ a little
    return LogisticRegression(
        C=C, class_weight=weight, max_iter=3000, solver="liblinear", dual=True, random_state=0
    )


def linear_parts(head: dict) -> tuple[np.ndarray, np.ndarray]:
    """(coef as features × outputs, intercept) of a fitted head, NB feature scaling folded in."""
    if "coef" in head:
        return np.asarray(head["coef"], dtype=np.float64), np.asarray(head["intercept"])
    coef = np.asarray(head["estimator"].coef_, dtype=np.float64).T
    if "scale" in head:
        coef = coef * np.asarray(head["scale"]).reshape(-1, 1)
    return coef, np.ravel(head["estimator"].intercept_)


def nb_ratio(X, y: np.ndarray) -> np.ndarray:
    """Naive-Bayes log-count ratio of each feature (Wang & Manning's NB-SVM scaling)."""
    present = (X > 0).astype(np.float64)
    p = 1 + np.asarray(present[y == 1].sum(axis=0)).ravel()
    q = 1 + np.asarray(present[y == 0].sum(axis=0)).ravel()
    return np.log((p / p.sum()) / (q / q.sum()))


def _cv_scores(estimator, X, y) -> np.ndarray:
    """Out-of-fold decision scores, so calibration never sees a post's own fit."""
    folds = min(3, int(np.bincount(y).min()))
    if folds < 2:
        raise ValueError("need at least two posts of each class")
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    return cross_val_predict(estimator, X, y, cv=cv, method="decision_function")


def _platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(a, b) of p = σ(a·score + b) fitted on out-of-fold scores."""
    platt = LogisticRegression(C=1e4).fit(scores.reshape(-1, 1), y)
    return float(platt.coef_[0, 0]), float(platt.intercept_[0])


def fit_binary(X, y: np.ndarray, options: dict) -> dict:
    """Fit a binary head and Platt-calibrate it on out-of-fold scores: p = σ(a·score + b)."""
    if options.get("model") == "blend":
        return fit_blend(X, y, options)
    estimator = make_estimator(options)
    head: dict = {"estimator": estimator}
    if options.get("model") == "nbsvm":
        head["scale"] = nb_ratio(X, y)
        X = X @ sp.diags(head["scale"])
    scores = _cv_scores(estimator, X, y)
    estimator.fit(X, y)
    head["calibration"] = list(_platt(scores, y))
    return head


def fit_blend(X, y: np.ndarray, options: dict) -> dict:
    """NB-SVM and logistic regression, each Platt-calibrated on its out-of-fold scores, their
    log-odds averaged: z = (1-β)·(a₁s₁ + c₁) + β·(a₂s₂ + c₂), β = ``blend_weight`` (the LR
    share). Both scores are linear in X, so z folds into one weight column, which is stored
    instead of the estimators; z is then Platt-calibrated once more on its out-of-fold values.

    The two err differently (NB-SVM trusts rare n-grams with a strong class ratio, LR spreads
    weight over many), so the average ranks better than either (ReINTEL figures beside
    EXTRAS in bench/classifier.py)."""
    beta = float(options.get("blend_weight", DEFAULT_BLEND_WEIGHT))
    weight = options.get("class_weight", "balanced")
    scale = nb_ratio(X, y)
    parts = [
        (make_estimator({"model": "nbsvm", "class_weight": weight}), scale, 1 - beta),
        (make_estimator({"model": "lr", "class_weight": weight}), None, beta),
    ]
    coef = np.zeros(X.shape[1])
    intercept, oof = 0.0, np.zeros(len(y))
    for estimator, nb, share in parts:
        Xp = X @ sp.diags(nb) if nb is not None else X
        scores = _cv_scores(estimator, Xp, y)
        a, c = _platt(scores, y)
        estimator.fit(Xp, y)
        w = np.ravel(estimator.coef_) * (nb if nb is not None else 1.0)
        coef += share * a * w
        intercept += share * (a * float(estimator.intercept_[0]) + c)
        oof += share * (a * scores + c)
    return {
        "coef": coef.reshape(-1, 1),
        "intercept": np.array([intercept]),
        "calibration": list(_platt(oof, y)),
        "blend": {"nbsvm": 1 - beta, "lr": beta},
    }


def choose_threshold(proba: np.ndarray, truth: np.ndarray, rule: str) -> float:
    """Threshold on dev: ``recall:R`` = highest keeping recall ≥ R; ``f1`` / ``macro_f1`` = best."""
    order = np.argsort(-proba)
    p, t = proba[order], truth[order].astype(bool)
    tp = np.cumsum(t)
    positives = max(int(t.sum()), 1)
    last = np.r_[p[1:] != p[:-1], True]
    if rule.startswith("recall:"):
        target = float(rule.split(":", 1)[1])
        reach = np.flatnonzero(last & (tp / positives >= target))
        return float(p[reach[0]]) if len(reach) else float(p[-1])
    predicted = np.arange(1, len(p) + 1)
    f1 = 2 * tp / (predicted + positives)
    if rule == "macro_f1":
        tn = (len(t) - positives) - (predicted - tp)
        f1 = (f1 + 2 * tn / np.maximum(2 * len(t) - predicted - positives, 1)) / 2
    elif rule != "f1":
        raise ValueError(f"unknown threshold rule {rule!r}")
    best = np.flatnonzero(last)[np.argmax(f1[last])]
    return float(p[best])


def fit_multiclass(X, y: np.ndarray, n_classes: int, options: dict) -> dict:
    """Fit a multi-class head (one-vs-rest for svm, multinomial for lr)."""
    if options.get("model") in ("nbsvm", "blend"):
        raise ValueError(f"{options['model']} is for binary heads only")
    estimator = make_estimator(options)
    if isinstance(estimator, LogisticRegression):
        estimator.set_params(solver="lbfgs", dual=False)
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
