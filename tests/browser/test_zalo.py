"""A post forwarded to the commune's Zalo OA, seen through a reviewer's phone: the sender
thanked on receipt, the reviewer marks it false with the official correction, and the verdict
the OA sent is on the post's page; the admin's OA page shows what was sent."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from core.extensions import db
from tests.zalo.fake_zalo import FakeZalo
from tests.zalo.test_webhook import APP, KEY, OA, event, zalo_mac
from zalo import services
from zalo.models import ZaloEvent

pytestmark = pytest.mark.browser
TEXT = "Khẩn: nước sông Đà nhiễm độc, cả xã không được dùng nước máy từ hôm nay, chia sẻ ngay!"


@pytest.fixture
def zalo_post(live_app, live_server):
    """The OA linked in the live app, and one signed event posted to its webhook over HTTP."""
    fake = FakeZalo(KEY, APP)
    saved = {key: live_app.config[key] for key in ("ZALO_OPENAPI_URL", "ZALO_OAUTH_URL")}
    live_app.config.update(ZALO_OPENAPI_URL=fake.url, ZALO_OAUTH_URL=fake.url)
    with live_app.app_context():
        services.link("muong-leo", APP, OA, KEY, "good-token", "r-0")
        db.session.commit()
    body = event(text=TEXT, msg_id=f"browser-{time.time_ns()}")
    raw = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(f"{live_server}/zalo/webhook", data=raw, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "X-ZEvent-Signature": zalo_mac(raw, body["timestamp"])})
    with urllib.request.urlopen(request, timeout=10) as answer:
        event_id = json.loads(answer.read())["event"]
    with live_app.app_context():
        post_id = db.session.get(ZaloEvent, event_id).post_id
    assert post_id is not None
    yield post_id, fake
    fake.close()
    live_app.config.update(saved)


def test_reviewer_decides_a_zalo_post_and_sees_the_reply(page, login, zalo_post):
    post_id, fake = zalo_post
    login("kiemduyet.xa")
    page.goto(f"/moderation/posts/{post_id}")
    section = page.locator("#zalo-messages")
    assert "Người theo dõi Zalo 2512523625412515" in section.inner_text()
    assert "Cảm ơn bạn đã gửi tin cho Xã Mường Lèo" in section.inner_text()
    page.click("button:has-text('Nhận xử lý')")
    page.wait_for_url(f"**/moderation/posts/{post_id}")
    mark = page.locator("details.d-mark_false")
    mark.locator("summary").click()
    mark.locator("label.radio", has_text="Tin đồn").click()
    mark.locator("input[name=link]").fill("https://sonla.gov.vn/nuoc-song-da-an-toan")
    mark.locator("button[type=submit]").click()
    page.wait_for_load_state()
    replies = page.locator("#zalo-messages ol.audit li")
    assert replies.count() == 2
    verdict = replies.nth(1).inner_text()
    assert "Thông tin này chưa được kiểm chứng — xin đừng chia sẻ." in verdict
    assert "https://sonla.gov.vn/nuoc-song-da-an-toan" in verdict and "đã gửi" in verdict
    assert fake.sent()[-1]["body"]["message"]["text"].endswith("nuoc-song-da-an-toan")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_admin_sees_the_oa_on_a_phone(page, login, zalo_post):
    login("quantri.xa")
    page.click("header.site nav >> text=Zalo OA")
    main = page.locator("main").inner_text()
    assert OA in main and "đã lưu, mã hóa" in main and KEY not in page.content()
    assert "Số tin nhắn đã gửi" in main and "Người quan tâm" in main
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
