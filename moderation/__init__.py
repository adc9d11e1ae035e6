"""Moderation: intake, near-duplicate clusters, priority, the review queue, claims, decisions."""

from __future__ import annotations

import os

from flask import Flask


def _settings() -> dict:
    """Moderation's settings, from the environment (see README), with safe defaults."""
    return {
        # Cleared posts sent to the queue anyway, so reviewers keep checking the model: a
        # uniform slice (the miss rate is estimated from it without bias) and, of the posts the
        # model is least sure of (a score at least BAND × its threshold), this share.
        "MODERATION_SAMPLE_RATE": float(os.environ.get("MODERATION_SAMPLE_RATE", "0.01")),
        "MODERATION_UNCERTAIN_RATE": float(os.environ.get("MODERATION_UNCERTAIN_RATE", "0.5")),
        "MODERATION_UNCERTAIN_BAND": float(os.environ.get("MODERATION_UNCERTAIN_BAND", "0.5")),
        # The chat-bot webhook is off until both a secret and the bot's user are set.
        "MODERATION_WEBHOOK_SECRET": os.environ.get("MODERATION_WEBHOOK_SECRET", ""),
        "MODERATION_WEBHOOK_USER": os.environ.get("MODERATION_WEBHOOK_USER", ""),
        "MODERATION_WEBHOOK_WINDOW": int(os.environ.get("MODERATION_WEBHOOK_WINDOW", "300")),
    }


def init_app(app: Flask) -> None:
    """Settings, template helpers, audit labels and the hooks other parts of the app call."""
    from core.i18n import register_audit_labels
    from moderation import demo, presenters, scoring
    from moderation.services import learning

    for key, value in _settings().items():
        app.config.setdefault(key, value)
    presenters.init_app(app)
    register_audit_labels(presenters.AUDIT_LABELS)
    app.extensions["caidep.model_version"] = scoring.active_version
    app.extensions["caidep.review_examples"] = learning.review_examples
    app.extensions.setdefault("caidep.demo_seeders", []).append(demo.seed)
