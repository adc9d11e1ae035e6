"""A member's own submissions: what reviewers decided and why, never who decided nor the
reviewer's note — on the list, on the post's page and in the API."""

from __future__ import annotations

from tests.moderation.conftest import HARMFUL

NOTE = "Ghi chú nội bộ: đã báo công an xã"


def _decided(client, token_for, api_post):
    post = api_post("dangvien.banmat", HARMFUL).get_json()
    decided = client.post(f"/api/v1/posts/{post['id']}/decision", headers=token_for("kiemduyet.xa"),
                          json={"action": "reject", "reason": "incitement", "note": NOTE})
    assert decided.status_code == 200, decided.get_json()
    return post


def test_the_submitter_sees_the_decision_and_its_reason_not_who(client, token_for, api_post,
                                                                  login_as, demo):
    post = _decided(client, token_for, api_post)
    reviewer = demo["users"]["kiemduyet.xa"].full_name
    login_as("dangvien.banmat")
    mine = client.get("/moderation/mine").get_data(as_text=True)
    assert "Quyết định của cán bộ kiểm duyệt: Từ chối — Kích động" in mine
    page = client.get(f"/moderation/posts/{post['id']}").get_data(as_text=True)
    assert "Kích động" in page and reviewer not in page and NOTE not in page
    (decision,) = client.get(f"/api/v1/posts/{post['id']}",
                             headers=token_for("dangvien.banmat")).get_json()["decisions"]
    assert (decision["action"], decision["reason"]) == ("reject", "incitement")
    assert decision["reviewer"] is None and decision["note"] is None


def test_reviewers_still_see_who_decided_and_the_note(client, token_for, api_post):
    post = _decided(client, token_for, api_post)
    (decision,) = client.get(f"/api/v1/posts/{post['id']}",
                             headers=token_for("kiemduyet.xa")).get_json()["decisions"]
    assert decision["reviewer"] == "kiemduyet.xa" and decision["note"] == NOTE
