"""POST /api/v1/posts, GET /api/v1/posts/<id>, POST /api/v1/classify: the contract and bad input."""

from __future__ import annotations

import io
import unicodedata

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.extensions import db
from moderation.models import Cluster, Decision, Post, PostBand, PostImage
from tests.moderation.conftest import HARMFUL, NEUTRAL, POSITIVE, UNVERIFIED

CONTRACT = {"id", "status", "label", "scores", "cluster_id", "priority", "source_check"}


def _text(messages) -> str:
    """Field messages come as a list, or a single string for some marshmallow errors."""
    return messages if isinstance(messages, str) else " ".join(messages)


def _counts() -> tuple:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Post, Cluster, PostBand, PostImage, Decision))


def test_post_answers_the_contract(api_post):
    response = api_post("dangvien.banmat", HARMFUL, url="https://vov.vn/tin", platform="zalo",
                        author="Ai đó", seen_at="2026-11-20T08:30:00+07:00")
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) >= CONTRACT
    assert body["label"] == "harmful" and body["status"] == "pending"
    assert set(body["scores"]) == {"harmful", "unverified", "positive"}
    assert body["source_check"] == "official"
    assert body["priority"] >= 90
    assert body["unit"] == "ban-mat" and body["seen_at"].startswith("2026-11-20T01:30:00")
    assert body["model_version"]
    assert any(span["text"] for span in body["explanation"])


@pytest.mark.parametrize(("text", "label", "status"), [
    (HARMFUL, "harmful", "pending"), (UNVERIFIED, "unverified", "pending"),
    (POSITIVE, "positive", "pending"), (NEUTRAL, "neutral", "cleared")])
def test_routing_by_label(api_post, text, label, status):
    body = api_post("dangvien.banmat", text).get_json()
    assert (body["label"], body["status"]) == (label, status)
    assert body["route"] == {"pending": "flagged" if label != "positive" else "story",
                             "cleared": "clean"}[status]


def test_random_sample_of_cleared_posts_goes_to_the_queue(app, api_post):
    app.config["MODERATION_SAMPLE_RATE"] = 1.0
    body = api_post("dangvien.banmat", NEUTRAL).get_json()
    assert (body["label"], body["status"], body["route"]) == ("neutral", "pending", "sample")


def test_look_alike_domain_is_not_official(api_post):
    for url in ("https://vov.vn.example.com/tin", "https://nhandan-vn.com/tin"):
        body = api_post("dangvien.banmat", NEUTRAL + url, url=url).get_json()
        assert body["source_check"] == "unknown"


def test_unreliable_source(app, api_post):
    app.config["UNRELIABLE_SOURCES"] = ["tinvitdoi.net"]
    assert api_post("dangvien.banmat", NEUTRAL, url="https://m.tinvitdoi.net/a").get_json()[
        "source_check"] == "unreliable"


def test_without_a_model_posts_are_queued_unscored(no_model, api_post):
    body = api_post("dangvien.banmat", NEUTRAL).get_json()
    assert (body["status"], body["route"], body["model_version"]) == ("pending", "unscored", None)


@pytest.mark.parametrize(("payload", "field"), [
    ({"text": ""}, "text"),
    ({"text": "   \n "}, "text"),
    ({"text": "x" * 10_001}, "text"),
    ({}, "text"),
    ({"text": "ok", "url": "không phải địa chỉ"}, "url"),
    ({"text": "ok", "platform": "myspace"}, "platform"),
    ({"text": "ok", "seen_at": "hôm qua"}, "seen_at"),
    ({"text": "ok", "unit": "nam-lanh"}, "unit"),
    ({"text": "ok", "account_id": 999999}, "account_id"),
    ({"text": "ok", "account_id": 10**30}, "account_id"),
    ({"text": "ok", "account_id": 2**63}, "account_id"),
    ({"text": "ok", "url": "http://exa mple.com/a"}, "url"),
    ({"text": "Tin có ký tự lạ\x00 ở giữa."}, "text"),
    ({"text": "ok", "author": "A\x00"}, "author"),
])
def test_bad_input_is_refused_in_vietnamese_and_nothing_is_written(client, token_for, payload,
                                                                    field):
    headers = token_for("dangvien.banmat")
    before = _counts()
    response = client.post("/api/v1/posts", json=payload, headers=headers)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert field in error["fields"]
    message = _text(error["fields"][field])
    assert any(word in message for word in ("Trường", "Tối đa", "không", "Không", "Phải",
                                            "ký tự")), message
    assert _counts() == before


