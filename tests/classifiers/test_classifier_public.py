"""The public recipe against the real research data (skipped when CAIDEP_DATA_DIR is absent)."""

import os
from pathlib import Path

import pytest

from classifiers import load_recipe
from classifiers.recipes import read_examples

PROJECT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("CAIDEP_DATA_DIR", "/nonexistent"))
pytestmark = pytest.mark.skipif(
    not DATA.is_dir(), reason="CAIDEP_DATA_DIR absent: public data not here"
)


def test_public_recipe_label_maps_cover_every_row():
    recipe = load_recipe(PROJECT / "recipes" / "public.toml", DATA)
    assert set(recipe.heads) >= {"harmful", "unverified", "positive", "vihsd"}
    assert recipe.heads["vihsd"].kind == "multiclass"
    for spec in recipe.heads.values():
        for data_file in spec.train + spec.dev:
            assert read_examples(data_file), data_file.source
