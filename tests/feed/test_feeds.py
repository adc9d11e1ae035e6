"""Atom, RSS and JSON feeds: valid, stable ids, absolute URLs, enclosures, ETag/304, withdrawals."""

from __future__ import annotations

import feedparser
import pytest

from core.extensions import db
from core.services import get_user
from feed import services
from tests.feed.factories import add_image, make_post, make_story

FEEDS = ["/feed.atom", "/feed.rss", "/units/muong-leo/feed.atom", "/units/muong-leo/feed.rss"]
ALL_FEEDS = FEEDS + ["/feed.json", "/units/muong-leo/feed.json"]


def _parse(client, path):
    response = client.get(path)
    assert response.status_code == 200
    return response, feedparser.parse(response.data)


def check_json_feed(feed: dict) -> None:
    """The rules of JSON Feed 1.1 that a reader relies on."""
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert isinstance(feed["items"], list)
    for key in ("home_page_url", "feed_url"):
        assert feed[key].startswith("http://")
    ids = [item["id"] for item in feed["items"]]
    assert len(ids) == len(set(ids))
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert isinstance(item.get("content_html"), str) or isinstance(item.get("content_text"), str)
        assert item["url"].startswith("http://")
        for attachment in item.get("attachments", []):
            assert attachment["url"] and attachment["mime_type"]


@pytest.mark.parametrize("path", FEEDS)
def test_atom_and_rss_parse_cleanly(client, demo, path):
    post = make_post(unit="ban-mat")
    add_image(post)
    story = make_story(post, image_id=post.images[0].id, tags=["san-xuat"])
    response, parsed = _parse(client, path)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version in ("atom10", "rss20")
    assert len(parsed.entries) == 4  # three demo stories and this one
    newest = parsed.entries[0]
    assert newest.id == f"tag:localhost,2026:story/{story.id}"
    assert newest.link == f"http://localhost/stories/{story.id}-{story.slug}"
    enclosure = [link for link in newest.links if link.rel == "enclosure"] or newest.enclosures
    assert enclosure[0]["href"].endswith("/image")
    assert enclosure[0]["type"] == "image/png"
    assert newest.published_parsed
    if parsed.version == "atom10":
        assert newest.updated_parsed
    expected = "application/atom+xml" if path.endswith("atom") else "application/rss+xml"
    assert response.mimetype == expected


@pytest.mark.parametrize("path", ["/feed.json", "/units/muong-leo/feed.json"])
def test_json_feed_follows_version_1_1(client, demo, path):
    post = make_post()
    add_image(post)
    story = make_story(post, image_id=post.images[0].id)
    response = client.get(path)
    assert response.mimetype == "application/feed+json"
    feed = response.get_json()
    check_json_feed(feed)
    item = feed["items"][0]
    assert item["id"] == f"tag:localhost,2026:story/{story.id}"
    assert item["image"].endswith(f"/stories/{story.id}/image")
    assert item["attachments"][0]["mime_type"] == "image/png"
    assert item["date_published"].endswith("+00:00")


def test_entry_ids_are_stable_across_edits(client, demo):
    story = make_story(title="Tiêu đề cũ")
    before = client.get("/feed.json").get_json()["items"][0]
    services.update_story(story, get_user("kiemduyet.xa"), {"title": "Tiêu đề mới"})
    db.session.commit()
    after = client.get("/feed.json").get_json()["items"][0]
    assert before["id"] == after["id"] == f"tag:localhost,2026:story/{story.id}"
    assert (before["title"], after["title"]) == ("Tiêu đề cũ", "Tiêu đề mới")
    assert after["date_modified"] >= before["date_modified"]


@pytest.mark.parametrize("path", ALL_FEEDS)
def test_conditional_get_answers_304(client, demo, path):
    first = client.get(path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_a_change_changes_the_etag(client, demo):
    etag = client.get("/feed.atom").headers["ETag"]
    make_story(title="Chuyện mới")
    response = client.get("/feed.atom", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["ETag"] != etag


def test_withdrawn_stories_vanish_from_every_feed(client, demo):
    story = make_story(title="Sẽ bị gỡ", )
    etags = {path: client.get(path).headers["ETag"] for path in ALL_FEEDS}
    assert any(i["title"] == "Sẽ bị gỡ" for i in client.get("/feed.json").get_json()["items"])
    services.withdraw(story, get_user("kiemduyet.xa"))
    db.session.commit()
    for path in ALL_FEEDS:
        response = client.get(path, headers={"If-None-Match": etags[path]})
        assert response.status_code == 200, path
        assert "Sẽ bị gỡ" not in response.get_data(as_text=True), path


def test_unit_feeds_cover_the_subtree_only(client, demo):
    make_story(make_post(unit="ban-mat"), title="Ở Bản Mạt")
    titles = {path: [i["title"] for i in client.get(path).get_json()["items"]]
              for path in ("/units/ban-mat/feed.json", "/units/ban-sam-quang/feed.json",
                           "/units/nam-lanh/feed.json")}
    assert "Ở Bản Mạt" in titles["/units/ban-mat/feed.json"]
    assert "Ở Bản Mạt" not in titles["/units/ban-sam-quang/feed.json"]
    assert titles["/units/nam-lanh/feed.json"] == []
    _, parsed = _parse(client, "/units/nam-lanh/feed.atom")
    assert parsed.bozo == 0 and parsed.entries == []
    assert client.get("/units/khong-co/feed.atom").status_code == 404


def test_feeds_are_vietnamese_whatever_the_visitor_chose(client, demo):
    client.get("/lang/en")
    assert client.get("/feed.json").get_json()["title"] == "Câu chuyện đẹp — Cái Đẹp"


def test_control_characters_in_a_post_do_not_break_the_feeds(client, demo):
    make_story(make_post("Tin vui\x0b có ký tự lạ\x1f. Câu hai."))  # (NUL: refused by PostgreSQL)
    for path in ("/feed.atom", "/feed.rss"):
        _, parsed = _parse(client, path)
        assert parsed.bozo == 0
        assert parsed.entries[0].title == "Tin vui có ký tự lạ"


def test_tag_authority_can_be_fixed_whatever_the_host(app, client, demo):
    app.config["FEED_TAG_AUTHORITY"] = "caidep.sonla.example"
    story = make_story()
    item = client.get("/feed.json", base_url="http://10.0.0.5:8000").get_json()["items"][0]
    assert item["id"] == f"tag:caidep.sonla.example,2026:story/{story.id}"
    assert item["url"].startswith("http://10.0.0.5:8000/stories/")
