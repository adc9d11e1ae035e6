"""Moderation test fixtures: a tiny real model (trained once per session on an invented toy
corpus), the app with that model active, and helpers to submit and review posts."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers import ModelStore, train_recipe

DATA = Path(__file__).parent / "data"
WEBHOOK_SECRET = "test-webhook-secret"


@pytest.fixture(scope="session")
def model_store(tmp_path_factory) -> Path:
    """A model store holding the toy model, active."""
    root = tmp_path_factory.mktemp("moderation-models")
    store = ModelStore(root)
    store.activate(store.save(train_recipe(DATA / "toy.toml", None)))
    return root


@pytest.fixture
def app(app, model_store):
    """The app of tests/conftest.py with the toy model active and no random sampling."""
    app.config.update(CAIDEP_MODELS_DIR=str(model_store), MODERATION_SAMPLE_RATE=0.0,
                      MODERATION_WEBHOOK_SECRET=WEBHOOK_SECRET)
    return app


_scored_demos: dict[str, list] = {}


@pytest.fixture
def demo(app):
    """The demo commune seeded with the toy model active, so its posts are scored.

    Like tests/conftest.py's `demo` (seeded once per database, then restored from a snapshot),
    but with its own snapshot: the shared one may have been taken without a model.
    """
    from core import demo as demo_module
    from core.extensions import db
    from core.services import get_user
    from tests.conftest import _restore, _snapshot

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url in _scored_demos:
        _restore(_scored_demos[url])
    else:
        demo_module.seed()
        db.session.commit()
        _scored_demos[url] = _snapshot()
    units = demo_module.seed_units()
    users = {name: get_user(name) for name, *_ in demo_module.USERS}
    return {"units": units, "users": users, "password": app.config["DEMO_PASSWORD"]}


@pytest.fixture
def no_model(app, tmp_path):
    """No model is active."""
    app.config["CAIDEP_MODELS_DIR"] = str(tmp_path / "empty-models")


HARMFUL = "Thằng trưởng bản ngu như bò, ăn tiền của dân. Tối nay kéo đến đập phá nhà nó."
UNVERIFIED = "Nghe nói xã sắp thu hồi đất của bà con Bản Mạt mà không đền bù."
POSITIVE = "Chi đoàn thanh niên sửa xong con đường lên nương, bà con phấn khởi."
NEUTRAL = "Lịch họp bản chuyển sang tối thứ sáu tại nhà văn hóa."


@pytest.fixture
def api_post(client, token_for):
    """Submit a post through the API as a demo user; returns the response."""

    def _post(username: str, text: str, **fields):
        return client.post("/api/v1/posts", json={"text": text, **fields},
                           headers=token_for(username))

    return _post
