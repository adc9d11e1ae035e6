"""The shipped default recipe: trains offline on the seed corpus and meets its quality bars."""

import csv
from pathlib import Path

import pytest

from classifiers import train_recipe
from classifiers.normalise import strip_accents

PROJECT = Path(__file__).resolve().parents[2]
SEED_DEV = PROJECT / "classifiers" / "data" / "seed_dev.csv"


@pytest.fixture(scope="module")
def default_model():
    """The default recipe, trained without any data directory."""
    return train_recipe(PROJECT / "recipes" / "default.toml", None)


def test_main_heads_reach_085_f1_on_seed_dev(default_model):
    for head in ("harmful", "unverified", "positive"):
        assert default_model.metadata["dev"][head]["per_label"]["true"]["f1"] >= 0.85, head


def test_no_diacritics_scores_like_accented_twin(default_model):
    with SEED_DEV.open(encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    accented = [t for t in texts if strip_accents(t) != t]
    with_marks = default_model.predict(accented)
    without = default_model.predict([strip_accents(t) for t in accented])
    agree = sum(a["label"] == b["label"] for a, b in zip(with_marks, without, strict=True))
    print(
        f"no-diacritics agreement on seed dev: {agree}/{len(accented)} = {agree / len(accented):.3f}"
    )
    assert agree / len(accented) >= 0.9
