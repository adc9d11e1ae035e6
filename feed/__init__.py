"""Curated feed: stories from approved positive posts, public pages, Atom/RSS/JSON feeds, sharing."""

from __future__ import annotations

import os

from flask import Flask
from flask_babel import lazy_gettext as _l

AUDIT_LABELS = {
    "story_created": _l("Story drafted"),
    "story_updated": _l("Story edited"),
    "story_published": _l("Story published"),
    "story_withdrawn": _l("Story withdrawn"),
}


def _settings() -> dict:
    """The feed's settings, from the environment (see README); empty means the default."""
    return {
        # The host named in entry ids (tag URIs); set it when the site has several host names.
        "FEED_TAG_AUTHORITY": os.environ.get("FEED_TAG_AUTHORITY", ""),
        "FEED_ZALO_SHARE_URL": os.environ.get("FEED_ZALO_SHARE_URL",
                                              "https://sp.zalo.me/share?url={url}"),
        "FEED_FACEBOOK_SHARE_URL": os.environ.get(
            "FEED_FACEBOOK_SHARE_URL", "https://www.facebook.com/sharer/sharer.php?u={url}"),
    }


def init_app(app: Flask) -> None:
    """Settings, audit labels and the demo seeder (run after moderation's, whose posts it leaves
    alone)."""
    from core.i18n import register_audit_labels
    from feed import demo, services
    from moderation.services import stats

    for key, value in _settings().items():
        app.config.setdefault(key, value)
    register_audit_labels(AUDIT_LABELS)
    app.extensions.setdefault("caidep.demo_seeders", []).append(demo.seed)
    stats.collecting.connect(services.stories_per_week)
