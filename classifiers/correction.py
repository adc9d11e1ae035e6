"""A commune-local correction learnt from reviewers' decisions, on top of a base model.

Appending a few hundred decisions to the ~100,000 posts of the recipe and retraining moves the
model little, however much each decision is weighted: in ``bench/learning.py`` it reached a
ViCTSD ROC-AUC of 0.745 after 1,000 decisions. Here each binary head with enough decisions of
both kinds gets a logistic regression fitted on the decisions alone, with the base head's
log-odds ``z = w·x + b`` as an offset::

    z' = (1 + α)·z + Δw·x + c

α and Δw are held back by the L2 penalty, so with few decisions the corrected head stays the
base head, and with more it learns the commune's register. The offset matters: the review
sample picks the posts nearest the threshold, where ``z`` hardly varies, and a plain stacked
regression (``z`` as a free feature) then learns to ignore the base model: after 50 such
decisions it ranked ViCTSD at 0.63, below the base model's 0.69. Both terms are linear in the
features, so the corrected head is again one weight column, ``((1 + α)·w + Δw, (1 + α)·b + c)``:
prediction costs what it did and explanations show the corrected weights.

``C`` is chosen by cross-validated ROC-AUC on the decisions, and the correction is used only if
that out-of-fold AUC beats the base head's own AUC on the same decisions: fifty decisions near
the threshold can teach noise, and then the head is left as it was. The corrected head is
calibrated with ``CalibratedClassifierCV`` (sigmoid on out-of-fold scores) like every head,
and keeps the base model's threshold. The guard against a worse model is the retraining job's (held-back
decisions and the recipe's dev sets).
"""

from copy import deepcopy
from datetime import UTC, datetime

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_val_predict

from classifiers.dataset import load_head
from classifiers.evaluate import metrics
from classifiers.heads import _calibrated, cv_splits
from classifiers.model import Model
from classifiers.recipes import load_recipe
from classifiers.train import _new_version, train_recipe

MIN_PER_CLASS = 5
C_GRID = (1.0, 3.0, 10.0)
# α's feature is z × ALPHA_SCALE: z spans ±10 where a feature row has norm ~2, so unscaled α
# would be the cheapest weight to move and the base model would be overridden first
ALPHA_SCALE = 0.3


class OffsetLogisticRegression(ClassifierMixin, BaseEstimator):
    """L2 logistic regression whose first column is an offset: decision = X[:, 0]·(1 + α·s) +
    X[:, 1:]·Δw + c, penalty (α² + |Δw|²) / 2C, classes weighted to balance. Fitted by
    L-BFGS (scipy); ``coef_``/``intercept_`` are those of the decision, offset included."""

    def __init__(self, C: float = 1.0):
        self.C = C

    def fit(self, X, y):
        X = sp.csr_matrix(X, dtype=np.float64)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        z, F = X[:, 0].toarray().ravel(), sp.hstack([X[:, 1:], X[:, :1] * ALPHA_SCALE]).tocsr()
        sign = np.where(y == self.classes_[-1], 1.0, -1.0)
        weight = np.where(sign > 0, len(y) / (2 * (sign > 0).sum()), len(y) / (2 * (sign < 0).sum()))

        def loss(p):
            margin = sign * (z + F @ p[:-1] + p[-1])
            grad = -weight * sign * expit(-margin)
            value = weight @ np.logaddexp(0, -margin) + 0.5 * p[:-1] @ p[:-1] / self.C
            return value, np.r_[F.T @ grad + p[:-1] / self.C, grad.sum()]

        found = minimize(loss, np.zeros(F.shape[1] + 1), jac=True, method="L-BFGS-B",
                         options={"maxiter": 1000})
        delta, alpha = found.x[:-2], found.x[-2]
        self.coef_ = np.r_[1.0 + alpha * ALPHA_SCALE, delta].reshape(1, -1)
        self.intercept_ = np.array([found.x[-1]])
        return self

    def decision_function(self, X):
        return np.asarray(X @ self.coef_[0]).ravel() + self.intercept_[0]

    def predict(self, X):
        return self.classes_[(self.decision_function(X) > 0).astype(int)]


def _examples(rows: list) -> tuple[list[str], np.ndarray]:
    """Distinct texts and their labels (a text decided twice keeps its last label)."""
    last = {text: bool(label) for text, label in rows}
    return list(last), np.array(list(last.values()), dtype=int)


