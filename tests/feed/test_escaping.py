"""Story text is user-made: a story full of markup renders inert on its page, in its Open Graph
tags and in every feed. The tests parse the output (HTML, XML, JSON) rather than grep it."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from tests.feed.factories import XSS, make_post, make_story
from tests.feed.html import elements, is_inert, meta, text_of

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"


@pytest.fixture
def evil(demo):
    """A published story whose title, summary and text all carry markup."""
    post = make_post(f"Bài có mã độc {XSS}. Câu thứ hai {XSS}\n\nĐoạn hai {XSS}")
    return make_story(post, title=f"Tiêu đề {XSS}", summary=f"Tóm tắt {XSS}")


def _no_injected_markup(html: str) -> None:
    assert is_inert(html)
    found = elements(html)
    assert not any(tag == "img" and attrs.get("src") == "x" for tag, attrs in found)
    assert not any(tag == "script" and "src" not in attrs for tag, attrs in found)


def test_story_page_and_its_open_graph_tags_are_inert(client, evil):
    html = client.get(f"/stories/{evil.id}-{evil.slug}").get_data(as_text=True)
    _no_injected_markup(html)
    tags = meta(html)
    for name in ("og:title", "twitter:title"):
        assert tags[name] == f"Tiêu đề {XSS}"  # the whole text stays inside the attribute
    for name in ("og:description", "twitter:description", "description"):
        assert tags[name] == f"Tóm tắt {XSS}"
    assert tags["og:url"] == f"http://localhost/stories/{evil.id}-{evil.slug}"
    assert "<script>alert(1)</script>" in text_of(html)  # shown as text, to be read
    pack = next(a for t, a in elements(html) if t == "textarea")
    assert pack["id"] == "share-pack"


def test_public_lists_are_inert(client, evil):
    for path in ("/stories", "/units/ban-sam-quang/stories"):
        html = client.get(path).get_data(as_text=True)
        _no_injected_markup(html)
        assert f"Tiêu đề {XSS}" in text_of(html)


def test_reviewer_pages_are_inert(client, evil, login_as):
    login_as("kiemduyet.xa")
    for path in ("/stories/manage?status=published", f"/stories/{evil.id}/edit"):
        _no_injected_markup(client.get(path).get_data(as_text=True))


@pytest.mark.parametrize("path", ["/feed.atom", "/units/muong-leo/feed.atom"])
def test_atom_is_inert(client, evil, path):
    root = etree.fromstring(client.get(path).data)
    entry = next(e for e in root.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}id").endswith(
        f"story/{evil.id}"))
    title = entry.find(f"{ATOM}title")
    assert title.get("type") in (None, "text") and title.text == f"Tiêu đề {XSS}"
    for name in ("content", "summary"):
        element = entry.find(f"{ATOM}{name}")
        assert element.get("type") == "html"
        _no_injected_markup(element.text)
        assert "<script>alert(1)</script>" in text_of(element.text)


@pytest.mark.parametrize("path", ["/feed.rss", "/units/muong-leo/feed.rss"])
def test_rss_is_inert(client, evil, path):
    root = etree.fromstring(client.get(path).data)
    item = next(i for i in root.iter("item") if i.findtext("guid").endswith(f"story/{evil.id}"))
    assert item.findtext("title") == f"Tiêu đề {XSS}"  # RSS titles are plain text
    for html in (item.findtext("description"), item.findtext(CONTENT)):
        _no_injected_markup(html)
        assert "<script>alert(1)</script>" in text_of(html)


@pytest.mark.parametrize("path", ["/feed.json", "/units/muong-leo/feed.json"])
def test_json_feed_is_inert(client, evil, path):
    raw = client.get(path).get_data(as_text=True)
    assert "<" not in raw  # markup characters are \\u-escaped, even inside strings
    item = next(i for i in json.loads(raw)["items"] if i["id"].endswith(f"story/{evil.id}"))
    assert item["title"] == f"Tiêu đề {XSS}"  # plain text by the JSON Feed rules
    assert item["content_text"].startswith(f"Bài có mã độc {XSS}")
    _no_injected_markup(item["content_html"])
    assert "<script>alert(1)</script>" in text_of(item["content_html"])
