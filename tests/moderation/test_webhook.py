"""The chat-bot webhook: signed, fresh, used once; a post comes in through the same intake."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry
from core.services import create_user
from moderation.models import Post, WebhookDelivery
from moderation.services.webhook import sign
from tests.moderation.conftest import HARMFUL, WEBHOOK_SECRET

PATH = "/api/v1/webhooks/chatbot"


@pytest.fixture
def bot(app, demo):
    user = create_user("bot.zalo", "mat-khau-dai-cho-bot", demo["units"]["muong-leo"], ["member"])
    db.session.commit()
    app.config["MODERATION_WEBHOOK_USER"] = "bot.zalo"
    return user


def _call(client, payload, secret=WEBHOOK_SECRET, timestamp=None, signature=None):
    body = json.dumps(payload, ensure_ascii=False).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    headers = {"X-Caidep-Timestamp": stamp,
               "X-Caidep-Signature": signature or sign(secret, stamp, body)}
    return client.post(PATH, data=body, headers=headers, content_type="application/json")


def _counts():
    return (db.session.scalar(select(func.count()).select_from(Post)),
            db.session.scalar(select(func.count()).select_from(WebhookDelivery)))


def test_signed_call_creates_a_post_and_an_audit_entry(client, bot):
    payload = {"text": HARMFUL, "platform": "zalo", "unit": "ban-mat",
               "reporter": "Lò Văn A (Zalo)", "seen_at": "2026-11-24T20:00:00+07:00"}
    response = _call(client, payload)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["channel"], body["label"], body["unit"]) == ("webhook", "harmful", "ban-mat")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "webhook_received"))
    assert entry.actor_id == bot.id and entry.summary == "Lò Văn A (Zalo)"


def test_replayed_call_is_refused(client, bot):
    payload = {"text": HARMFUL}
    stamp = int(time.time())
    assert _call(client, payload, timestamp=stamp).status_code == 201
    before = _counts()
    replay = _call(client, payload, timestamp=stamp)
    assert replay.status_code == 409 and replay.get_json()["error"]["code"] == "replayed"
    assert "đã được nhận" in replay.get_json()["error"]["message"]
    assert _counts() == before


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"secret": "wrong-secret"}, "bad_signature"),
    ({"signature": "sha256=" + "0" * 64}, "bad_signature"),
    ({"signature": "md5=abc"}, "bad_signature"),
    ({"timestamp": int(time.time()) - 3600}, "stale_request"),
    ({"timestamp": int(time.time()) + 3600}, "stale_request"),
    ({"timestamp": "9" * 19}, "stale_request"),  # signed, but no clock says that
    ({"timestamp": "9" * 30}, "bad_signature"),  # no Unix time at all
    ({"timestamp": "²"}, "bad_signature"),  # a digit to str.isdigit, not a number
])
def test_bad_signature_or_stale_call_is_refused(client, bot, kwargs, code):
    before = _counts()
    response = _call(client, {"text": HARMFUL}, **kwargs)
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["code"] == code and ("Chữ ký" in error["message"] or "quá hạn" in error["message"])
    assert _counts() == before


def test_tampered_body_is_refused(client, bot):
    stamp = str(int(time.time()))
    signature = sign(WEBHOOK_SECRET, stamp, b'{"text": "ok"}')
    response = client.post(PATH, data=b'{"text": "khac"}', content_type="application/json",
                           headers={"X-Caidep-Timestamp": stamp, "X-Caidep-Signature": signature})
    assert response.status_code == 401


def test_invalid_payload_is_refused_without_recording_the_call(client, bot):
    before = _counts()
    response = _call(client, {"text": ""})
    assert response.status_code == 422 and "text" in response.get_json()["error"]["fields"]
    assert _counts() == before


def test_webhook_is_off_until_configured(client, app, demo):
    app.config["MODERATION_WEBHOOK_USER"] = ""
    response = _call(client, {"text": HARMFUL})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "webhook_disabled"
