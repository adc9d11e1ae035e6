"""Training of the linear heads, every choice made on cross-validated train (never on dev).

A binary head is calibrated with scikit-learn's ``CalibratedClassifierCV`` (sigmoid fitted
on out-of-fold scores, the estimator refitted on all posts); its calibrated log-odds are
linear in the features, so they fold into one weight column of the stacked matrix
(``classifiers.model``). The same out-of-fold scores, calibrated, give the probabilities on
which the threshold is chosen; a
multi-class head tunes its per-class biases on out-of-fold scores likewise. The folds keep
each post together with its accent-free copy (``groups``), so no post is scored by a model
that saw its twin.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.svm import LinearSVC

DEFAULT_RULES = {"harmful": "recall:0.9"}
DEFAULT_RULE = "f1"
DEFAULT_BLEND_WEIGHT = 0.5
FOLDS = 3


def cv_splits(y: np.ndarray, groups: np.ndarray | None = None, folds: int | None = None) -> list:
    """Stratified folds that never split a group (a post and its accent-free copy)."""
    groups = np.arange(len(y)) if groups is None else np.asarray(groups)
    smallest = int(np.bincount(y).min()) if len(y) else 0
    folds = min(folds or FOLDS, smallest)
    if folds < 2:
        raise ValueError("need at least two posts of each class")
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=0)
    return list(splitter.split(np.zeros(len(y)), y, groups))


class NBScaler(TransformerMixin, BaseEstimator):
    """Scales each feature by its naive-Bayes log-count ratio (Wang & Manning's NB-SVM),
    learnt inside each fold like any other step."""

    def fit(self, X, y):
        """The log-count ratio of every feature on this fold's posts."""
        present = (X > 0).astype(np.float64)
        p = 1 + np.asarray(present[y == 1].sum(axis=0)).ravel()
        q = 1 + np.asarray(present[y == 0].sum(axis=0)).ravel()
        self.ratio_ = np.log((p / p.sum()) / (q / q.sum()))
        return self

    def transform(self, X):
        """X with every column scaled by its ratio."""
        return X @ sp.diags(self.ratio_)


def make_estimator(options: dict):
    """A fresh linear estimator as the head's options ask (``model`` = lr, svm or nbsvm; ``C``)."""
    kind = options.get("model", "lr")
    if kind not in ("lr", "svm", "nbsvm"):
        raise ValueError(f"unknown estimator {kind!r} (lr, svm, nbsvm)")
    C = float(options.get("C", 2.0 if kind == "lr" else 0.1))
    weight = options.get("class_weight", "balanced")
    if kind in ("svm", "nbsvm"):
        svm = LinearSVC(C=C, class_weight=weight, max_iter=5000, random_state=0)
        return make_pipeline(NBScaler(), svm) if kind == "nbsvm" else svm
    # dual: far faster than the primal when features outnumber posts, as they do here
    # random_state: liblinear shuffles its coordinates, so without a seed two fits differ a little
    return LogisticRegression(
        C=C, class_weight=weight, max_iter=3000, solver="liblinear", dual=True, random_state=0
    )


def _weights(estimator) -> tuple[np.ndarray, np.ndarray]:
    """(coef as features × outputs, intercept) of a fitted linear estimator or NB pipeline."""
    scale = 1.0
    if isinstance(estimator, Pipeline):
        scale = estimator[0].ratio_.reshape(-1, 1)
        estimator = estimator[-1]
    return np.asarray(estimator.coef_, dtype=np.float64).T * scale, np.ravel(estimator.intercept_)


def linear_parts(head: dict) -> tuple[np.ndarray, np.ndarray]:
    """(coef as features × outputs, intercept) of a fitted head, NB feature scaling folded in.

    Heads store their folded weights (``coef``); models saved before kept the estimator."""
    if "coef" in head:
        return np.asarray(head["coef"], dtype=np.float64), np.asarray(head["intercept"])
    coef = np.asarray(head["estimator"].coef_, dtype=np.float64).T
    if "scale" in head:
        coef = coef * np.asarray(head["scale"]).reshape(-1, 1)
    return coef, np.ravel(head["estimator"].intercept_)


def _calibrated(estimator, X, y, splits) -> tuple[np.ndarray, float, np.ndarray]:
    """The estimator fitted on every post and sigmoid-calibrated on its out-of-fold scores
    (CalibratedClassifierCV, ensemble=False), as (weights, intercept) of the calibrated
    log-odds; and those same out-of-fold scores, calibrated, for choosing the threshold."""
    fitted = CalibratedClassifierCV(estimator, method="sigmoid", cv=splits, ensemble=False)
    pair = fitted.fit(X, y).calibrated_classifiers_[0]
    calibration = pair.calibrators[0]  # p = 1 / (1 + exp(a·score + b))
    a, b = float(calibration.a_), float(calibration.b_)
    w, c = _weights(pair.estimator)
    scores = cross_val_predict(estimator, X, y, cv=splits, method="decision_function")
    return -a * w[:, 0], -(a * float(c[0]) + b), -(a * scores + b)


def fit_binary(X, y: np.ndarray, options: dict, splits: list) -> tuple[dict, np.ndarray]:
    """A calibrated binary head (weights whose score is the log-odds) and the out-of-fold
    log-odds of every training post."""
    if options.get("model") == "blend":
        return fit_blend(X, y, options, splits)
    coef, intercept, oof = _calibrated(make_estimator(options), X, y, splits)
    return {"coef": coef.reshape(-1, 1), "intercept": np.array([intercept])}, oof


def fit_blend(X, y: np.ndarray, options: dict, splits: list) -> tuple[dict, np.ndarray]:
    """NB-SVM and logistic regression, each calibrated, their log-odds averaged:
    z = (1-β)·z_nbsvm + β·z_lr, β = ``blend_weight`` (the LR share). Both are linear in X, so
    z is one weight column too.

    The two err differently (NB-SVM trusts rare n-grams with a strong class ratio, LR spreads
    weight over many), so the average ranks better than either (ReINTEL figures beside
    EXTRAS in bench/classifier.py)."""
    beta = float(options.get("blend_weight", DEFAULT_BLEND_WEIGHT))
    weight = options.get("class_weight", "balanced")
    coef, intercept, oof = np.zeros(X.shape[1]), 0.0, np.zeros(len(y))
    for kind, share in (("nbsvm", 1 - beta), ("lr", beta)):
        w, c, z = _calibrated(make_estimator({"model": kind, "class_weight": weight}), X, y, splits)
        coef, intercept, oof = coef + share * w, intercept + share * c, oof + share * z
    head = {"coef": coef.reshape(-1, 1), "intercept": np.array([intercept])}
    return dict(head, blend={"nbsvm": 1 - beta, "lr": beta}), oof


def choose_threshold(proba: np.ndarray, truth: np.ndarray, rule: str) -> float:
    """Threshold on out-of-fold probabilities: ``recall:R`` = highest keeping recall ≥ R;
    ``f1`` / ``macro_f1`` = best."""
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


def fit_multiclass(X, y: np.ndarray, n_classes: int, options: dict, splits: list):
    """A multi-class head (one-vs-rest for svm, multinomial for lr) and the out-of-fold
    decision scores of every training post (for the biases)."""
    if options.get("model") in ("nbsvm", "blend"):
        raise ValueError(f"{options['model']} is for binary heads only")
    estimator = make_estimator(options)
    if isinstance(estimator, LogisticRegression):
        estimator.set_params(solver="lbfgs", dual=False)
    oof = cross_val_predict(estimator, X, y, cv=splits, method="decision_function")
    estimator.fit(X, y)
    coef, intercept = _weights(estimator)
    if coef.shape[1] == 1:  # two classes: scores [0, s]
        oof = np.column_stack([np.zeros(len(y)), oof])
    head = {"coef": coef, "intercept": intercept, "bias": [0.0] * n_classes}
    return head, oof.reshape(len(y), -1)


def tune_bias(scores: np.ndarray, truth: np.ndarray, rounds: int = 3) -> np.ndarray:
    """Per-class additive biases that maximise macro-F1 of out-of-fold scores, by coordinate search."""
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
