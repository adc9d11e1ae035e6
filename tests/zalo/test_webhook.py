"""Zalo OA events in: the signature as Zalo computes it (written here from Zalo's documentation,
not from the product's code), stale and replayed calls refused with nothing written, and each
text, link or image becoming one post of the OA's commune through the job queue."""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.extensions import db
from moderation.models import Post
from zalo.models import ZaloEvent, ZaloFollower, ZaloLink

APP, OA, KEY = "1234567890", "579745863508352884", "oa-secret-key-123"
URL = "/zalo/webhook"


def zalo_mac(body: bytes, timestamp: str, app_id=APP, key=KEY) -> str:
    """X-ZEvent-Signature per Zalo's docs: mac= sha256(appId + data + timeStamp + OAsecretKey)."""
    return "mac=" + hashlib.sha256((app_id + body.decode() + timestamp + key).encode()).hexdigest()


def event(name="user_send_text", text="Khẩn cấp: chia sẻ ngay, đập thủy điện sắp vỡ!",
          msg_id="msg-1", ts=None, **message) -> dict:
    ts = str(ts if ts is not None else int(time.time() * 1000))
    return {"app_id": APP, "user_id_by_app": "u-app-9", "event_name": name,
            "sender": {"id": "2512523625412515"}, "recipient": {"id": OA},
            "message": {"msg_id": msg_id, "text": text, **message}, "timestamp": ts}


@pytest.fixture
def linked(runner, demo):
    result = runner.invoke(args=["zalo", "link", "--unit", "muong-leo", "--app-id", APP,
                                 "--oa-id", OA, "--secret-key", KEY])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def send(client, linked):
    def _send(body: dict, signature: str | None = "auto", raw: bytes | None = None):
        raw = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "auto":
            signature = zalo_mac(raw, str(body["timestamp"]))
        if signature is not None:
            headers["X-ZEvent-Signature"] = signature
        return client.post(URL, data=raw, headers=headers)
    return _send


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _zalo_posts() -> list[Post]:
    """The posts that came from Zalo (the demo commune has posts of its own)."""
    return db.session.scalars(select(Post).where(Post.channel == "zalo")).all()


def test_link_stores_the_secret_encrypted_and_never_prints_it(linked, runner):
    assert "Đã liên kết OA 579745863508352884" in linked.output and KEY not in linked.output
    row = db.session.scalars(select(ZaloLink)).one()
    assert row.unit.code == "muong-leo" and KEY not in row.secret_key
    bad = runner.invoke(args=["zalo", "link", "--unit", "khong-co", "--app-id", APP,
                              "--oa-id", OA, "--secret-key", KEY])
    assert bad.exit_code != 0 and "Không có đơn vị mã 'khong-co'" in bad.output
    other = runner.invoke(args=["zalo", "link", "--unit", "ban-mat", "--app-id", APP,
                                "--oa-id", OA, "--secret-key", KEY])
    assert "đã được liên kết với đơn vị muong-leo" in other.output
    assert _count(ZaloLink) == 1


def test_a_signed_text_becomes_one_post_of_the_commune_with_channel_zalo(
        send, client, token_for):
    response = send(event())
    assert response.status_code == 200 and response.get_json()["ok"] is True
    stored = db.session.scalars(select(ZaloEvent)).one()
    assert stored.state == "done" and stored.post_id
    api = client.get(f"/api/v1/posts/{stored.post_id}", headers=token_for("kiemduyet.xa"))
    post = api.get_json()
    assert api.status_code == 200 and post["channel"] == "zalo" and post["platform"] == "zalo"
    assert post["text"].startswith("Khẩn cấp: chia sẻ ngay")
    row = db.session.get(Post, stored.post_id)
    assert row.unit.code == "muong-leo" and "2512523625412515" in row.reporter


@pytest.mark.parametrize("case", ["missing", "wrong_key", "other_body", "unknown_oa", "stale",
                                  "not_json"])
