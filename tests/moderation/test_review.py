"""Claims, decisions on whole clusters, undo, escalation, detach — and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from core.extensions import db
from core.models import AppendOnlyError, AuditEntry, utcnow
from moderation.models import Cluster, Decision, DecisionPost, Post
from tests.factories import make_user
from tests.moderation.conftest import HARMFUL, POSITIVE, UNVERIFIED


def _state() -> tuple:
    """Everything a decision could change (audit rows aside)."""
    posts = db.session.execute(select(Post.id, Post.status, Post.priority_key, Post.cluster_id,
                                      Post.decided_at).order_by(Post.id)).all()
    clusters = db.session.execute(select(Cluster.id, Cluster.status, Cluster.size,
                                         Cluster.claimed_by_id).order_by(Cluster.id)).all()
    return (posts, clusters, db.session.scalar(select(func.count()).select_from(Decision)),
            db.session.scalar(select(func.count()).select_from(DecisionPost)))


def _actions(username: str | None = None) -> list[str]:
    stmt = select(AuditEntry.action).order_by(AuditEntry.id)
    if username:
        from core.models import User

        stmt = stmt.join(User, AuditEntry.actor_id == User.id).where(User.username == username)
    return list(db.session.scalars(stmt))


@pytest.fixture
def cluster_of_three(api_post):
    """A harmful post and two forwarded copies; returns the three API bodies."""
    first = api_post("dangvien.banmat", HARMFUL).get_json()
    second = api_post("bithu.banmat", "Chia sẻ gấp!!! " + HARMFUL).get_json()
    third = api_post("dangvien.banmat", HARMFUL.replace(". ", ".\n") + " 😡").get_json()
    assert first["cluster_id"] == second["cluster_id"] == third["cluster_id"]
    return first, second, third


def test_claim_then_someone_else_gets_409(client, token_for, cluster_of_three, app, demo):
    post = cluster_of_three[0]
    other = make_user("kiemduyet2", demo["units"]["muong-leo"], ("reviewer",))
    from core.services import create_token

    _, plain = create_token(other, "t")
    db.session.commit()
    mine, theirs = token_for("kiemduyet.xa"), {"Authorization": f"Bearer {plain}"}
    first = client.post(f"/api/v1/posts/{post['id']}/claim", headers=mine)
    assert first.status_code == 200 and first.get_json()["claimed_until"]
    again = client.post(f"/api/v1/posts/{post['id']}/claim", headers=mine)
    assert again.status_code == 200  # renewing one's own claim
    # The claim covers the cluster: another copy cannot be claimed by someone else.
    blocked = client.post(f"/api/v1/posts/{cluster_of_three[1]['id']}/claim", headers=theirs)
    assert blocked.status_code == 409
    assert "Quàng Thị Hiên" in blocked.get_json()["error"]["message"]
    before = _state()
    decided = client.post(f"/api/v1/posts/{post['id']}/decision", headers=theirs,
                          json={"action": "reject", "reason": "hate"})
    assert decided.status_code == 409 and decided.get_json()["error"]["code"] == "conflict"
    assert _state() == before
    # After 15 minutes the claim has expired and the other reviewer can take it.
    db.session.execute(update(Cluster).values(claimed_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.post(f"/api/v1/posts/{post['id']}/claim", headers=theirs).status_code == 200
    assert _actions().count("post_claimed") == 3


def test_claim_lasts_fifteen_minutes(client, token_for, cluster_of_three):
    from datetime import datetime

    body = client.post(f"/api/v1/posts/{cluster_of_three[0]['id']}/claim",
                       headers=token_for("kiemduyet.xa")).get_json()
    until = datetime.fromisoformat(body["claimed_until"])
    assert timedelta(minutes=14) < until - utcnow() <= timedelta(minutes=15)


def test_reject_applies_to_the_whole_cluster_and_records_what_was_seen(
        client, token_for, cluster_of_three):
    first = cluster_of_three[0]
    headers = token_for("kiemduyet.xa")
    response = client.post(f"/api/v1/posts/{first['id']}/decision", headers=headers,
                           json={"action": "reject", "reason": "incitement", "note": "Kích động"})
    assert response.status_code == 200
    decision = response.get_json()
    assert (decision["action"], decision["reason"], decision["reviewer"]) == \
        ("reject", "incitement", "kiemduyet.xa")
    assert decision["scores"] == first["scores"] and decision["model_version"]
    assert decision["posts"] == 3 and decision["created_at"]
    statuses = db.session.scalars(select(Post.status).where(
        Post.cluster_id == first["cluster_id"])).all()
    assert statuses == ["rejected"] * 3
    assert first["id"] not in [i["id"] for i in client.get(
        "/api/v1/queue", headers=headers).get_json()["items"]]
    # A new copy of the rejected post takes the decision without a second review.
    copy = client.post("/api/v1/posts", headers=token_for("dangvien.banmat"),
                       json={"text": HARMFUL + " Ai biết thì báo cho bà con cùng biết."}).get_json()
    assert (copy["status"], copy["route"]) == ("rejected", "inherited")
    # …and is recorded under that decision, so an undo covers the copy too.
    assert db.session.scalar(select(DecisionPost.decision_id).where(
        DecisionPost.post_id == copy["id"])) == decision["id"]
    assert "post_rejected" in _actions("kiemduyet.xa")
    # Decisions are append-only.
    row = db.session.get(Decision, decision["id"])
    row.note = "sửa"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(("action", "extra", "status"), [
    ("approve", {"reason": "fine"}, "approved"),
    ("mark_false", {"reason": "rumour", "link": "https://sonla.gov.vn/dinh-chinh"},
     "marked_false"),
    ("mark_verified", {"reason": "official_source", "link": "https://vov.vn/tin"}, "verified"),
])
def test_other_decisions(client, token_for, api_post, action, extra, status):
    post = api_post("dangvien.banmat", UNVERIFIED).get_json()
    response = client.post(f"/api/v1/posts/{post['id']}/decision",
                           headers=token_for("kiemduyet.xa"), json={"action": action, **extra})
    assert response.status_code == 200, response.get_json()
    assert response.get_json().get("link") == extra.get("link")
    assert db.session.get(Post, post["id"]).status == status


@pytest.mark.parametrize(("payload", "field"), [
    ({"action": "reject"}, "reason"),
    ({"action": "reject", "reason": ""}, "reason"),
    ({"action": "reject", "reason": "ugly"}, "reason"),
    ({"action": "approve", "reason": "scam"}, "reason"),
    ({"action": "escalate", "reason": "unsure"}, "note"),
    ({"action": "mark_false", "reason": "rumour"}, "link"),
    ({"action": "mark_verified", "reason": "official_source", "link": "nope"}, "link"),
    ({"action": "delete", "reason": "other"}, "action"),
    ({"reason": "hate"}, "action"),
])
def test_decision_without_a_valid_reason_is_refused_and_nothing_changes(
        client, token_for, api_post, payload, field):
    post = api_post("dangvien.banmat", HARMFUL).get_json()
    before = _state()
    response = client.post(f"/api/v1/posts/{post['id']}/decision",
                           headers=token_for("kiemduyet.xa"), json=payload)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert _state() == before


def test_undo_within_ten_minutes_adds_a_reversal(client, token_for, cluster_of_three):
    first = cluster_of_three[0]
    headers = token_for("kiemduyet.xa")
    decisions_before = db.session.scalar(select(func.count()).select_from(Decision))
    decision = client.post(f"/api/v1/posts/{first['id']}/decision", headers=headers,
                           json={"action": "reject", "reason": "hate"}).get_json()
    undo = client.post(f"/api/v1/decisions/{decision['id']}/undo", headers=headers)
    assert undo.status_code == 200
    reversal = undo.get_json()
    assert (reversal["action"], reversal["reverses_id"]) == ("undo", decision["id"])
    # Nothing was deleted: the decision and its reversal are both kept.
    assert db.session.scalar(select(func.count()).select_from(Decision)) == decisions_before + 2
    statuses = db.session.scalars(select(Post.status).where(
        Post.cluster_id == first["cluster_id"])).all()
    assert statuses == ["pending"] * 3
    items = client.get("/api/v1/queue", headers=headers).get_json()["items"]
    assert first["cluster_id"] in [i["cluster_id"] for i in items]
    again = client.post(f"/api/v1/decisions/{decision['id']}/undo", headers=headers)
    assert again.status_code == 409
    assert client.post(f"/api/v1/decisions/{reversal['id']}/undo",
                       headers=headers).status_code == 409
    # The undoer keeps the claim and can decide again.
    redo = client.post(f"/api/v1/posts/{first['id']}/decision", headers=headers,
                       json={"action": "reject", "reason": "vulgar"})
    assert redo.status_code == 200
    assert _actions("kiemduyet.xa")[-3:] == ["post_rejected", "decision_undone", "post_rejected"]
    body = client.get(f"/api/v1/posts/{first['id']}", headers=headers).get_json()
    assert [d["action"] for d in body["decisions"]] == ["reject", "undo", "reject"]


def test_undo_after_ten_minutes_is_refused(client, token_for, api_post):
    post = api_post("dangvien.banmat", HARMFUL).get_json()
    headers = token_for("kiemduyet.xa")
    decision = client.post(f"/api/v1/posts/{post['id']}/decision", headers=headers,
                           json={"action": "reject", "reason": "hate"}).get_json()
    db.session.execute(update(Decision.__table__).values(
        created_at=utcnow() - timedelta(minutes=11)))
    db.session.commit()
    before = _state()
    response = client.post(f"/api/v1/decisions/{decision['id']}/undo", headers=headers)
    assert response.status_code == 409 and "10 phút" in response.get_json()["error"]["message"]
    assert _state() == before


def test_only_the_decider_undoes(client, token_for, api_post, demo):
    post = api_post("dangvien.banmat", HARMFUL).get_json()
    decision = client.post(f"/api/v1/posts/{post['id']}/decision",
                           headers=token_for("kiemduyet.xa"),
                           json={"action": "reject", "reason": "hate"}).get_json()
    make_user("kiemduyet3", demo["units"]["muong-leo"], ("reviewer",))
    from core.services import create_token, get_user

    _, plain = create_token(get_user("kiemduyet3"), "t")
    db.session.commit()
    response = client.post(f"/api/v1/decisions/{decision['id']}/undo",
                           headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 403


def test_escalate_moves_the_item_to_the_parent_units_queue(client, token_for, api_post, demo):
    from core.services import create_token

    post = api_post("dangvien.banmat", UNVERIFIED).get_json()
    commune = token_for("kiemduyet.xa")
    missing_note = client.post(f"/api/v1/posts/{post['id']}/decision", headers=commune,
                               json={"action": "escalate", "reason": "sensitive"})
    assert missing_note.status_code == 422
    response = client.post(f"/api/v1/posts/{post['id']}/decision", headers=commune,
                           json={"action": "escalate", "reason": "sensitive",
                                 "note": "Liên quan đất đai, cần huyện xem."})
    assert response.status_code == 200
    assert post["id"] not in [i["id"] for i in client.get(
        "/api/v1/queue", headers=commune).get_json()["items"]]
    district = make_user("kiemduyet.huyen", demo["units"]["sop-cop"], ("reviewer",))
    _, plain = create_token(district, "t")
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    items = client.get("/api/v1/queue?status=escalated", headers=headers).get_json()["items"]
    assert [(i["id"], i["status"]) for i in items] == [(post["id"], "escalated")]
    # The district decides; the commune reviewer can still read the post and its history.
    decided = client.post(f"/api/v1/posts/{post['id']}/decision", headers=headers,
                          json={"action": "mark_false", "reason": "rumour",
                                "link": "https://sopcop.sonla.gov.vn/dinh-chinh"})
    assert decided.status_code == 200
    body = client.get(f"/api/v1/posts/{post['id']}", headers=commune).get_json()
    assert [d["action"] for d in body["decisions"]] == ["mark_false", "escalate"]
    assert "post_escalated" in _actions("kiemduyet.xa")


def test_detach_a_copy(client, token_for, cluster_of_three):
    first, second, _ = cluster_of_three
    headers = token_for("kiemduyet.xa")
    response = client.post(f"/api/v1/posts/{second['id']}/detach", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["cluster_id"] != first["cluster_id"] and body["cluster_size"] == 1
    assert db.session.get(Cluster, first["cluster_id"]).size == 2
    decision = client.post(f"/api/v1/posts/{first['id']}/decision", headers=headers,
                           json={"action": "reject", "reason": "hate"}).get_json()
    assert decision["posts"] == 2
    assert db.session.get(Post, second["id"]).status == "pending"
    queue_ids = [i["id"] for i in client.get("/api/v1/queue", headers=headers).get_json()["items"]]
    assert second["id"] in queue_ids
    alone = client.post(f"/api/v1/posts/{second['id']}/detach", headers=headers)
    assert alone.status_code == 409
    assert "post_detached" in _actions("kiemduyet.xa")


def test_detaching_the_lead_promotes_another_copy(client, token_for, cluster_of_three):
    first = cluster_of_three[0]
    headers = token_for("kiemduyet.xa")
    lead = db.session.scalar(select(Post).where(Post.cluster_id == first["cluster_id"],
                                                Post.priority_key.is_not(None)))
    client.post(f"/api/v1/posts/{lead.id}/detach", headers=headers)
    items = client.get("/api/v1/queue", headers=headers).get_json()["items"]
    assert first["cluster_id"] in [i["cluster_id"] for i in items]
    assert sum(i["cluster_id"] == first["cluster_id"] for i in items) == 1


def test_positive_approval_and_members_cannot_review(client, token_for, api_post):
    post = api_post("dangvien.banmat", POSITIVE).get_json()
    member = token_for("dangvien.banmat")
    for path, body in ((f"/api/v1/posts/{post['id']}/claim", None),
                       (f"/api/v1/posts/{post['id']}/decision",
                        {"action": "approve", "reason": "story"})):
        assert client.post(path, headers=member, json=body).status_code == 403
    ok = client.post(f"/api/v1/posts/{post['id']}/decision", headers=token_for("kiemduyet.xa"),
                     json={"action": "approve", "reason": "story"})
    assert ok.status_code == 200
    assert db.session.get(Post, post["id"]).status == "approved"


def test_page_flow_claim_reject_undo(client, login_as, api_post):
    from tests.conftest import post_form

    post = api_post("dangvien.banmat", HARMFUL).get_json()
    login_as("kiemduyet.xa")
    path = f"/moderation/posts/{post['id']}"
    assert post_form(client, f"{path}/claim", {}, page=path).status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "Bạn đang xử lý mục này" in page
    refused = post_form(client, f"{path}/decide", {"action": "reject"}, page=path)
    assert refused.status_code == 422 and "Trường này là bắt buộc." in refused.get_data(
        as_text=True)
    decided = post_form(client, f"{path}/decide", {"action": "reject", "reason": "hate"},
                        page=path)
    assert decided.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "Đã ghi quyết định" in page and "Hoàn tác" in page
    decision = db.session.scalar(select(Decision).order_by(Decision.id.desc()))
    undone = post_form(client, f"/moderation/decisions/{decision.id}/undo", {}, page=path)
    assert undone.status_code == 302
    assert "đã hoàn tác" in client.get(path).get_data(as_text=True)
    assert _actions("kiemduyet.xa")[-3:] == ["post_claimed", "post_rejected", "decision_undone"]


def test_audit_page_filters_cover_moderation_actions(client, token_for, api_post, login_as):
    post = api_post("dangvien.banmat", HARMFUL).get_json()
    headers = token_for("kiemduyet.xa")
    client.post(f"/api/v1/posts/{post['id']}/claim", headers=headers)
    decision = client.post(f"/api/v1/posts/{post['id']}/decision", headers=headers,
                           json={"action": "reject", "reason": "scam"}).get_json()
    client.post(f"/api/v1/decisions/{decision['id']}/undo", headers=headers)
    login_as("quantri.xa")
    page = client.get("/audit").get_data(as_text=True)
    for action in ("post_claimed", "post_rejected", "decision_undone"):
        assert f'<option value="{action}"' in page
    only = client.get("/audit?action=decision_undone&actor=kiemduyet.xa&unit=ban-mat")
    html = only.get_data(as_text=True)
    assert "Hoàn tác: Từ chối: Lừa đảo" in html and "Hoàn tác quyết định" in html
    assert "Nhận xử lý đến" not in html  # the claim is filtered out


def test_undoing_an_approval_withdraws_the_published_story(client, token_for, api_post, demo):
    from core.services import get_user
    from feed import services as feed
    from feed.models import Story

    post = api_post("dangvien.banmat", POSITIVE).get_json()
    headers = token_for("kiemduyet.xa")
    decision = client.post(f"/api/v1/posts/{post['id']}/decision", headers=headers,
                           json={"action": "approve", "reason": "story"}).get_json()
    reviewer = get_user("kiemduyet.xa")
    story = feed.create_story(db.session.get(Post, post["id"]), reviewer, {})
    feed.publish(story, reviewer)
    db.session.commit()
    assert client.post(f"/api/v1/decisions/{decision['id']}/undo",
                       headers=headers).status_code == 200
    assert db.session.get(Story, story.id).status == "withdrawn"
    assert "story_withdrawn" in _actions("kiemduyet.xa")
