"""Sharing a story: the copy-ready share pack, Zalo and Facebook share links, a QR code."""

from __future__ import annotations

from urllib.parse import quote

import segno
from flask import current_app
from markupsafe import Markup

from feed import text
from feed.models import Story

PACK_SUMMARY_MAX = 160  # about two lines on a phone in a Zalo message


def share_pack(story: Story, url: str) -> str:
    """Title, a summary of about two lines, and the link: ready to paste into a Zalo group."""
    summary = text.shorten(story.summary or text.suggest_summary(story.body), PACK_SUMMARY_MAX)
    return "\n".join(part for part in (story.title, summary, url) if part)


def share_links(url: str) -> dict[str, str]:
    """Links that open Zalo's and Facebook's share dialogs for `url` (set in feed.init_app)."""
    config = current_app.config
    quoted = quote(url, safe="")
    return {"zalo": config["FEED_ZALO_SHARE_URL"].format(url=quoted),
            "facebook": config["FEED_FACEBOOK_SHARE_URL"].format(url=quoted)}


def qr_svg(url: str, title: str = "") -> Markup:
    """The URL as a QR code in inline SVG (sized by CSS through its viewBox)."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(omitsize=True, border=2, dark="#1d2327", svgclass="qr",
                          lineclass=None, title=title or None)
    return Markup(svg)
