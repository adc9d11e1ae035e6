""""Thông tin chính thống": a commune's digest of a day or a week — its published stories, the
official sources reviewers confirmed or corrected a rumour with, and official-source posts they
approved — as one text block with short links, ready to paste into a Zalo group.

Only what is public already goes in: a story's title and its short address, and the address
of an official source with what reviewers found. The text of people's posts never does."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from feedgen.feed import FeedGenerator
from flask import current_app, url_for
from sqlalchemy import select

from core.extensions import db
from core.i18n import date_vn
from core.models import VN_OFFSET, Unit, utcnow
from core.scoping import subtree_ids
from feed.feeds import tag_uri
from feed.models import Story, StoryStatus
from moderation.models import Action, Decision, Post, PostStatus, SourceCheck
from moderation.sources import check_source

PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
HEADINGS = {"daily": "THÔNG TIN CHÍNH THỐNG trong ngày", "weekly": "THÔNG TIN CHÍNH THỐNG trong tuần"}
VERDICT_LINES = {Action.MARK_FALSE: "Đính chính tin sai", Action.MARK_VERIFIED: "Đã kiểm chứng"}
MAX_ITEMS = 12  # a Zalo message of about a screen and a half


@dataclass
class Digest:
    """One digest: its period, its lines (text, short link) and its own address."""

    unit: Unit
    period: str
    since: datetime
    until: datetime
    stories: list[tuple[str, str]] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""

    @property
    def empty(self) -> bool:
        return not (self.stories or self.sources)


def _all(stmt) -> list:
    return db.session.scalars(stmt).all()


def _official(link: str | None) -> bool:
    config = current_app.config
    return check_source(link, config["OFFICIAL_SOURCES"],
                        config["UNRELIABLE_SOURCES"])[1] == SourceCheck.OFFICIAL


def _stories(units, since: datetime, until: datetime) -> list[tuple[str, str]]:
    rows = _all(select(Story).where(
        Story.status == StoryStatus.PUBLISHED, Story.unit_id.in_(units),
        Story.published_at >= since, Story.published_at < until)
        .order_by(Story.published_at.desc()).limit(MAX_ITEMS))
    return [(story.title, url_for("feed.story", story_id=story.id, _external=True))
            for story in rows]


def _sources(units, since: datetime, until: datetime) -> list[tuple[str, str]]:
    """Official links of the period: a rumour corrected or a claim confirmed with one, and the
    official-source posts reviewers approved; each address once."""
    decisions = _all(select(Decision).where(
        Decision.unit_id.in_(units), Decision.created_at >= since, Decision.created_at < until,
        Decision.action.in_(list(VERDICT_LINES)), Decision.link.is_not(None))
        .order_by(Decision.created_at.desc()))
    found = [(VERDICT_LINES[d.action], d.link) for d in decisions if _official(d.link)]
    posts = _all(select(Post).where(
        Post.unit_id.in_(units), Post.source_check == SourceCheck.OFFICIAL,
        Post.status.in_([PostStatus.APPROVED, PostStatus.VERIFIED]),
        Post.decided_at >= since, Post.decided_at < until).order_by(Post.decided_at.desc()))
    found += [(f"Tin từ nguồn chính thống ({post.source_domain})", post.url) for post in posts]
    seen, unique = set(), []
    for line, link in found:
        if link not in seen:
            seen.add(link)
            unique.append((line, link))
    return unique[:MAX_ITEMS]


def build(unit: Unit, period: str = "weekly", until: datetime | None = None,
          since: datetime | None = None) -> Digest:
    """The digest of the unit's subtree from `since` to `until`: by default the calendar day or
    week (from Monday, Vietnam time) up to now."""
    until = until or utcnow()
    since = since or period_ends(period, until)[0] - PERIODS[period]
    units = subtree_ids(unit)
    return Digest(unit=unit, period=period, since=since, until=until,
                  stories=_stories(units, since, until), sources=_sources(units, since, until),
                  url=url_for("feed.digest", code=unit.code, period=period, _external=True))


def text(digest: Digest) -> str:
    """The one text block to paste into a Zalo group (or to send from the OA)."""
    span = (date_vn(digest.since) if digest.period == "daily"
            else f"{date_vn(digest.since)}–{date_vn(digest.until)}")
    lines = [f"{HEADINGS[digest.period]} · {digest.unit.name} ({span})", ""]
    if digest.empty:
        lines.append("Không có tin mới trong thời gian này.")
    for number, (title, link) in enumerate(digest.stories, 1):
        lines.append(f"{number}. {title}\n{link}")
    if digest.sources:
        lines += ["", "Nguồn chính thống:"]
        lines += [f"• {line}: {link}" for line, link in digest.sources]
    lines += ["", f"Xem đầy đủ: {digest.url}"]
    return "\n".join(lines)


FEED_PERIODS = 8


def period_ends(period: str, now: datetime | None = None) -> list[datetime]:
    """The ends of the last FEED_PERIODS calendar days (or weeks, Monday to Sunday) in Vietnam
    time, newest first, the current one included: an entry keeps its id while its day lasts."""
    local = (now or utcnow()) + VN_OFFSET
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "weekly":
        start -= timedelta(days=start.weekday())
    end = start + PERIODS[period] - VN_OFFSET
    return [end - k * PERIODS[period] for k in range(FEED_PERIODS)]


def atom(unit: Unit, period: str) -> bytes:
    """Atom feed of the unit's digests, one entry a day (or a week) with its text block."""
    now = utcnow()
    ends = period_ends(period, now)
    fg = FeedGenerator()
    fg.id(tag_uri(f"digest/{unit.code}/{period}"))
    fg.title(f"{HEADINGS[period]} · {unit.name}")
    fg.author({"name": "Cái Đẹp"})
    fg.link(href=url_for("feed.digest", code=unit.code, period=period, _external=True),
            rel="alternate", type="text/html")
    fg.link(href=url_for("feed.digest_feed", code=unit.code, period=period, _external=True),
            rel="self", type="application/atom+xml")
    fg.language("vi")
    fg.updated(now)
    for end in reversed(ends):  # feedgen lists the last added first
        found = build(unit, period, until=min(end, now), since=end - PERIODS[period])
        if found.empty:
            continue
        entry = fg.add_entry()
        first_day = (found.since + VN_OFFSET).date().isoformat()
        entry.id(tag_uri(f"digest/{unit.code}/{period}/{first_day}"))
        entry.title(text(found).split("\n", 1)[0])
        entry.updated(found.until)
        entry.link(href=found.url, rel="alternate", type="text/html")
        entry.content(text(found), type="text")
    return fg.atom_str(pretty=True)