def test_text_typed_with_combining_accents_is_stored_composed_and_counted_so(api_post):
    decomposed = unicodedata.normalize("NFD", "Bà con bản Mạt " + "ệ" * 4000)
    assert len(decomposed) > 10_000
    response = api_post("dangvien.banmat", decomposed)
    assert response.status_code == 201, response.get_json()
    stored = db.session.get(Post, response.get_json()["id"]).text
    assert stored == unicodedata.normalize("NFC", decomposed) and len(stored) == 4015


def test_text_of_exactly_10000_characters_is_accepted(api_post):
    assert api_post("dangvien.banmat", "a " * 5000).status_code == 201


def _image(fmt="JPEG", size=(40, 30), exif=True) -> bytes:
    image = Image.new("RGB", size, (200, 40, 40))
    out = io.BytesIO()
    if exif and fmt == "JPEG":
        data = Image.Exif()
        data[0x010F] = "CameraMaker"  # Make
        data[0x8825] = {2: (21.0, 5.0, 0.0)}  # GPS latitude
        image.save(out, fmt, exif=data)
    else:
        image.save(out, fmt)
    return out.getvalue()


def _multipart(client, headers, text, files):
    """A multipart body built in memory (the test client spools big bodies to unclosed files)."""
    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    fields = MultiDict([("text", text)] + [("images", FileStorage(stream, filename=name))
                                           for stream, name in files])
    boundary, body = encode_multipart(fields)
    return client.post("/api/v1/posts", data=body, headers=headers,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_images_are_checked_stripped_and_served_only_to_those_who_may_see(
        app, client, token_for, login_as):
    headers = token_for("dangvien.banmat")
    raw = _image()
    assert b"CameraMaker" in raw
    files = [(io.BytesIO(raw), "anh.jpg"), (io.BytesIO(_image("PNG")), "b.png"),
             (io.BytesIO(_image("WEBP")), "c.webp")]
    response = _multipart(client, headers, HARMFUL, files)
    assert response.status_code == 201, response.get_json()
    images = response.get_json()["images"]
    assert [i["content_type"] for i in images] == ["image/jpeg", "image/png", "image/webp"]
    url = images[0]["url"]
    assert "anh" not in url
    login_as("dangvien.banmat")
    with client.get(url) as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert served.headers["Cache-Control"] == "private, no-store"
        data = served.data
    assert b"CameraMaker" not in data and b"Exif" not in data
    assert Image.open(io.BytesIO(data)).getexif() == {}
    client.post("/logout", data={"csrf_token": _csrf(client)})
    login_as("kiemduyet.namlanh")
    assert client.get(url).status_code == 404


def _csrf(client):
    from tests.conftest import csrf_from

    return csrf_from(client, "/profile")


@pytest.mark.parametrize(("files", "word"), [
    ([(b"%PDF-1.4 not an image at all" * 10, "anh.jpg")], "không phải ảnh"),
    ([(b"\xff\xd8\xff\xe0" + b"0" * (6 * 1024 * 1024), "lon.jpg")], "5 MB"),
    ([(_image("GIF"), "dong.gif")], "không phải ảnh"),
    ([(_image(), f"{n}.jpg") for n in range(5)], "4"),
], ids=["pdf-named-jpg", "6mb", "gif", "five-images"])
def test_bad_images_are_refused_and_nothing_is_written(app, client, token_for, files, word):
    headers = token_for("dangvien.banmat")
    before = _counts()
    response = _multipart(client, headers, HARMFUL,
                          [(io.BytesIO(data), name) for data, name in files])
    assert response.status_code == 422
    message = _text(response.get_json()["error"]["fields"]["images"])
    assert word in message
    assert _counts() == before
    uploads = app.config["CAIDEP_UPLOADS_DIR"]
    import os

    assert not os.path.exists(uploads) or not any(files for _, _, files in os.walk(uploads))


def test_files_written_before_a_failure_are_removed(app):
    """If the transaction fails after an image was written, the file goes too."""
    import os

    from moderation.images import clean, files_rolled_back

    uploads = app.config["CAIDEP_UPLOADS_DIR"]
    with app.test_request_context(), pytest.raises(RuntimeError), files_rolled_back():
        clean(io.BytesIO(_image())).attach(Post(text="x"), 0)
        assert any(files for _, _, files in os.walk(uploads))
        raise RuntimeError("the database went away")
    assert not any(files for _, _, files in os.walk(uploads))


def test_get_post_with_its_decisions_and_scoping(client, token_for, api_post):
    post = api_post("dangvien.banmat", HARMFUL).get_json()
    reviewer = token_for("kiemduyet.xa")
    decision = client.post(f"/api/v1/posts/{post['id']}/decision", headers=reviewer,
                           json={"action": "reject", "reason": "hate"})
    assert decision.status_code == 200
    body = client.get(f"/api/v1/posts/{post['id']}", headers=reviewer).get_json()
    assert body["status"] == "rejected"
    assert [(d["action"], d["reason"], d["reviewer"]) for d in body["decisions"]] == \
        [("reject", "hate", "kiemduyet.xa")]
    assert body["decisions"][0]["scores"] == post["scores"]
    assert body["decisions"][0]["model_version"] == post["model_version"]
    # The submitter sees it; another member, a unit admin and the neighbour's reviewer do not.
    assert client.get(f"/api/v1/posts/{post['id']}",
                      headers=token_for("dangvien.banmat")).status_code == 200
    for other in ("bithu.banmat", "quantri.xa", "kiemduyet.namlanh"):
        response = client.get(f"/api/v1/posts/{post['id']}", headers=token_for(other))
        assert response.status_code == 404, other


def test_classify_contract(client, token_for):
    headers = token_for("dangvien.banmat")
    response = client.post("/api/v1/classify", json={"texts": [HARMFUL, POSITIVE]},
                           headers=headers)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["label"] for r in results] == ["harmful", "positive"]
    assert set(results[0]) == {"label", "scores", "explanation", "model_version"}
    assert set(results[0]["scores"]) == {"harmful", "unverified", "positive"}


def test_classify_limits(client, token_for):
    headers = token_for("dangvien.banmat")
    assert client.post("/api/v1/classify", json={"texts": ["a"] * 1000},
                       headers=headers).status_code == 200
    too_many = client.post("/api/v1/classify", json={"texts": ["a"] * 1001}, headers=headers)
    assert too_many.status_code == 422
    assert "texts" in too_many.get_json()["error"]["fields"]
    assert client.post("/api/v1/classify", json={"texts": []}, headers=headers).status_code == 422
    assert client.post("/api/v1/classify", json={}, headers=headers).status_code == 422
    assert client.post("/api/v1/classify", json={"texts": ["a"]}).status_code == 401


def test_classify_without_a_model_is_503(no_model, client, token_for):
    response = client.post("/api/v1/classify", json={"texts": ["a"]},
                           headers=token_for("dangvien.banmat"))
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "no_model"
    assert "mô hình" in response.get_json()["error"]["message"]


def test_healthz_reports_the_active_model(client, app):
    body = client.get("/healthz").get_json()
    assert body["model"] and body["db"] == "ok"
