"""Redis where it is configured: login throttling shared through it, and /healthz reporting the
queue on it. Needs the real server of TEST_REDIS_URL (CI starts one); skipped without it."""

from __future__ import annotations

import os
import uuid

import pytest

from core import create_app
from core.extensions import db, limiter
from tests.conftest import make_config, post_form

REDIS = os.environ.get("TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS, reason="needs a Redis server: set TEST_REDIS_URL")


@pytest.fixture
def redis_app(sqlite_url, tmp_path):
    app = create_app(make_config(tmp_path, sqlite_url, RATELIMIT_STORAGE_URI=REDIS,
                                 JOBS_QUEUE_URL=REDIS, JOBS_WORKER="none"))
    with app.app_context():
        db.create_all()
        yield app
        limiter.reset()
        db.session.remove()
        db.engine.dispose()


def test_login_throttling_is_counted_in_redis(redis_app):
    """RATELIMIT_STORAGE_URI=redis://… works: the sixth wrong password in a minute is 429, and
    the count lives in Redis, so every gunicorn worker sees it."""
    import redis

    client = redis_app.test_client()
    name = f"ai-do-{uuid.uuid4().hex[:8]}"
    codes = [post_form(client, "/login", {"username": name, "password": "sai"}).status_code
             for _ in range(6)]
    assert codes == [401] * 5 + [429]
    keys = redis.Redis.from_url(REDIS).keys(f"*login:{name}*")
    assert keys, "the limiter's counter is not in Redis"


def test_healthz_reports_the_queue_on_redis(redis_app):
    body = redis_app.test_client().get("/healthz").get_json()
    assert body["queue"]["backend"] == "redis" and body["queue"]["state"] == "ok"


def test_healthz_says_so_when_redis_is_down(sqlite_url, tmp_path):
    app = create_app(make_config(tmp_path, sqlite_url, JOBS_QUEUE_URL="redis://127.0.0.1:1/0",
                                 JOBS_WORKER="none"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["queue"]["state"] == "error"
