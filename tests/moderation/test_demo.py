"""The demo commune's posts: a queue with harmful, unverified and positive items and clusters."""

from __future__ import annotations

from sqlalchemy import func, select

from core import demo as demo_module
from core.extensions import db
from moderation.models import Cluster, Post


def test_demo_queue_has_every_tab_and_forwarded_copies(client, demo, token_for):
    headers = token_for("kiemduyet.xa")
    for tab in ("harmful", "unverified", "positive"):
        body = client.get(f"/api/v1/queue?tab={tab}", headers=headers).get_json()
        assert body["total"] >= 1, tab
    items = client.get("/api/v1/queue", headers=headers).get_json()["items"]
    spread = [i for i in items if i["cluster_size"] >= 3]
    assert spread and len(spread[0]["groups"]) >= 2
    assert {g["platform"] for g in spread[0]["groups"]} == {"zalo"}
    assert any(i["account_rejected_30d"] for i in items)
    # The neighbour commune's queue stays empty.
    assert client.get("/api/v1/queue", headers=token_for("kiemduyet.namlanh")).get_json()[
        "total"] == 0


def test_demo_seeding_is_idempotent(demo):
    posts = db.session.scalar(select(func.count()).select_from(Post))
    clusters = db.session.scalar(select(func.count()).select_from(Cluster))
    demo_module.seed()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Post)) == posts
    assert db.session.scalar(select(func.count()).select_from(Cluster)) == clusters
