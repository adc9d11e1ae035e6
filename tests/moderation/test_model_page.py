"""The review sample (uncertain posts plus a uniform slice), the estimates made from it, and
the model page: history, figures and one-click activation (roll-back)."""

from __future__ import annotations

import html
import random

import pytest
from sqlalchemy import select

from classifiers import ModelStore, train_recipe
from core.extensions import db
from core.models import AuditEntry
from moderation.models import Action, Post, Route
from moderation.services import learning, review
from moderation.services.intake import route_for
from tests.conftest import post_form
from tests.moderation.conftest import DATA, HARMFUL, NEUTRAL

THRESHOLDS = {"harmful": 0.4, "unverified": 0.5, "positive": 0.5}


def _neutral(**scores):
    return {"label": "neutral", "scores": {"harmful": 0.0, "unverified": 0.0, "positive": 0.0,
                                            **scores}}


def test_uncertain_posts_go_to_review_and_the_uniform_slice_is_drawn_from_all():
    rng = random.Random(0)
    route = lambda p, **kw: route_for(p, 0.0, rng, thresholds=THRESHOLDS, band=0.5, **kw)  # noqa: E731
    assert route(_neutral(harmful=0.25), uncertain_rate=1.0) == Route.UNCERTAIN
    assert route(_neutral(harmful=0.15), uncertain_rate=1.0) == Route.CLEAN
    assert route(_neutral(positive=0.3), uncertain_rate=1.0) == Route.UNCERTAIN
    assert route(_neutral(harmful=0.25), uncertain_rate=0.0) == Route.CLEAN
    assert route({"label": "harmful", "scores": {"harmful": 0.9}}) == Route.FLAGGED
    # The slice comes first and takes sure and unsure posts alike, at its own rate.
    routes = [route_for(_neutral(harmful=h), 0.2, rng, thresholds=THRESHOLDS,
                        uncertain_rate=1.0) for h in (0.0, 0.3) * 500]
    sure, unsure = routes[0::2], routes[1::2]
    assert 0.15 < sure.count(Route.SAMPLE) / 500 < 0.25
    assert 0.15 < unsure.count(Route.SAMPLE) / 500 < 0.25
    assert set(sure) == {Route.SAMPLE, Route.CLEAN} and Route.CLEAN not in unsure


def test_an_unsure_post_reaches_the_queue_through_the_api(app, api_post):
    app.config.update(MODERATION_UNCERTAIN_RATE=1.0, MODERATION_UNCERTAIN_BAND=0.0)
    body = api_post("dangvien.banmat", NEUTRAL).get_json()
    assert (body["route"], body["status"]) == ("uncertain", "pending")


def test_flag_precision_and_miss_rate_come_from_the_decided_posts(app, api_post, demo):
    app.config["MODERATION_SAMPLE_RATE"] = 1.0
    reviewer = demo["users"]["kiemduyet.xa"]
    before = learning.check_estimates()
    mine = []
    for text in (HARMFUL, "Đồ mất dạy ngu như bò, cút khỏi nhóm này ngay",
                 "Bọn cán bộ ăn hại, lũ chó má", "Mày ngu thì im mồm đi, đồ rác rưởi"):
        mine.append(api_post("dangvien.banmat", text).get_json())
    for text in ("Chợ phiên tuần sau họp vào sáng thứ bảy ở đầu cầu",
                 "Cần bán ba con dê giống, gọi chị Lả", "Ai thấy con chó vàng lạc thì báo giúp"):
        mine.append(api_post("dangvien.banmat", text).get_json())
    posts = [db.session.get(Post, body["id"]) for body in mine]
    flagged = [p for p in posts if p.route == Route.FLAGGED]
    sampled = [p for p in posts if p.route == Route.SAMPLE]
    assert len(flagged) == 4 and len(sampled) == 3, [p.route for p in posts]
    for post, action in zip(flagged, [Action.REJECT] * 3 + [Action.APPROVE], strict=True):
        review.decide(post, reviewer, action, "vulgar" if action == Action.REJECT else "fine")
    review.decide(sampled[0], reviewer, Action.REJECT, "scam")
    review.decide(sampled[1], reviewer, Action.APPROVE, "fine")
    db.session.commit()
    estimates = learning.check_estimates()
    precision, misses = estimates["flag_precision"], estimates["miss_rate"]
    was = before["flag_precision"]
    assert (precision["hits"] - was["hits"], precision["n"] - was["n"]) == (3, 4)
    assert before["miss_rate"]["n"] == 0 and (misses["hits"], misses["n"]) == (1, 2)
    assert misses["value"] == 0.5
    low, high = misses["low"], misses["high"]
    assert 0.0 < low < 0.5 < high < 1.0


