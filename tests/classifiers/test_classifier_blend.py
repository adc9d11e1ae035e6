"""The ``blend`` head: NB-SVM and LR log-odds averaged and folded into one weight column."""

import numpy as np
import pytest
import scipy.sparse as sp
import skops.io as sio
from scipy.stats import spearmanr

from classifiers import ModelStore, RecipeError, load_recipe, train_recipe
from classifiers.heads import fit_binary, linear_parts


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
    blend = fit_binary(X, y, {"model": "blend", "blend_weight": 0.3})
    nb = fit_binary(X, y, {"model": "nbsvm"})
    lr = fit_binary(X, y, {"model": "lr"})
    assert blend["blend"] == {"nbsvm": 0.7, "lr": 0.3}
    a1, c1 = nb["calibration"]
    a2, c2 = lr["calibration"]
    expected = 0.7 * (a1 * _score(nb, X) + c1) + 0.3 * (a2 * _score(lr, X) + c2)
    np.testing.assert_allclose(_score(blend, X), expected, rtol=1e-9, atol=1e-9)
    assert not np.allclose(_score(blend, X), a1 * _score(nb, X) + c1)


@pytest.mark.parametrize(("weight", "alone"), [(0.0, "nbsvm"), (1.0, "lr")])
def test_blend_weight_ends_are_the_single_models(weight, alone):
    X, y = _data(seed=1)
    blend = _score(fit_binary(X, y, {"model": "blend", "blend_weight": weight}), X)
    single = _score(fit_binary(X, y, {"model": alone}), X)
    assert spearmanr(blend, single).statistic == pytest.approx(1.0)


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