def _fit(A, y: np.ndarray, splits: list) -> tuple[float, np.ndarray, float, float]:
    """The C of the grid with the best out-of-fold ROC-AUC; (C, weights, intercept, AUC)."""
    best = None
    for C in C_GRID:
        estimator = OffsetLogisticRegression(C)
        oof = cross_val_predict(estimator, A, y, cv=splits, method="decision_function")
        auc = float(roc_auc_score(y, oof))
        if best is None or auc > best[1] + 1e-9:
            best = (C, auc)
    C, auc = best
    coef, intercept, _ = _calibrated(OffsetLogisticRegression(C), A, y, splits)
    return C, coef, intercept, auc


def correct(model: Model, examples: dict, dev: dict | None = None, say=None) -> Model:
    """A new model: ``model`` with each binary head corrected by its ``examples``
    ({head: [(text, bool)]}), figures on ``dev`` ({head: [(text, bool)]}) recomputed."""
    say = say or (lambda message: None)
    heads, metadata = dict(model.heads), deepcopy(model.metadata)
    report = {}
    for name, rows in examples.items():
        if model.heads.get(name, {}).get("kind") != "binary":
            continue
        texts, y = _examples(rows)
        fewest = int(min(y.sum(), len(y) - y.sum())) if len(y) else 0
        if fewest < MIN_PER_CLASS:
            report[name] = {"n": len(y), "positives": int(y.sum()), "corrected": False,
                            "why": f"cần ít nhất {MIN_PER_CLASS} quyết định mỗi loại"}
            continue
        say(f"Hiệu chỉnh đầu '{name}' theo {len(y)} quyết định…")
        column = model.slices[name].start
        w, b = model.W[:, column], float(model.b[column])
        X = model.features(texts)
        A = sp.hstack([sp.csr_matrix((X @ w + b).reshape(-1, 1)), X]).tocsr()
        z = A[:, 0].toarray().ravel()
        base_auc = float(roc_auc_score(y, z))
        C, coef, intercept, auc = _fit(A, y, cv_splits(y))
        a = float(coef[0])
        facts = {"n": len(y), "positives": int(y.sum()), "C": C, "base_weight": round(a, 4),
                 "cv_roc_auc": round(auc, 4), "base_roc_auc": round(base_auc, 4)}
        if auc <= base_auc or a <= 0:
            report[name] = dict(facts, corrected=False, why=(
                f"hiệu chỉnh không xếp hạng tốt hơn mô hình gốc khi kiểm định chéo trên các "
                f"quyết định (ROC-AUC {auc:.3f} so với {base_auc:.3f})"))
            continue
        heads[name] = {"kind": "binary", "coef": (a * w + coef[1:]).reshape(-1, 1),
                       "intercept": np.array([a * b + intercept])}
        report[name] = dict(facts, corrected=True)
    metadata.update(version=_new_version(), base_version=model.version, correction=report,
                    created_at=datetime.now(UTC).isoformat(timespec="seconds"))
    corrected = Model({**model.state, "heads": heads}, metadata)
    for name, rows in (dev or {}).items():
        if report.get(name, {}).get("corrected") and rows:
            texts, truth = [t for t, _ in rows], [bool(y) for _, y in rows]
            proba = corrected.predict_head(name, texts)["proba"]
            threshold = corrected.thresholds[name]
            corrected.metadata["dev"][name] = metrics(
                truth, (proba >= threshold).tolist(), [True, False], proba)
    return corrected



def recipe_dev(recipe_path, data_dir=None) -> dict[str, list]:
    """{head: [(text, label)]}: the dev rows of every head of a recipe."""
    recipe = load_recipe(recipe_path, data_dir)
    cache: dict = {}
    return {name: load_head(spec, [], cache).dev for name, spec in recipe.heads.items()}


def train_with_reviews(recipe_path, data_dir, examples: dict, progress=None,
                       dev: dict | None = None) -> Model:
    """The recipe's model, corrected by reviewers' decisions ({head: [(text, bool)]}), its
    corrected heads' figures recomputed on ``dev`` (default: the recipe's dev rows)."""
    base = train_recipe(recipe_path, data_dir, None, progress)
    dev = recipe_dev(recipe_path, data_dir) if dev is None else dev
    return correct(base, examples, dev, progress)
