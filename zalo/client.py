"""Calls to Zalo's OA open API: a customer-service message (v3), and refreshing the access
token (v4 OAuth). Every URL starts at ZALO_OPENAPI_URL / ZALO_OAUTH_URL, so tests talk to a
local fake server.

A refresh token works once. Before refreshing, the link's row is locked by an UPDATE (a row lock
on PostgreSQL, the write lock on SQLite) and the token read again: a worker that waited for
another's refresh finds a new access token and uses it, so two workers never spend the same
refresh token.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from urllib.error import HTTPError, URLError

from flask import current_app
from sqlalchemy import select, update

from core.extensions import db
from core.models import utcnow
from zalo import vault
from zalo.models import ZaloLink

TIMEOUT = 15
# Zalo's codes for an access token that is invalid or expired
EXPIRED = {-216, -124}
ERRORS = {
    -216: "Access token của OA không hợp lệ hoặc đã hết hạn.",
    -124: "Access token của OA đã hết hạn.",
    -213: "Người dùng chưa quan tâm OA.",
    -230: "Người dùng không tương tác với OA trong 7 ngày qua: Zalo không cho gửi tin tư vấn.",
    -14003: "Refresh token không hợp lệ hoặc đã được dùng.",
}


class ZaloError(Exception):
    """Zalo answered with an error (``code`` is Zalo's, 0 for a network or HTTP failure)."""

    def __init__(self, code: int, message: str, answer: dict | None = None):
        super().__init__(message)
        self.code, self.message, self.answer = code, message, answer or {}

    @property
    def transient(self) -> bool:
        """Worth trying again later (the network, or Zalo's side)."""
        return self.code == 0


def _call(url: str, headers: dict, data: bytes) -> dict:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310
            body = json.loads(answer.read().decode("utf-8") or "{}")
    except HTTPError as error:
        raise ZaloError(0, f"Zalo trả lời HTTP {error.code}.") from None
    except (URLError, OSError, ValueError) as error:
        raise ZaloError(0, f"Không gọi được Zalo ({error}).") from None
    code = int(body.get("error") or 0) if isinstance(body, dict) else 0
    if code:
        text = ERRORS.get(code) or str(body.get("message") or "")
        raise ZaloError(code, f"Zalo báo lỗi {code}: {text}", body)
    return body


def send_text(link: ZaloLink, user_id: str, text: str) -> dict:
    """Send a customer-service text to one follower; Zalo's answer, or ZaloError. An expired
    access token is refreshed once and the message sent again."""
    body = json.dumps({"recipient": {"user_id": user_id}, "message": {"text": text}},
                      ensure_ascii=False).encode()
    url = current_app.config["ZALO_OPENAPI_URL"].rstrip("/") + "/v3.0/oa/message/cs"

    def attempt(token: str) -> dict:
        return _call(url, {"access_token": token, "Content-Type": "application/json"}, body)

    token = vault.unseal(link.access_token) if link.access_token else ""
    try:
        return attempt(token)
    except ZaloError as error:
        if error.code not in EXPIRED or not link.refresh_token:
            raise
    return attempt(refresh(link.id, token))


def refresh(link_id: int, stale: str) -> str:
    """A fresh access token for the link, in place of ``stale``; refreshes at most once however
    many workers ask together. Runs in a transaction of its own, committed at once: a spent
    refresh token must never be rolled back with the caller's work."""
    table = ZaloLink.__table__
    with db.engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == link_id).values(updated_at=utcnow()))
        row = conn.execute(select(table.c.app_id, table.c.secret_key, table.c.access_token,
                                  table.c.refresh_token).where(table.c.id == link_id)).one()
        current = vault.unseal(row.access_token) if row.access_token else ""
        if current and current != stale:  # another worker refreshed while this one waited
            return current
        if not row.refresh_token:
            raise ZaloError(-216, "OA chưa có refresh token: hãy liên kết lại (flask zalo link).")
        url = current_app.config["ZALO_OAUTH_URL"].rstrip("/") + "/v4/oa/access_token"
        form = urllib.parse.urlencode({"app_id": row.app_id, "grant_type": "refresh_token",
                                       "refresh_token": vault.unseal(row.refresh_token)}).encode()
        answer = _call(url, {"secret_key": vault.unseal(row.secret_key),
                             "Content-Type": "application/x-www-form-urlencoded"}, form)
        if not answer.get("access_token") or not answer.get("refresh_token"):
            raise ZaloError(-14003, "Zalo không trả về token mới.", answer)
        conn.execute(update(table).where(table.c.id == link_id).values(
            access_token=vault.seal(answer["access_token"]),
            refresh_token=vault.seal(answer["refresh_token"])))
    db.session.expire_all()
    return answer["access_token"]
