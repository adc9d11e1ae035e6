"""Atom 1.0 and RSS 2.0 (built with feedgen) and JSON Feed 1.1 (a plain dict) of published stories.

Entry ids are tag URIs (RFC 4151) that never change: `tag:<host>,2026:story/<id>`. Answers carry
an ETag and a Last-Modified, and a conditional GET that matches is answered 304 before the feed
is built.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.ext.base import BaseEntryExtension
from feedgen.feed import FeedGenerator
from flask import Response, current_app, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from werkzeug.http import is_resource_modified

from core.models import Unit, as_utc
from feed import text
from feed.models import TAG_LABELS, Story

FEED_SIZE = 50
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)  # "updated" of a feed that never had a story
TAG_DATE = "2026"  # the date in every tag URI: when the site's host was first used for them
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
MIMETYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml",
             "json": "application/feed+json"}


@dataclass
class FeedInfo:
    """What describes one feed: its scope, its URLs and its title."""

    fmt: str
    unit: Unit | None
    title: str
    description: str
    home_url: str
    self_url: str
    tag_id: str


def tag_authority() -> str:
    """The host named in tag URIs: FEED_TAG_AUTHORITY if set (behind proxies), else the request's."""
    return current_app.config.get("FEED_TAG_AUTHORITY") or request.host.split(":")[0]


def tag_uri(specific: str) -> str:
    """A stable tag URI for `specific` (e.g. 'story/12')."""
    return f"tag:{tag_authority()},{TAG_DATE}:{specific}"


def story_url(story: Story) -> str:
    """The story's canonical absolute URL."""
    return url_for("feed.story", story_id=story.id, slug=story.slug, _external=True)


def image_url(story: Story) -> str | None:
    """The absolute URL of the story's picture, or None."""
    return url_for("feed.image", story_id=story.id, _external=True) if story.image_id else None


def content_html(story: Story) -> str:
    """The story's text as escaped HTML paragraphs (user text never becomes markup)."""
    paragraphs = [part for part in text.xml_safe(story.body).split("\n\n") if part.strip()]
    html = "".join(
        str(Markup("<p>{}</p>").format(Markup("<br>").join(
            escape(line) for line in part.strip().splitlines())))
        for part in paragraphs)
    picture = image_url(story)
    if picture:
        html = str(Markup('<p><img src="{}" alt="{}"></p>').format(picture, story.title)) + html
    return html


def describe(fmt: str, unit: Unit | None) -> FeedInfo:
    """Title and URLs of the feed of `unit`'s subtree (or of every story)."""
    with force_locale("vi"):
        title = (_("Good stories — %(unit)s", unit=unit.name) if unit is not None
                 else _("Good stories — Cái Đẹp"))
        description = _("Good local stories, chosen by the commune's reviewers.")
    if unit is None:
        return FeedInfo(fmt, None, title, description, url_for("feed.index", _external=True),
                        url_for("feed.feed", fmt=fmt, _external=True), tag_uri("stories"))
    return FeedInfo(fmt, unit, title, description, url_for("feed.unit", code=unit.code, _external=True),
                    url_for("feed.unit_feed", code=unit.code, fmt=fmt, _external=True),
                    tag_uri(f"stories/{unit.code}"))


def etag_for(info: FeedInfo, stories: list[Story], changed_at: datetime | None) -> str:
    """Changes whenever an entry is added, edited or removed, or the feed's URL changes."""
    stamp = as_utc(changed_at).isoformat() if changed_at else "-"
    digest = hashlib.sha256(f"{info.self_url}|{stamp}".encode())
    for story in stories:
        digest.update(f"|{story.id}:{as_utc(story.updated_at).isoformat()}".encode())
    return digest.hexdigest()[:40]


def respond(info: FeedInfo, stories: list[Story], changed_at: datetime | None) -> Response:
    """The feed, or 304 when the client's copy (by ETag or date) is current."""
    etag = etag_for(info, stories, changed_at)
    last_modified = as_utc(changed_at)
    if not is_resource_modified(request.environ, etag=etag, last_modified=last_modified):
        response = Response(status=304)
    else:
        builders = {"atom": atom_bytes, "rss": rss_bytes, "json": json_bytes}
        response = Response(builders[info.fmt](info, stories, last_modified),
                            mimetype=MIMETYPES[info.fmt])
        response.charset = "utf-8"
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    # Caches keep it but ask every time; the conditional GET makes asking cheap.
    response.headers["Cache-Control"] = "public, no-cache"
    return response


