"""Curated feed: stories from approved positive posts, public pages, Atom/RSS/JSON feeds, sharing."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

AUDIT_LABELS = {
    "story_created": _l("Story drafted"),
    "story_updated": _l("Story edited"),
    "story_published": _l("Story published"),
    "story_withdrawn": _l("Story withdrawn"),
}


def init_app(app: Flask) -> None:
    """Audit labels and the demo seeder (it runs after moderation's, whose posts it leaves be)."""
    from core.i18n import register_audit_labels
    from feed import demo

    register_audit_labels(AUDIT_LABELS)
    app.extensions.setdefault("caidep.demo_seeders", []).append(demo.seed)
