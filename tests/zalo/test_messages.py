"""The OA answers: an acknowledgement on receipt and the verdict on decision, sent to a fake
Zalo on a loopback port; Zalo's errors recorded; an expired token refreshed exactly once, even
by two workers at the same time."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import select

from core.extensions import db
from tests.zalo.fake_zalo import FakeZalo
from tests.zalo.test_webhook import APP, KEY, OA, event, zalo_mac
from zalo import client, vault
from zalo.models import ZaloEvent, ZaloLink


@pytest.fixture
def zalo(app):
    fake = FakeZalo(KEY, APP)
    app.config.update(ZALO_OPENAPI_URL=fake.url, ZALO_OAUTH_URL=fake.url, ZALO_SEND_BACKOFF=0)
    yield fake
    fake.close()


def _link(runner, access="good-token", refresh="r-0"):
    args = ["zalo", "link", "--unit", "muong-leo", "--app-id", APP, "--oa-id", OA,
            "--secret-key", KEY, "--access-token", access, "--refresh-token", refresh]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output


def _send(client_, body):
    raw = json.dumps(body, ensure_ascii=False).encode()
    response = client_.post("/zalo/webhook", data=raw, headers={
        "Content-Type": "application/json", "X-ZEvent-Signature": zalo_mac(raw, body["timestamp"])})
    assert response.status_code == 200, response.get_json()
    return db.session.scalars(select(ZaloEvent).order_by(ZaloEvent.id.desc())).first()


def _messages(client_, token_for, post_id):
    response = client_.get(f"/api/v1/posts/{post_id}/messages", headers=token_for("kiemduyet.xa"))
    assert response.status_code == 200
    return response.get_json()


def test_the_sender_is_thanked_then_told_the_verdict_with_the_official_source(
        client, runner, demo, zalo, token_for):
    _link(runner)
    stored = _send(client, event())
    (ack,) = zalo.sent()
    assert ack["token"] == "good-token"
    assert ack["body"]["recipient"] == {"user_id": "2512523625412515"}
    assert ack["body"]["message"]["text"].startswith("Cảm ơn bạn đã gửi tin cho Xã Mường Lèo.")
    headers = token_for("kiemduyet.xa")
    decided = client.post(f"/api/v1/posts/{stored.post_id}/decision", headers=headers, json={
        "action": "mark_false", "reason": "rumour", "link": "https://sonla.gov.vn/dinh-chinh"})
    assert decided.status_code == 200, decided.get_json()
    verdict = zalo.sent()[-1]["body"]["message"]["text"]
    assert verdict == ("Thông tin này chưa được kiểm chứng — xin đừng chia sẻ. "
                       "Nguồn chính thống: https://sonla.gov.vn/dinh-chinh")
    shown = _messages(client, token_for, stored.post_id)
    assert [(m["kind"], m["state"], m["attempts"]) for m in shown] == \
        [("ack", "sent", 1), ("verdict", "sent", 1)]
    assert shown[1]["text"] == verdict and shown[1]["answer"]["error"] == 0
    assert shown[1]["sent_at"] and shown[1]["to"] == "2512523625412515"


def test_zalo_refusing_a_message_is_recorded_with_its_code_and_not_retried(
        client, runner, demo, zalo, token_for):
    _link(runner)
    body = event()
    body["sender"]["id"] = "silent"
    stored = _send(client, body)
    (message,) = _messages(client, token_for, stored.post_id)
    assert (message["state"], message["error_code"], message["attempts"]) == ("failed", -230, 1)
    assert "không tương tác với OA trong 7 ngày" in message["answer"]["problem"]
    assert len(zalo.sent()) == 1


def test_zalo_out_of_reach_is_tried_again_with_back_off(client, runner, demo, zalo, token_for):
    _link(runner)
    zalo.down = 2
    stored = _send(client, event())
    (message,) = _messages(client, token_for, stored.post_id)
    assert (message["state"], message["attempts"]) == ("sent", 3) and len(zalo.sent()) == 3


def test_an_expired_token_is_refreshed_once_and_the_message_sent(
        client, runner, demo, zalo, token_for):
    _link(runner, access="expired")
    stored = _send(client, event())
    (message,) = _messages(client, token_for, stored.post_id)
    assert message["state"] == "sent"
    (refresh,) = zalo.refreshes()
    assert refresh["secret_key"] == KEY and refresh["form"] == {
        "app_id": APP, "refresh_token": "r-0", "grant_type": "refresh_token"}
    assert [c["token"] for c in zalo.sent()] == ["expired", "fresh-1"]
    link = db.session.scalars(select(ZaloLink)).one()
    db.session.refresh(link)
    assert vault.unseal(link.access_token) == "fresh-1" and vault.unseal(link.refresh_token) == "r-1"


def test_two_workers_refreshing_at_once_spend_the_refresh_token_once(app, runner, demo, zalo):
    _link(runner, access="expired")
    link_id = db.session.scalars(select(ZaloLink.id)).one()
    db.session.commit()
    zalo.refresh_delay = 0.3  # the first refresh is still out when the second asks
    tokens, errors = [], []

    def worker():
        with app.app_context():
            try:
                tokens.append(client.refresh(link_id, "expired"))
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == [] and tokens == ["fresh-1", "fresh-1"]
    assert len(zalo.refreshes()) == 1


def test_a_reviewer_sees_on_the_post_page_what_the_oa_told_the_sender(
        client, runner, demo, zalo, login_as):
    _link(runner)
    body = event()
    body["sender"]["id"] = "silent"
    stored = _send(client, body)
    login_as("kiemduyet.xa")
    page = " ".join(client.get(f"/moderation/posts/{stored.post_id}").get_data(as_text=True)
                    .split())
    assert "Tin nhắn Zalo" in page and "Cảm ơn khi nhận tin" in page and "chưa gửi được" in page
    assert "Lỗi Zalo -230" in page and "không tương tác với OA trong 7 ngày" in page