def _generator(info: FeedInfo, stories: list[Story], changed_at: datetime | None) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(info.tag_id)
    fg.title(info.title)
    fg.author({"name": "Cái Đẹp"})
    fg.link(href=info.home_url, rel="alternate", type="text/html")
    fg.link(href=info.self_url, rel="self", type=MIMETYPES[info.fmt])
    fg.description(info.description)
    fg.language("vi")
    # The feed changed when its last entry did, or when one was withdrawn; never "now", so the
    # same stories always give the same bytes (and the same ETag).
    fg.updated(changed_at or EPOCH)
    with force_locale("vi"):
        # feedgen prepends by default; append keeps newest first, as the list is sorted.
        for story in stories:
            _entry(fg.add_entry(order="append"), story)
    return fg


class AtomLinkAttributes(BaseEntryExtension):
    """Put back the rel/type/length of entry links that feedgen 1.0.0 drops in Atom output
    (lkiesow/python-feedgen#135), so the enclosure is an enclosure and not a second link."""

    def __init__(self):
        self.links: list[dict] = []

    def extend_atom(self, entry):
        for element, data in zip(entry.findall("link"), self.links, strict=False):
            for key in ("rel", "type", "hreflang", "title", "length"):
                if data.get(key) and key not in element.attrib:
                    element.attrib[key] = str(data[key])
        return entry


def _entry(entry, story: Story) -> None:
    entry.register_extension("atom_links", AtomLinkAttributes, atom=True, rss=False)
    entry.id(tag_uri(f"story/{story.id}"))
    entry.title(text.xml_safe(story.title))
    entry.link(href=story_url(story), rel="alternate", type="text/html")
    entry.author({"name": text.xml_safe(story.unit.name)})
    entry.published(as_utc(story.published_at))
    entry.updated(as_utc(story.updated_at))
    # As HTML (escaped text): RSS readers render <description> as HTML, whatever it holds.
    entry.summary(str(escape(text.xml_safe(story.summary))), type="html")
    entry.content(content_html(story), type="html")
    for slug in story.tags:
        entry.category(term=slug, label=str(TAG_LABELS.get(slug, slug)))
    image = story.image
    if image is not None:
        entry.enclosure(image_url(story), str(image.size_bytes), image.content_type)
    entry.atom_links.links = entry.link()


def atom_bytes(info: FeedInfo, stories: list[Story], changed_at: datetime | None = None) -> bytes:
    """Atom 1.0."""
    return _generator(info, stories, changed_at).atom_str(pretty=True)


def rss_bytes(info: FeedInfo, stories: list[Story], changed_at: datetime | None = None) -> bytes:
    """RSS 2.0."""
    return _generator(info, stories, changed_at).rss_str(pretty=True)


def json_feed(info: FeedInfo, stories: list[Story]) -> dict:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1) as a dict; feedgen does not write it.

    Required: `version`, `title`, and per item `id` plus `content_html` or `content_text`. We
    give both contents (the HTML is escaped text), a summary, dates in RFC 3339, the tags by
    name and the picture both as `image` and as an attachment.
    """
    with force_locale("vi"):
        items = [_json_item(story) for story in stories]
    return {"version": JSON_FEED_VERSION, "title": info.title, "home_page_url": info.home_url,
            "feed_url": info.self_url, "description": info.description, "language": "vi",
            "authors": [{"name": "Cái Đẹp"}], "items": items}


def _json_item(story: Story) -> dict:
    item = {"id": tag_uri(f"story/{story.id}"), "url": story_url(story), "title": story.title,
            "content_html": content_html(story), "content_text": text.xml_safe(story.body),
            "summary": story.summary,
            "date_published": as_utc(story.published_at).isoformat(),
            "date_modified": as_utc(story.updated_at).isoformat(),
            "authors": [{"name": story.unit.name}],
            "tags": [str(TAG_LABELS.get(slug, slug)) for slug in story.tags]}
    image = story.image
    if image is not None:
        item["image"] = image_url(story)
        item["attachments"] = [{"url": item["image"], "mime_type": image.content_type,
                                "size_in_bytes": image.size_bytes}]
    return item


def json_bytes(info: FeedInfo, stories: list[Story], changed_at: datetime | None = None) -> bytes:
    """JSON Feed 1.1, UTF-8; `<`, `>` and `&` are escaped so the JSON is inert even as HTML."""
    body = json.dumps(json_feed(info, stories), ensure_ascii=False, indent=1)
    return (body.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .encode("utf-8"))
