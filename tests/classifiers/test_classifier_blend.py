"""The ``blend`` head: NB-SVM and LR log-odds averaged and folded into one weight column."""

import numpy as np
import pytest
import scipy.sparse as sp
import skops.io as sio
from scipy.stats import spearmanr

from classifiers import ModelStore, RecipeError, load_recipe, train_recipe
from classifiers.heads import cv_splits, fit_binary, linear_parts


def _data(seed=0, n=120, d=60):
    """Sparse non-negative features whose first columns carry the label, plus noise."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    X = rng.random((n, d)) * (rng.random((n, d)) < 0.2)
    X[:, :5] += 0.6 * y[:, None] * (rng.random((n, 5)) < 0.5)
    return sp.csr_matrix(X), y


def _score(head, X):
    coef, intercept = linear_parts(head)
    return np.asarray(X @ coef)[:, 0] + intercept[0]


def test_blend_folds_the_two_calibrated_heads_into_one_column():
    X, y = _data()
    splits = cv_splits(y)
    blend, blend_oof = fit_binary(X, y, {"model": "blend", "blend_weight": 0.3}, splits)
    nb, nb_oof = fit_binary(X, y, {"model": "nbsvm"}, splits)
    lr, lr_oof = fit_binary(X, y, {"model": "lr"}, splits)
    assert blend["blend"] == {"nbsvm": 0.7, "lr": 0.3}
    expected = 0.7 * _score(nb, X) + 0.3 * _score(lr, X)
    np.testing.assert_allclose(_score(blend, X), expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(blend_oof, 0.7 * nb_oof + 0.3 * lr_oof, rtol=1e-9, atol=1e-9)
    assert not np.allclose(_score(blend, X), _score(nb, X))


@pytest.mark.parametrize(("weight", "alone"), [(0.0, "nbsvm"), (1.0, "lr")])
def test_blend_weight_ends_are_the_single_models(weight, alone):
    X, y = _data(seed=1)
    splits = cv_splits(y)
    blend = _score(fit_binary(X, y, {"model": "blend", "blend_weight": weight}, splits)[0], X)
    single = _score(fit_binary(X, y, {"model": alone}, splits)[0], X)
    assert spearmanr(blend, single).statistic == pytest.approx(1.0)


def test_head_scores_are_sklearn_calibrated_probabilities():
    """The folded column gives what CalibratedClassifierCV itself predicts, for every model."""
    from scipy.special import expit
    from sklearn.calibration import CalibratedClassifierCV

    from classifiers.heads import make_estimator

    X, y = _data(seed=2)
    splits = cv_splits(y)
    for kind in ("lr", "svm", "nbsvm"):
        head, _ = fit_binary(X, y, {"model": kind}, splits)
        reference = CalibratedClassifierCV(
            make_estimator({"model": kind}), method="sigmoid", cv=splits, ensemble=False
        ).fit(X, y)
        np.testing.assert_allclose(
            expit(_score(head, X)), reference.predict_proba(X)[:, 1], rtol=1e-7, atol=1e-9
        )


def test_folds_keep_a_post_with_its_accent_free_copy():
    y = np.array([0, 1] * 30 + [0, 1] * 30)
    groups = np.r_[np.arange(60), np.arange(60)]  # rows 60.. are copies of rows 0..
    for train, test in cv_splits(y, groups):
        assert not set(groups[train]) & set(groups[test])


def test_blend_head_with_raw_views_trains_saves_and_predicts(tmp_path, toy_recipe):
    body = (toy_recipe.parent / "toy.toml").read_text(encoding="utf-8")
    body = body.replace(
        "[features]\nmin_df = 1\n",
        (
            "[features]\nmin_df = 1\nviews = [\n"
            '  { name = "word", source = "norm", kind = "word", ngram = [1, 2] },\n'
            '  { name = "raw", source = "raw", kind = "word", ngram = [1, 2], weight = 2.0 },\n'
            '  { name = "punct", source = "punct", kind = "word", ngram = [1, 3] },\n]\n'
        ),
    ).replace("[heads.unverified]\n", '[heads.unverified]\nmodel = "blend"\nblend_weight = 0.4\n')
    recipe = tmp_path / "toy_blend.toml"
    recipe.write_text(body.replace('"toy', f'"{toy_recipe.parent}/toy'), encoding="utf-8")
    model = train_recipe(recipe, None)
    meta = model.metadata["heads"]["unverified"]
    assert meta["model"] == "blend" and meta["blend"] == {"nbsvm": 0.6, "lr": 0.4}
    assert {v["source"] for v in model.featurizer.config["views"]} == {"norm", "raw", "punct"}
    texts = ["Chia sẻ gấp: uống nước chanh chữa khỏi ung thư!!!", "Cảm ơn bạn nhiều nhé"]
    result = model.predict(texts)
    store = ModelStore(tmp_path / "models")
    version = store.save(model)
    assert sio.get_untrusted_types(file=tmp_path / "models" / version / "model.skops") == []
    assert store.load(version).predict(texts) == result


def test_blend_options_are_checked(tmp_path):
    (tmp_path / "t.csv").write_text("text,label\na,x\nb,y\n", encoding="utf-8")
    binary = '[heads.h]\ntrain = [ { path = "t.csv", labels = { x = true, y = false } } ]\n'
    multi = '[heads.h]\ntrain = [ { path = "t.csv" } ]\n'
    for body, message in (
        (multi + 'model = "blend"\n', "chỉ cho đầu nhị phân"),
        (binary + 'model = "blend"\nC = 1.0\n', "không nhận C"),
        (binary + 'model = "blend"\nblend_weight = 1.5\n', "từ 0 đến 1"),
        (binary + "blend_weight = 0.5\n", "chỉ dùng với"),
    ):
        path = tmp_path / "r.toml"
        path.write_text(body, encoding="utf-8")
        with pytest.raises(RecipeError, match=message):
            load_recipe(path)
    path.write_text(binary + 'model = "blend"\nblend_weight = 0\n', encoding="utf-8")
    assert load_recipe(path).heads["h"].options["blend_weight"] == 0
