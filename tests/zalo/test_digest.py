"""Sharing back: an approved story's public link goes to whoever forwarded its post; the
"Thông tin chính thống" digest (page, text, Atom) holds the commune's stories and the official
sources reviewers used, never people's posts; subscribers get it from the OA when the commune
turns sending on; Zalo's domain-verification tag when configured."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy import select

from core.extensions import db
from core.services import get_user
from moderation.models import Post
from moderation.services import review
from tests.conftest import post_form
from tests.feed.factories import make_post, make_story
from tests.zalo.test_messages import _link, _send, zalo  # noqa: F401 - the fake Zalo fixture
from tests.zalo.test_webhook import event
from zalo.models import ZaloFollower, ZaloLink

ATOM = "{http://www.w3.org/2005/Atom}"
RUMOUR = "Tin đồn: tuần sau bản bị cắt điện cả tháng, ai cũng phải đóng tiền."


def test_a_published_story_is_sent_to_whoever_forwarded_its_post(
        client, runner, demo, zalo, login_as):  # noqa: F811
    _link(runner)
    good = make_post(unit="muong-leo")  # approved; the same text forwarded to the OA joins it
    stored = _send(client, event(text=good.text, msg_id="m-good"))
    assert db.session.get(Post, stored.post_id).cluster_id == good.cluster_id
    story = make_story(good, publish=False, title="Bà con Mường Lèo sửa đường")
    login_as("kiemduyet.xa")
    done = post_form(client, f"/stories/{story.id}/publish", {}, page=f"/stories/{story.id}/edit")
    assert done.status_code == 302
    text = zalo.sent()[-1]["body"]["message"]["text"]
    assert text == (f"Tin bạn gửi đã được Xã Mường Lèo đăng thành bài viết: "
                    f"http://localhost/stories/{story.id}-{story.slug}")


def _official_items(demo):
    """A published story and a rumour corrected with an official link, in Mường Lèo."""
    story = make_story(make_post(unit="muong-leo"), title="Lễ hội hoa ban ở Mường Lèo")
    rumour = make_post(text=RUMOUR, unit="muong-leo", label="harmful", approve=False)
    review.decide(rumour, get_user("kiemduyet.xa"), "mark_false", "rumour",
                  link="https://sonla.gov.vn/dinh-chinh-cat-dien")
    db.session.commit()
    return story


def test_the_digest_holds_stories_and_official_sources_not_posts(client, demo):
    story = _official_items(demo)
    page = client.get("/units/muong-leo/digest?period=daily").get_data(as_text=True)
    assert "Lễ hội hoa ban ở Mường Lèo" in page and "sonla.gov.vn/dinh-chinh-cat-dien" in page
    assert 'id="share-pack"' in page and "<svg" in page  # the copy box and the QR
    text = client.get("/units/muong-leo/digest.txt?period=daily").get_data(as_text=True)
    lines = text.splitlines()
    assert lines[0].startswith("THÔNG TIN CHÍNH THỐNG trong ngày · Xã Mường Lèo")
    assert f"http://localhost/stories/{story.id}" in lines
    assert "• Đính chính tin sai: https://sonla.gov.vn/dinh-chinh-cat-dien" in lines
    assert RUMOUR[:20] not in text and RUMOUR[:20] not in page
    assert lines[-1] == "Xem đầy đủ: http://localhost/units/muong-leo/digest?period=daily"


def test_the_digest_feed_has_one_entry_a_period(client, demo):
    _official_items(demo)
    answer = client.get("/units/muong-leo/digest.atom?period=weekly")
    assert answer.mimetype == "application/atom+xml"
    root = ET.fromstring(answer.data)
    (entry,) = root.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}id").text.startswith("tag:localhost,2026:digest/muong-leo/weekly/")
    assert "Lễ hội hoa ban ở Mường Lèo" in entry.find(f"{ATOM}content").text
    empty = client.get("/units/ban-sam-quang/digest.txt").get_data(as_text=True)
    assert "Không có tin mới trong thời gian này." in empty


def _subscribe(client, runner):
    _link(runner)
    _send(client, event(text="ĐĂNG KÝ TIN", msg_id="m-sub"))
    _send(client, event(text="dk tin", msg_id="m-sub-2") | {"sender": {"id": "other-9"}})
    other = db.session.scalars(select(ZaloFollower).where(
        ZaloFollower.zalo_user_id == "other-9")).one()
    other.following = False  # unfollowed since: gets nothing
    db.session.commit()


def test_subscribers_get_the_digest_once_a_period_when_sending_is_on(
        app, client, runner, demo, zalo):  # noqa: F811
    _official_items(demo)
    _subscribe(client, runner)
    before = len(zalo.sent())
    assert "Đã xếp 0 việc" in runner.invoke(args=["zalo", "send-digests"]).output  # off
    link = db.session.scalars(select(ZaloLink)).one()
    link.digest_period = "daily"
    db.session.commit()
    app.config["PUBLIC_URL"] = "https://caidep.example.vn"
    assert "Đã xếp 1 việc gửi bản tin: muong-leo." in runner.invoke(
        args=["zalo", "send-digests"]).output
    (sent,) = zalo.sent()[before:]
    assert sent["body"]["recipient"] == {"user_id": "2512523625412515"}
    text = sent["body"]["message"]["text"]
    assert text.startswith("THÔNG TIN CHÍNH THỐNG trong ngày · Xã Mường Lèo")
    assert "https://caidep.example.vn/stories/" in text and "http://localhost" not in text
    assert "Đã xếp 0 việc" in runner.invoke(args=["zalo", "send-digests"]).output  # sent today


def test_without_a_public_address_the_digest_job_fails_and_says_why(
        app, client, runner, demo, zalo):  # noqa: F811
    from jobs.models import Job

    _subscribe(client, runner)
    db.session.scalars(select(ZaloLink)).one().digest_period = "weekly"
    db.session.commit()
    app.config["PUBLIC_URL"] = ""
    before = len(zalo.sent())
    runner.invoke(args=["zalo", "send-digests"])
    job = db.session.scalars(select(Job).where(Job.kind == "zalo.digest")).one()
    assert job.state == "failed" and "PUBLIC_URL" in job.error and len(zalo.sent()) == before


def test_the_oa_page_sets_the_digest_schedule(client, runner, demo, login_as):
    _link(runner)
    login_as("quantri.xa")
    bad = post_form(client, "/zalo/oa/digest?unit=muong-leo", {"digest_period": "hourly"},
                    page="/zalo/oa")
    assert bad.status_code == 422 and "Phải là một trong" in bad.get_data(as_text=True)
    assert post_form(client, "/zalo/oa/digest?unit=muong-leo", {"digest_period": "weekly"},
                     page="/zalo/oa").status_code == 302
    assert db.session.scalars(select(ZaloLink)).one().digest_period == "weekly"


def test_zalos_domain_verification_tag_only_when_configured(app, client):
    assert "zalo-platform-site-verification" not in client.get("/stories").get_data(as_text=True)
    app.config["ZALO_SITE_VERIFICATION"] = "AbC_123-x"
    page = client.get("/stories").get_data(as_text=True)
    assert '<meta name="zalo-platform-site-verification" content="AbC_123-x">' in page
