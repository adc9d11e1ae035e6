"""The learning loop on the job queue: after N decisions a retraining job trains a candidate
on the recipe's data plus reviewers' decisions, compares it with the active model on held-back
decisions and on dev, and activates it only if it is no worse (then rescores the open posts)."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from classifiers import ModelStore, train_recipe
from core.extensions import db
from core.models import AuditEntry
from jobs.models import Job
from moderation.models import Decision
from tests.conftest import post_form
from tests.moderation.conftest import DATA, HARMFUL

TEXTS = [HARMFUL, "Đồ mất dạy ngu như bò, cút khỏi nhóm này ngay",
         "Bọn cán bộ ăn hại, lũ chó má", "Mày ngu thì im mồm đi, đồ rác rưởi"]


@pytest.fixture
def store(app, tmp_path):
    """A store of its own with one toy model active, and retraining on the toy recipe."""
    models = ModelStore(tmp_path / "models")
    models.activate(models.save(train_recipe(DATA / "toy.toml", None)))
    app.config.update(CAIDEP_MODELS_DIR=str(tmp_path / "models"), MODERATION_RETRAIN_EVERY=3,
                      MODERATION_RETRAIN_RECIPE=str(DATA / "toy.toml"))
    return models


def _decide(client, api_post, token_for, texts: list[str]) -> None:
    for text in texts:
        post = api_post("dangvien.banmat", text).get_json()
        response = client.post(f"/api/v1/posts/{post['id']}/decision",
                               json={"action": "reject", "reason": "vulgar"},
                               headers=token_for("kiemduyet.xa"))
        assert response.status_code == 200, response.get_json()


def _decisions(token_for) -> int:
    token_for("kiemduyet.xa")  # the demo is loaded
    return db.session.scalar(select(func.count(Decision.id)))


def _retrains() -> list[Job]:
    return db.session.scalars(select(Job).where(Job.kind == "classifiers.retrain")).all()


def test_the_third_decision_retrains_and_a_no_worse_model_is_activated(
        app, client, api_post, token_for, store, login_as):
    app.config["MODERATION_RETRAIN_TOLERANCE"] = 1.0  # any candidate is "no worse"
    # the demo's own decisions count too: the third new one makes the N-th
    app.config["MODERATION_RETRAIN_EVERY"] = _decisions(token_for) + 3
    first = store.active_version()
    _decide(client, api_post, token_for, TEXTS[:2])
    assert _retrains() == []
    _decide(client, api_post, token_for, TEXTS[2:3])
    (job,) = _retrains()
    assert job.state == "done", job.error
    assert job.result["promoted"] is True and job.result["facts"]["decisions"] >= 3
    assert store.active_version() == job.result["version"] != first
    trained_on = store.metadata(store.active_version())["trained_on"]
    assert trained_on["decisions_upto"] == db.session.scalar(select(func.max(Decision.id)))
    assert sum(trained_on["reviews"].values()) + sum(trained_on["held_back"].values()) == \
        job.result["facts"]["decisions"]
    rescore = db.session.scalars(select(Job).where(Job.kind == "moderation.rescore")).one()
    assert rescore.state == "done" and rescore.result["facts"]["rescored"] >= 0
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "model_activated")).one()
    assert entry.details["automatic"] is True and entry.details["previous"] == first
    login_as("admin")
    page = html.unescape(client.get("/moderation/models").get_data(as_text=True))
    assert f"Mô hình {job.result['version']} đã được kích hoạt: không kém {first}" in page
    shown = html.unescape(client.get(f"/jobs/{job.id}").get_data(as_text=True))
    assert "quyết định giữ lại" in shown and "tập dev" in shown and "Mô hình mới" in shown


def test_a_worse_candidate_is_kept_inactive_and_the_page_says_why(
        app, client, login_as, store):
    app.config["MODERATION_RETRAIN_TOLERANCE"] = -1.0  # it would have to gain a whole point
    first = store.active_version()
    login_as("admin")
    response = post_form(client, "/moderation/models/retrain", {}, page="/moderation/models")
    assert response.status_code == 303 and "/jobs/" in response.headers["Location"]
    (job,) = _retrains()
    assert job.state == "done" and job.result["promoted"] is False
    assert store.active_version() == first and job.result["version"] in {
        v["version"] for v in store.list()}
    page = html.unescape(client.get("/moderation/models").get_data(as_text=True))
    assert f"Mô hình {job.result['version']} không được kích hoạt: kém hơn mô hình đang dùng ở" \
        in page
    assert db.session.scalars(select(Job).where(Job.kind == "moderation.rescore")).all() == []


def test_retraining_is_off_at_zero_and_only_admins_may_start_it(
        app, client, api_post, token_for, store, login_as):
    app.config["MODERATION_RETRAIN_EVERY"] = 0
    _decide(client, api_post, token_for, TEXTS[:3])
    assert _retrains() == []
    login_as("kiemduyet.xa")
    response = post_form(client, "/moderation/models/retrain", {}, page="/")
    assert response.status_code == 403 and _retrains() == []
