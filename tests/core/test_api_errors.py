"""The API's error answers: one JSON shape, clear Vietnamese messages, nothing half-written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import Unit
from moderation.models import Post


def _units() -> int:
    return db.session.scalar(select(func.count()).select_from(Unit))


def _posts() -> int:
    return db.session.scalar(select(func.count()).select_from(Post))


def test_create_unit_under_own_subtree(client, demo, token_for):
    headers = token_for("quantri.xa")
    body = {"code": "ban-moi", "name": "Bản Mới", "kind": "village", "parent": "muong-leo"}
    response = client.post("/api/v1/units", json=body, headers=headers)
    assert response.status_code == 201
    assert response.get_json()["parent"] == "muong-leo"


def test_malformed_json_is_400_in_the_error_shape(client, demo, token_for):
    before = _units()
    response = client.post("/api/v1/units", data="{not json", headers={
        **token_for("quantri.xa"), "Content-Type": "application/json"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "malformed_json"
    assert "JSON" in error["message"]
    assert _units() == before


@pytest.mark.parametrize("body", [[], ["một bài"], "một bài", 5])
@pytest.mark.parametrize("path, user", [("/api/v1/units", "quantri.xa"),
                                        ("/api/v1/posts", "dangvien.banmat")])
def test_json_that_is_not_an_object_is_422_like_any_bad_field(client, demo, token_for, path,
                                                              user, body):
    """Valid JSON of the wrong kind is not "malformed": every endpoint says what is wrong."""
    before = _units(), _posts()
    response = client.post(path, json=body, headers=token_for(user))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and error["fields"]["_schema"]
    assert (_units(), _posts()) == before


def test_body_over_the_size_limit_is_413(app, client, demo, token_for):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    body = {"code": "ban-to", "name": "x" * 5000, "kind": "village", "parent": "muong-leo"}
    response = client.post("/api/v1/units", json=body, headers=token_for("quantri.xa"))
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_invalid_fields_are_422_with_field_messages(client, demo, token_for):
    body = {"code": "Bản Mới!", "kind": "castle", "parent": "muong-leo"}
    response = client.post("/api/v1/units", json=body, headers=token_for("quantri.xa"))
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"code", "name", "kind"}


def test_duplicate_code_is_409(client, demo, token_for):
    body = {"code": "ban-mat", "name": "Trùng", "kind": "village", "parent": "muong-leo"}
    response = client.post("/api/v1/units", json=body, headers=token_for("quantri.xa"))
    assert response.status_code == 409
    assert "ban-mat" in response.get_json()["error"]["message"]


def test_parent_outside_subtree_is_404(client, demo, token_for):
    body = {"code": "ban-la", "name": "Bản Lạ", "kind": "village", "parent": "nam-lanh"}
    response = client.post("/api/v1/units", json=body, headers=token_for("quantri.xa"))
    assert response.status_code == 404
    assert _units() == len(demo["units"])


def test_member_cannot_create_units(client, demo, token_for):
    body = {"code": "ban-x", "name": "X", "kind": "village", "parent": "ban-mat"}
    response = client.post("/api/v1/units", json=body, headers=token_for("dangvien.banmat"))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_bad_bearer_header_is_401_with_challenge(client, demo):
    response = client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_page_is_an_html_page_without_trace(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Lỗi 404" in html and "Traceback" not in html


def test_unexpected_error_answers_500_without_details(app, demo, token_for):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    from core.errors import handle_unexpected

    app.register_error_handler(Exception, handle_unexpected)

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "internal_error"


def test_openapi_document_lists_the_routes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/units" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_a_record_number_too_large_for_the_database_is_just_not_found(client, demo, token_for,
                                                                      login_as):
    """Ids in paths are INTEGER columns: a larger number names nothing (404), never a 500."""
    huge = 2**63
    reviewer = token_for("kiemduyet.xa")
    for method, path in [("get", f"/api/v1/posts/{huge}"), ("post", f"/api/v1/posts/{huge}/claim"),
                         ("post", f"/api/v1/posts/{huge}/decision"),
                         ("post", f"/api/v1/accounts/{huge}/verify"),
                         ("post", f"/api/v1/stories/{huge}/publish")]:
        response = getattr(client, method)(path, headers=reviewer, json={})
        assert response.status_code == 404, (path, response.status_code)
        assert response.get_json()["error"]["code"] == "not_found"
    login_as("kiemduyet.xa")
    assert client.get(f"/moderation/posts/{huge}").status_code == 404


def test_field_messages_are_always_lists(client, demo, token_for):
    """A client looping over a field's messages must get messages, not letters."""
    headers = token_for("dangvien.banmat")
    for body in ({}, {"text": ""}, {"text": "ok", "seen_at": "hôm qua"}):
        fields = client.post("/api/v1/posts", json=body, headers=headers).get_json()["error"]["fields"]
        assert fields and all(isinstance(messages, list) and all(isinstance(m, str) for m in messages)
                              for messages in fields.values()), fields
    fields = client.post("/api/v1/units", json={}, headers=token_for("quantri.xa")).get_json()[
        "error"]["fields"]
    assert all(isinstance(messages, list) for messages in fields.values()), fields
