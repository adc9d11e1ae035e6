"""The chat-bot webhook: HMAC-SHA256 over "timestamp.body", a replay window, one use per call.

`POST /api/v1/webhooks/chatbot`, body (JSON, UTF-8) — the fields of `POST /api/v1/posts`:

    {"text": "…",                     required, ≤ 10,000 characters
     "url": "https://…",              optional: link to the post or its source
     "platform": "zalo",              optional: facebook|zalo|tiktok|youtube|x|instagram|telegram|other
     "account_id": 12,                optional: the registry group it was seen in
     "unit": "ban-mat",               optional: default the bot user's unit
     "author": "…",                   optional: who wrote it
     "seen_at": "2026-11-24T20:00:00+07:00",
     "reporter": "Lò Văn A (Zalo)"}   optional: who forwarded it to the bot

Answer: 201 with the post (as `POST /api/v1/posts`), or an error in the API's shape.
Headers:

    X-Caidep-Timestamp: 1764037800                  Unix seconds when the bot sent the call
    X-Caidep-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>

A call is refused when the signature does not match (401), when its timestamp is more than
MODERATION_WEBHOOK_WINDOW seconds away from now (401), or when the same signed call was
already accepted (409: a replay). Accepted signatures are stored with a unique constraint, so
two copies of one call racing each other cannot both get in.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from datetime import UTC, datetime

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import select

from core.errors import ApiError
from core.extensions import db
from core.services import get_user
from moderation.models import WebhookDelivery

_SECONDS = re.compile(r"[0-9]{1,20}")  # ASCII digits only: str.isdigit also takes "²"
TIMESTAMP_HEADER = "X-Caidep-Timestamp"
SIGNATURE_HEADER = "X-Caidep-Signature"
log = logging.getLogger(__name__)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value a sender computes."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def bot_user():
    """The user the bot submits as (config MODERATION_WEBHOOK_USER); 503 if not configured."""
    config = current_app.config
    user = get_user(config.get("MODERATION_WEBHOOK_USER") or "")
    if not config.get("MODERATION_WEBHOOK_SECRET") or user is None or not user.active:
        raise ApiError(503, "webhook_disabled", _("The webhook is not configured on this server."))
    return user


def verify(headers, body: bytes, now: datetime | None = None) -> tuple[str, datetime]:
    """Check signature and freshness; returns (signature digest, sent time) or raises 401/409."""
    config = current_app.config
    raw_ts = (headers.get(TIMESTAMP_HEADER) or "").strip()
    given = (headers.get(SIGNATURE_HEADER) or "").strip()
    bad = ApiError(401, "bad_signature", _("The webhook signature is missing or wrong."))
    if not _SECONDS.fullmatch(raw_ts) or not given.startswith("sha256="):
        raise _refused(bad)
    expected = sign(config["MODERATION_WEBHOOK_SECRET"], raw_ts, body)
    if not hmac.compare_digest(expected, given):
        raise _refused(bad)
    now = now or datetime.now(UTC)
    # Compared as numbers first: a far-off timestamp is no date at all.
    if abs(now.timestamp() - int(raw_ts)) > config["MODERATION_WEBHOOK_WINDOW"]:
        raise _refused(ApiError(401, "stale_request",
                                _("The webhook call is too old (or its clock is wrong).")))
    sent = datetime.fromtimestamp(int(raw_ts), UTC)
    digest = expected.removeprefix("sha256=")
    if db.session.scalar(select(WebhookDelivery.id).where(WebhookDelivery.signature == digest)):
        raise _refused(ApiError(409, "replayed", _("This webhook call was already received.")))
    return digest, sent


def _refused(error: ApiError) -> ApiError:
    """Refused calls write nothing to the database; the log keeps a trace for operators."""
    log.warning("Webhook refused (%s) from %s", error.error_code,
                request.remote_addr if has_request_context() else "?")
    return error


def record(digest: str, sent: datetime, post) -> None:
    """Remember the accepted call (same transaction as the post)."""
    db.session.add(WebhookDelivery(signature=digest, sent_at=sent, post_id=post.id))