def test_a_refused_call_writes_nothing(send, case):
    body = event(ts=int(time.time() * 1000) - 10 * 60 * 1000 if case == "stale" else None)
    raw = json.dumps(body).encode()
    signature = {"missing": None, "wrong_key": zalo_mac(raw, body["timestamp"], key="other-key"),
                 "other_body": zalo_mac(raw + b" ", body["timestamp"])}.get(case, "auto")
    if case == "unknown_oa":
        body["recipient"]["id"] = "999"
        raw = json.dumps(body).encode()
        signature = zalo_mac(raw, body["timestamp"])
    response = send(body, signature, raw=b"{not json" if case == "not_json" else raw)
    assert response.status_code == (400 if case == "not_json" else 401), response.get_json()
    assert response.get_json()["error"]["message"]
    assert _count(ZaloEvent) == 0 and _zalo_posts() == []


def test_a_replayed_message_is_refused_and_not_doubled(send):
    assert send(event()).status_code == 200
    again = send(event())
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "replay"
    assert _count(ZaloEvent) == 1 and len(_zalo_posts()) == 1


def test_a_link_becomes_a_post_with_its_url_and_a_file_is_refused_politely(send):
    link = event("user_send_link", text="", msg_id="m-link", attachments=[{
        "type": "link", "payload": {"url": "https://tin-nong.example/vo-dap",
                                    "title": "Vỡ đập thủy điện", "description": "Chia sẻ ngay"}}])
    assert send(link).status_code == 200
    (post,) = _zalo_posts()
    assert post.url == "https://tin-nong.example/vo-dap" and "Vỡ đập thủy điện" in post.text
    file = event("user_send_file", text="", msg_id="m-file", attachments=[{
        "type": "file", "payload": {"url": "https://zalo.example/a.pdf", "name": "a.pdf"}}])
    assert send(file).status_code == 200
    refused = db.session.scalars(select(ZaloEvent).where(ZaloEvent.key == "msg:m-file")).one()
    assert refused.state == "refused" and "tệp" in refused.note and len(_zalo_posts()) == 1


def test_unknown_events_are_recorded_and_follows_kept(send):
    odd = event("oa_send_sticker", msg_id="m-odd")
    assert send(odd).status_code == 200
    assert db.session.scalars(select(ZaloEvent)).one().state == "ignored"
    for name, ms in (("follow", 1), ("unfollow", 2)):
        body = {"app_id": APP, "event_name": name, "recipient": {"id": OA},
                "follower": {"id": "f-7"}, "sender": {"id": "f-7"},
                "timestamp": str(int(time.time() * 1000) + ms)}
        assert send(body).status_code == 200
    follower = db.session.scalars(select(ZaloFollower)).one()
    assert follower.zalo_user_id == "f-7" and follower.following is False
    assert _zalo_posts() == []


@pytest.fixture
def image_server():
    """A loopback server playing Zalo's CDN: /photo.jpg is an image, /fake.jpg is not."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, "JPEG")
    files = {"/photo.jpg": buffer.getvalue(), "/fake.jpg": b"<html>not an image</html>"}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server API
            data = files.get(self.path)
            self.send_response(200 if data else 404)
            self.end_headers()
            self.wfile.write(data or b"")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_an_image_goes_through_the_upload_checks(send, image_server):
    good = event("user_send_image", text="Ảnh này có thật không?", msg_id="m-img", attachments=[
        {"type": "image", "payload": {"url": f"{image_server}/photo.jpg"}}])
    assert send(good).status_code == 200
    (post,) = _zalo_posts()
    assert len(post.images) == 1 and post.text == "Ảnh này có thật không?"
    bad = event("user_send_image", text="", msg_id="m-fake", attachments=[
        {"type": "image", "payload": {"url": f"{image_server}/fake.jpg"}}])
    assert send(bad).status_code == 200
    refused = db.session.scalars(select(ZaloEvent).where(ZaloEvent.key == "msg:m-fake")).one()
    assert refused.state == "refused" and "không phải ảnh JPEG, PNG hoặc WebP" in refused.note
    assert len(_zalo_posts()) == 1


def test_a_link_sealed_under_another_secret_key_is_refused_with_what_to_do(app, send):
    app.config["SECRET_KEY"] = "a-new-secret-key-after-a-leak"
    response = send(event())
    assert response.status_code == 503
    assert "SECRET_KEY đã đổi" in response.get_json()["error"]["message"]
    assert "flask zalo link" in response.get_json()["error"]["message"]
    assert _count(ZaloEvent) == 0 and _zalo_posts() == []
