"""The OA page: a unit admin links the commune's OA (keys never shown back), rewords the OA's
messages (bad placeholders refused, nothing saved), and sees the messages Zalo did not take;
the sender of a forwarded post is matched to the registry; an approved story's link goes back
to whoever forwarded its post; the digest page, its text and its subscribers."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry
from tests.conftest import post_form
from tests.zalo.test_messages import _link, _send, zalo  # noqa: F401 - the fake Zalo fixture
from tests.zalo.test_webhook import APP, KEY, OA, event
from zalo import vault
from zalo.models import ZaloFollower, ZaloLink

PAGE = "/zalo/oa"
DEMO_OA = "2710456789012345678"  # the demo commune's OA, declared in the registry


def _link_on_page(client, **fields):
    data = {"app_id": APP, "oa_id": DEMO_OA, "secret_key": KEY, "access_token": "good-token",
            "refresh_token": "r-0", **fields}
    return post_form(client, f"{PAGE}/link?unit=muong-leo", data, page=PAGE)


def test_a_unit_admin_links_the_oa_and_never_sees_the_keys_again(client, login_as):
    login_as("quantri.xa")
    page = client.get(PAGE).get_data(as_text=True)
    assert "Chưa có Official Account nào được liên kết" in page
    bad = _link_on_page(client, app_id="12 34", secret_key="short")
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Chỉ gồm chữ, số" in text and "Từ 8 đến 200 ký tự" in text
    assert KEY not in text and db.session.scalar(select(func.count()).select_from(ZaloLink)) == 0
    done = _link_on_page(client)
    assert done.status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert DEMO_OA in page and "đã lưu, mã hóa" in page and "UBND Xã Mường Lèo" in page
    assert KEY not in page and "good-token" not in page and "/zalo/webhook" in page
    row = db.session.scalars(select(ZaloLink)).one()
    assert KEY not in row.secret_key and vault.unseal(row.access_token) == "good-token"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "zalo_linked"))


def test_relinking_with_blank_keys_keeps_them_and_another_oa_needs_its_own(client, login_as):
    login_as("quantri.xa")
    _link_on_page(client)
    assert _link_on_page(client, secret_key="", access_token="", refresh_token="").status_code == 302
    row = db.session.scalars(select(ZaloLink)).one()
    db.session.refresh(row)
    assert vault.unseal(row.secret_key) == KEY and vault.unseal(row.refresh_token) == "r-0"
    other = _link_on_page(client, oa_id="999888777", secret_key="")
    assert other.status_code == 422 and "khóa bí mật của OA" in other.get_data(as_text=True)


def test_other_units_admins_cannot_touch_the_oa(client, login_as):
    login_as("bithu.banmat")  # admin of a village below, not of the commune
    assert _link_on_page(client).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(ZaloLink)) == 0


def _save_templates(client, **wording):
    return post_form(client, f"{PAGE}/templates?unit=muong-leo", wording, page=PAGE)


@pytest.mark.parametrize(("wording", "error"), [
    ({"ack": "Chào {ten}!"}, "Chỗ trống {ten} không có"),
    ({"ack": "Chào {unit!r}"}, "Viết chỗ trống đơn giản"),
    ({"ack": "Thiếu ngoặc {unit"}, "Viết chỗ trống đơn giản"),
    ({"story": "Bài đã đăng, cảm ơn bạn."}, "phải có {link}"),
    ({"ack": "x" * 2001}, "Tối đa 2000 ký tự"),
])
def test_bad_wording_is_refused_and_nothing_saved(client, login_as, runner, wording, error):
    _link(runner)
    login_as("quantri.xa")
    response = _save_templates(client, **wording)
    assert response.status_code == 422 and error in response.get_data(as_text=True)
    row = db.session.scalars(select(ZaloLink)).one()
    db.session.refresh(row)
    assert row.templates == {}


def test_the_communes_wording_is_what_the_oa_sends(client, login_as, runner, zalo):  # noqa: F811
    _link(runner)
    login_as("quantri.xa")
    saved = _save_templates(client, ack="{unit} đã nhận tin của bạn, xin cảm ơn!", reject="")
    assert saved.status_code == 302
    _send(client, event())
    assert zalo.sent()[-1]["body"]["message"]["text"] == "Xã Mường Lèo đã nhận tin của bạn, xin cảm ơn!"
    page = client.get(PAGE).get_data(as_text=True)
    assert "{unit} đã nhận tin của bạn" in page
    assert "Tin bạn gửi có nội dung xấu độc" in page  # blank: the default wording is back


def test_messages_zalo_refused_are_shown_with_their_code(client, login_as, runner, zalo):  # noqa: F811
    _link(runner)
    body = event()
    body["sender"]["id"] = "silent"  # the fake Zalo answers -230 for this follower
    _send(client, body)
    login_as("quantri.xa")
    page = client.get(PAGE).get_data(as_text=True)
    assert "Lỗi Zalo -230" in page and "không tương tác với OA trong 7 ngày" in page
    assert "1 tin chưa gửi được" in page


def _submit_info(client, phone, ms=0):
    body = {"app_id": APP, "event_name": "user_submit_info", "recipient": {"id": OA},
            "sender": {"id": "2512523625412515"}, "timestamp": str(int(time.time() * 1000) + ms),
            "info": {"name": "Piêng", "phone": phone, "address": "Bản Mạt"}}
    return _send(client, body)


def test_a_sender_who_shared_a_declared_number_is_named_to_reviewers(
        client, runner, demo, zalo, login_as):  # noqa: F811
    _link(runner)
    _submit_info(client, "84912345601")  # the Zalo number Lường Văn Piêng declared
    stored = _send(client, event())
    assert stored.post.reporter == "Lường Văn Piêng (tài khoản Zalo đã khai báo)"
    follower = db.session.scalars(select(ZaloFollower)).one()
    assert follower.account.canonical_id == "+84912345601"
    login_as("kiemduyet.xa")
    page = client.get(f"/moderation/posts/{stored.post_id}").get_data(as_text=True)
    senders = page[page.index('id="zalo-senders"'):]
    assert "Lường Văn Piêng</a>" in senders and "tài khoản Zalo đã khai báo" in senders


def test_an_unknown_sender_stays_an_anonymous_follower(
        client, runner, demo, zalo, login_as):  # noqa: F811
    _link(runner)
    _submit_info(client, "0999 000 111")  # not declared
    stored = _send(client, event())
    assert stored.post.reporter == "Người theo dõi Zalo 2512523625412515"
    assert db.session.scalars(select(ZaloFollower)).one().account is None
    login_as("kiemduyet.xa")
    page = client.get(f"/moderation/posts/{stored.post_id}").get_data(as_text=True)
    assert "Người theo dõi Zalo 2512523625412515 <span class=\"muted\">(chưa khớp" in page


def test_digest_keywords_subscribe_and_unsubscribe_instead_of_making_posts(
        client, runner, demo, zalo):  # noqa: F811
    _link(runner)
    _send(client, event(text="Đăng ký tin", msg_id="m-sub"))
    follower = db.session.scalars(select(ZaloFollower)).one()
    assert follower.digest is True
    assert "Bạn đã đăng ký nhận bản tin" in zalo.sent()[-1]["body"]["message"]["text"]
    _send(client, event(text="HUY TIN", msg_id="m-unsub"))
    db.session.refresh(follower)
    assert follower.digest is False and "thôi nhận" in zalo.sent()[-1]["body"]["message"]["text"]
    from moderation.models import Post
    assert db.session.scalars(select(Post).where(Post.channel == "zalo")).all() == []
