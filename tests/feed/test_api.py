"""The stories API of SPEC §6: create from an approved positive post, publish, withdraw."""

from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry
from feed.models import Story
from tests.feed.factories import make_post, make_story


def _create(client, headers, **body):
    return client.post("/api/v1/stories", json=body, headers=headers)


def test_create_gives_a_draft_with_suggestions(client, demo, token_for):
    post = make_post("Hội phụ nữ Bản Sam Quang mở lớp dạy dệt thổ cẩm. Mười hai chị em đã dệt "
                     "xong tấm khăn đầu tiên.")
    response = _create(client, token_for("kiemduyet.xa"), post_id=post.id, tags=["van-hoa"])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "draft"
    assert body["title"] == "Hội phụ nữ Bản Sam Quang mở lớp dạy dệt thổ cẩm"
    assert body["summary"] == "Mười hai chị em đã dệt xong tấm khăn đầu tiên."
    assert body["tags"] == ["van-hoa"]
    assert body["unit"] == "ban-sam-quang"
    assert body["url"].startswith("http://localhost/stories/")
    assert db.session.get(Story, body["id"]).created_by.username == "kiemduyet.xa"


def test_title_and_summary_given_are_kept(client, demo, token_for):
    post = make_post()
    response = _create(client, token_for("kiemduyet.xa"), post_id=post.id,
                       title="  Đồi keo xanh  ", summary="Tóm tắt.")
    assert response.status_code == 201
    assert (response.get_json()["title"], response.get_json()["summary"]) == \
        ("Đồi keo xanh", "Tóm tắt.")


def test_post_not_approved_is_409_with_a_vietnamese_message(client, demo, token_for):
    post = make_post(approve=False)
    response = _create(client, token_for("kiemduyet.xa"), post_id=post.id)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "not_approved"
    assert "chưa được duyệt" in error["message"]
    assert error["fields"] == {"post_id": [error["message"]]}


def test_approved_post_that_is_not_positive_is_422(client, demo, token_for):
    post = make_post("Bài này bị mô hình gắn cờ nhưng người duyệt thấy không sao.", label="harmful")
    response = _create(client, token_for("kiemduyet.xa"), post_id=post.id)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "not_positive"
    assert "tích cực" in response.get_json()["error"]["message"]


def test_second_story_of_a_post_is_409(client, demo, token_for):
    story = make_story(publish=False)
    response = _create(client, token_for("kiemduyet.xa"), post_id=story.post_id)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "story_exists"


def test_post_of_another_commune_is_404_and_members_are_403(client, demo, token_for):
    post = make_post()
    assert _create(client, token_for("kiemduyet.namlanh"), post_id=post.id).status_code == 404
    assert _create(client, token_for("dangvien.banmat"), post_id=post.id).status_code == 403
    assert _create(client, {}, post_id=post.id).status_code == 401
    assert _create(client, token_for("kiemduyet.xa"), post_id=999999).status_code == 404


def test_bad_input_is_422_in_the_error_shape(client, demo, token_for):
    headers = token_for("kiemduyet.xa")
    response = _create(client, headers, post_id=make_post().id, tags=["khong-co"])
    assert response.status_code == 422
    assert "tags" in response.get_json()["error"]["fields"]
    assert _create(client, headers).status_code == 422  # no post_id


def test_publish_and_withdraw_answer_id_and_status(client, demo, token_for):
    headers = token_for("kiemduyet.xa")
    story_id = _create(client, headers, post_id=make_post().id).get_json()["id"]
    response = client.post(f"/api/v1/stories/{story_id}/publish", headers=headers)
    assert response.status_code == 200
    assert response.get_json() == {"id": story_id, "status": "published"}
    assert client.post(f"/api/v1/stories/{story_id}/publish", headers=headers).status_code == 409
    response = client.post(f"/api/v1/stories/{story_id}/withdraw", headers=headers)
    assert response.get_json() == {"id": story_id, "status": "withdrawn"}
    assert client.post(f"/api/v1/stories/{story_id}/withdraw", headers=headers).status_code == 409
    again = client.post(f"/api/v1/stories/{story_id}/publish", headers=headers)
    assert again.get_json() == {"id": story_id, "status": "published"}


def test_withdrawing_a_draft_is_409(client, demo, token_for):
    story = make_story(publish=False)
    response = client.post(f"/api/v1/stories/{story.id}/withdraw", headers=token_for("kiemduyet.xa"))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


def test_other_commune_cannot_see_or_change_a_story(client, demo, token_for):
    story = make_story(publish=False)
    headers = token_for("kiemduyet.namlanh")
    assert client.get(f"/api/v1/stories/{story.id}", headers=headers).status_code == 404
    assert client.post(f"/api/v1/stories/{story.id}/publish", headers=headers).status_code == 404
    assert client.get(f"/api/v1/stories/{story.id}",
                      headers=token_for("admin")).get_json()["status"] == "draft"


def test_publishing_needs_the_post_to_be_still_approved(client, demo, token_for):
    from core.services import get_user
    from moderation.models import Decision
    from moderation.services import review

    story = make_story(publish=False)
    decision = db.session.scalar(select(Decision).where(Decision.post_id == story.post_id))
    review.undo(decision, get_user("kiemduyet.xa"))
    db.session.commit()
    response = client.post(f"/api/v1/stories/{story.id}/publish",
                           headers=token_for("kiemduyet.xa"))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_approved"


def test_every_change_is_in_the_audit_log(client, demo, token_for):
    headers = token_for("kiemduyet.xa")
    story_id = _create(client, headers, post_id=make_post().id).get_json()["id"]
    client.post(f"/api/v1/stories/{story_id}/publish", headers=headers)
    client.post(f"/api/v1/stories/{story_id}/withdraw", headers=headers)
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.target_type == "story", AuditEntry.target_id == str(story_id))
        .order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["story_created", "story_published", "story_withdrawn"]
    assert {e.actor.username for e in entries} == {"kiemduyet.xa"}
    assert all(e.unit.code == "ban-sam-quang" for e in entries)


def test_openapi_documents_the_story_routes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/stories", "/api/v1/stories/{story_id}/publish",
            "/api/v1/stories/{story_id}/withdraw"} <= set(paths)


def test_undone_approval_can_withdraw_the_published_story(client, demo):
    from core.services import get_user
    from feed import services

    story = make_story()
    services.withdraw_for_post(story.post, get_user("kiemduyet.xa"), "duyệt lại")
    db.session.commit()
    assert db.session.get(Story, story.id).status == "withdrawn"
    assert services.withdraw_for_post(story.post, None).status == "withdrawn"  # no-op twice
