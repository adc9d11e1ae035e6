"""Moderation: intake, near-duplicate clusters, priority, the review queue, claims, decisions."""

from __future__ import annotations

import os

from flask import Flask

from core.config import ROOT


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
        # The learning loop: a retraining job after this many new decisions (0: only from the
        # model page), on this recipe; the candidate is activated only if it is no worse than
        # the active model by more than the tolerance, on held-back decisions and on dev.
        "MODERATION_RETRAIN_EVERY": int(os.environ.get("MODERATION_RETRAIN_EVERY", "200")),
        "MODERATION_RETRAIN_RECIPE": os.environ.get(
            "MODERATION_RETRAIN_RECIPE", str(ROOT / "recipes" / "default.toml")),
        "MODERATION_RETRAIN_TOLERANCE": float(
            os.environ.get("MODERATION_RETRAIN_TOLERANCE", "0.01")),
        # Decree 147/2024: harmful content is removed within 24 hours of notice. A harmful or
        # unverified item counts down from when its first copy came in.
        "MODERATION_DEADLINE_HOURS": float(os.environ.get("MODERATION_DEADLINE_HOURS", "24")),
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
