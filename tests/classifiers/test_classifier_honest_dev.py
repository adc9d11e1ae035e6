"""Dev files are measured, never learnt from: thresholds and biases come from train alone."""

import csv
from pathlib import Path

import numpy as np

from classifiers import train_recipe

DATA = Path(__file__).parent / "data"


def _flipped_dev(tmp_path):
    """The toy recipe with its dev file's labels shuffled among the rows (same texts)."""
    with (DATA / "toy_dev.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    labels = [r["label"] for r in rows]
    labels = labels[1:] + labels[:1]
    with (tmp_path / "toy_dev.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows((r["text"], label) for r, label in zip(rows, labels, strict=True))
    body = (DATA / "toy.toml").read_text(encoding="utf-8")
    (tmp_path / "toy.csv").write_bytes((DATA / "toy.csv").read_bytes())
    (tmp_path / "toy.toml").write_text(body, encoding="utf-8")
    return tmp_path / "toy.toml"


def test_dev_labels_change_the_dev_figures_but_nothing_the_model_learnt(tmp_path, toy_model):
    other = train_recipe(_flipped_dev(tmp_path), None)
    assert other.thresholds == toy_model.thresholds
    np.testing.assert_array_equal(other.W, toy_model.W)
    np.testing.assert_array_equal(other.b, toy_model.b)
    assert other.metadata["dev"] != toy_model.metadata["dev"]


def test_sidecar_keeps_the_cross_validated_figures_the_choices_were_made_on(toy_model):
    for name, head in toy_model.metadata["heads"].items():
        assert head["cv"]["n"] > 0, name
        if head["kind"] == "binary":
            assert 0.0 <= head["threshold"] <= 1.0
            assert head["cv"]["roc_auc"] is not None
