"""Vietnamese post classifier: normalise, featurise, score harmful/unverified/positive heads.

Plain Python (no Flask); ``classifiers.cli`` is the only module that imports Flask.
"""

from classifiers.artifacts import ModelLoadError
from classifiers.evaluate import evaluate
from classifiers.model import Model
from classifiers.recipes import RecipeError, load_recipe
from classifiers.store import ModelStore
from classifiers.train import train_recipe

__all__ = [
    "Model",
    "ModelLoadError",
    "ModelStore",
    "RecipeError",
    "evaluate",
    "load_recipe",
    "train_recipe",
]
