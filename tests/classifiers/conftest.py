"""Fixtures for the classifier tests: a toy model trained once, a store, a minimal Flask app."""

import os
import shutil
from pathlib import Path

import pytest
from flask import Flask

from classifiers import ModelStore, train_recipe
from classifiers.cli import cli

HERE = Path(__file__).parent
DATA = HERE / "data"
PROJECT = HERE.parent.parent


@pytest.fixture(scope="session")
def toy_recipe() -> Path:
    """The tiny recipe under tests/classifiers/data."""
    return DATA / "toy.toml"


@pytest.fixture(scope="session")
def toy_model(toy_recipe):
    """A model trained once per session on the toy corpus."""
    return train_recipe(toy_recipe, None)


@pytest.fixture(scope="session")
def saved_store(tmp_path_factory, toy_model):
    """A store holding the toy model, saved once; tests copy it before changing anything."""
    root = tmp_path_factory.mktemp("store")
    store = ModelStore(root)
    store.activate(store.save(toy_model))
    return root


@pytest.fixture
def store_dir(tmp_path, saved_store) -> Path:
    """A private copy of the saved store."""
    target = tmp_path / "models"
    shutil.copytree(saved_store, target)
    return target


@pytest.fixture
def cli_app(store_dir):
    """A minimal Flask app with only the classifiers commands (no dependency on core/)."""
    app = Flask(__name__)
    app.config.update(
        CAIDEP_MODELS_DIR=str(store_dir), CAIDEP_DATA_DIR=os.environ.get("CAIDEP_DATA_DIR")
    )
    app.cli.add_command(cli)
    return app


@pytest.fixture
def runner(cli_app):
    """The app's CLI test runner."""
    return cli_app.test_cli_runner()


def data_dir() -> Path | None:
    """The public research data directory, if this machine has it."""
    raw = os.environ.get("CAIDEP_DATA_DIR")
    return Path(raw) if raw and Path(raw).is_dir() else None