@pytest.fixture
def two_models(app, tmp_path):
    """A store of two toy versions, the newer active."""
    store = ModelStore(tmp_path / "models")
    old = store.save(train_recipe(DATA / "toy.toml", None))
    new = store.save(train_recipe(DATA / "toy.toml", None))
    store.activate(new)
    app.config["CAIDEP_MODELS_DIR"] = str(tmp_path / "models")
    return store, old, new


def test_admin_sees_history_and_rolls_back_in_one_click(client, login_as, two_models):
    store, old, new = two_models
    login_as("admin")
    page = client.get("/moderation/models").get_data(as_text=True)
    assert old in page and new in page and "đang dùng" in page
    assert "ROC-AUC (kiểm định chéo)" in page and "toy.csv (48), toy_dev.csv (20)" in page
    assert "Độ chính xác khi gắn cờ" in page
    assert "chưa biết: chưa có bài kiểm tra ngẫu nhiên nào được quyết định" in page
    response = post_form(client, f"/moderation/models/{old}/activate", {},
                         page="/moderation/models", follow_redirects=True)
    assert f"Mô hình {old} đã được kích hoạt" in response.get_data(as_text=True)
    assert store.active_version() == old
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "model_activated")).one()
    assert entry.details == {"version": old, "previous": new} and entry.actor.username == "admin"
    assert "admin kích hoạt lúc" in client.get("/moderation/models").get_data(as_text=True)


def test_a_broken_version_is_refused_and_others_cannot_see_the_page(client, login_as, two_models):
    store, old, new = two_models
    model_file = store.models_dir / old / "model.skops"
    model_file.write_bytes(model_file.read_bytes()[:50])
    login_as("admin")
    page = client.get("/moderation/models").get_data(as_text=True)
    assert "tệp hỏng" in page
    response = post_form(client, f"/moderation/models/{old}/activate", {},
                         page="/moderation/models", follow_redirects=True)
    assert "Không kích hoạt được mô hình này" in response.get_data(as_text=True)
    assert store.active_version() == new
    response = post_form(client, "/moderation/models/..%2Fetc/activate", {},
                         page="/moderation/models", follow_redirects=True)
    assert store.active_version() == new and response.status_code in (200, 404)


def test_only_admins_see_the_model_page(client, login_as, two_models):
    login_as("kiemduyet.xa")
    assert client.get("/moderation/models").status_code == 403
    store, old, new = two_models
    assert post_form(client, f"/moderation/models/{old}/activate", {}, page="/").status_code == 403
    assert store.active_version() == new


def test_the_page_says_what_the_local_correction_did_to_each_head(client, login_as, app, tmp_path):
    from classifiers.correction import correct
    from tests.classifiers.test_classifier_correction import _decisions

    base = train_recipe(DATA / "toy.toml", None)
    decisions = dict(_decisions(), unverified=[("tin đồn vỡ đập", True)])
    store = ModelStore(tmp_path / "models")
    store.activate(store.save(correct(base, decisions)))
    app.config["CAIDEP_MODELS_DIR"] = str(tmp_path / "models")
    login_as("admin")
    page = " ".join(html.unescape(client.get("/moderation/models").get_data(as_text=True)).split())
    assert f"Hiệu chỉnh theo quyết định của người duyệt, trên nền mô hình {base.version}:" in page
    assert "harmful</strong>: học từ 16 quyết định (8 quyết định “có”); kiểm định chéo" in page
    assert "unverified</strong>: giữ nguyên (1 quyết định): cần ít nhất 5 quyết định mỗi loại." \
        in page
