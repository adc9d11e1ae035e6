"""The registry: officials' roster, declared accounts, canonical identities, coverage, import."""

from __future__ import annotations

import os

from flask import Flask


def init_app(app: Flask) -> None:
    """Settings, the demo seeder, the `users create --official` hook and template helpers."""
    from registry import demo, privacy, services
    from registry.identity import PLATFORM_LABELS
    from registry.schemas import (
        EVENT_FIELDS,
        EVENT_LABELS,
        KIND_LABELS,
        ROLE_LABELS,
        STATUS_LABELS,
        event_value,
    )

    app.config.setdefault("REGISTRY_VERIFY_LIMIT",
                          os.environ.get("REGISTRY_VERIFY_LIMIT", "30 per minute"))
    app.extensions.setdefault("caidep.demo_seeders", []).append(demo.seed)
    app.extensions.setdefault("caidep.user_created", []).append(services.link_user)
    app.jinja_env.globals.update(
        platform_label=lambda p: PLATFORM_LABELS.get(p, p),
        account_kind_label=lambda k: KIND_LABELS.get(k, k),
        declarant_role_label=lambda r: ROLE_LABELS.get(r, r),
        account_status_label=lambda s: STATUS_LABELS.get(s, s),
        phone_for=privacy.phone_for, identity_for=privacy.identity_for,
        platform_choices=lambda: list(PLATFORM_LABELS.items()),
        kind_choices=lambda: list(KIND_LABELS.items()),
        role_choices=lambda: list(ROLE_LABELS.items()),
        status_choices=lambda: list(STATUS_LABELS.items()),
        event_label=lambda a: EVENT_LABELS.get(a, a),
        event_field_label=lambda k: EVENT_FIELDS.get(k, k),
        event_value=event_value,
    )
