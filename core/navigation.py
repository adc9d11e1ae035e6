"""The navigation menu, by role; entries appear once their job registers the endpoint."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from core.models import Role

PUBLIC = "public"
USER = "user"

# (endpoint, label, who sees it)
NAV = [
    ("feed.index", _l("Good stories"), PUBLIC),
    ("registry.verify", _l("Check an account"), PUBLIC),
    ("registry.my_accounts", _l("My accounts"), USER),
    ("moderation.submit", _l("Submit a post"), USER),
    ("moderation.queue", _l("Review queue"), Role.REVIEWER),
    ("feed.manage", _l("Stories"), Role.REVIEWER),
    ("moderation.stats_page", _l("Statistics"), Role.REVIEWER),
    ("moderation.search_page", _l("Search"), USER),
    ("registry.roster", _l("Roster"), Role.UNIT_ADMIN),
    ("registry.coverage", _l("Coverage"), Role.UNIT_ADMIN),
    ("zalo.oa", _l("Zalo OA"), Role.UNIT_ADMIN),
    ("core.audit_log", _l("Audit log"), Role.UNIT_ADMIN),
    ("moderation.models", _l("Models"), Role.ADMIN),
    ("jobs.index", _l("Jobs"), USER),
]


def _visible(audience: str) -> bool:
    if audience == PUBLIC:
        return True
    if not current_user.is_authenticated:
        return False
    return audience == USER or current_user.has_role(audience)


def nav_items() -> list[dict]:
    """The menu entries this visitor may use, with the current one marked."""
    items = []
    for endpoint, label, audience in NAV:
        if endpoint in current_app.view_functions and _visible(audience):
            items.append({"endpoint": endpoint, "label": label,
                          "active": request.endpoint == endpoint})
    return items


def init_app(app: Flask) -> None:
    """Make the menu available to every template."""
    app.context_processor(lambda: {"nav_items": nav_items})
