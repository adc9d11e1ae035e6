"""The Zalo Official Account channel: a commune links its OA, people forward posts to it, and
they come in as posts of the commune (zalo.services, zalo.tasks)."""

from __future__ import annotations

import os

from flask import Flask
from flask_babel import lazy_gettext as _l

AUDIT_LABELS = {
    "zalo_linked": _l("Zalo OA linked"),
    "zalo_templates": _l("Zalo OA messages reworded"),
    "zalo_digest": _l("Zalo digest schedule changed"),
}


def _settings() -> dict:
    """The channel's settings, from the environment (see README)."""
    env = os.environ.get
    return {
        "ZALO_WEBHOOK_WINDOW": int(env("ZALO_WEBHOOK_WINDOW", 300)),
        "ZALO_OPENAPI_URL": env("ZALO_OPENAPI_URL", "https://openapi.zalo.me"),
        "ZALO_OAUTH_URL": env("ZALO_OAUTH_URL", "https://oauth.zaloapp.com"),
        "ZALO_SEND_ATTEMPTS": int(env("ZALO_SEND_ATTEMPTS", 3)),
        "ZALO_SEND_BACKOFF": float(env("ZALO_SEND_BACKOFF", 2)),
        # the content of Zalo's domain-verification meta tag, when the site is verified with Zalo
        "ZALO_SITE_VERIFICATION": env("ZALO_SITE_VERIFICATION", ""),
    }


def init_app(app: Flask) -> None:
    """Settings, the webhook, its job kind and `flask zalo`."""
    from core.extensions import csrf
    from core.i18n import register_audit_labels
    from zalo import cli, messages, tasks, views  # noqa: F401 - tasks registers a job kind

    for key, value in _settings().items():
        app.config.setdefault(key, value)
    csrf.exempt(views.webhook)
    app.register_blueprint(views.bp)
    register_audit_labels(AUDIT_LABELS)
    app.cli.add_command(cli.cli)
    app.extensions.setdefault("caidep.decided", []).append(messages.on_decision)
    app.extensions.setdefault("caidep.published", []).append(messages.on_published)
    app.extensions.setdefault("caidep.post_sections", []).append(views.post_section)
