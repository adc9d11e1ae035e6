"""Linking an OA to a unit, and taking Zalo's webhook events in.

Zalo signs each event it sends: ``X-ZEvent-Signature: mac=<hex>`` where the hex is the plain
SHA-256 (not an HMAC) of ``app_id + raw body + timestamp + OA secret key``, the timestamp
being the body's ``timestamp`` (milliseconds). An event is refused, with nothing written, when
no linked OA matches its ``app_id`` and ``recipient.id``, when the signature is missing or
wrong, when its timestamp is more than ZALO_WEBHOOK_WINDOW seconds from now, or when its
``message.msg_id`` was already taken (a replay). An accepted event is stored and handed to a
job (``zalo.event``), so Zalo gets its 200 at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import time

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from core.models import Role
from core.services import ServiceError, audit, create_user, get_unit, get_user
from zalo import vault
from zalo.messages import DEFAULTS
from zalo.models import EventState, ZaloEvent, ZaloLink

SIGNATURE_HEADER = "X-ZEvent-Signature"
HANDLED = {"user_send_text", "user_send_link", "user_send_image", "user_send_file", "follow",
           "unfollow", "user_submit_info"}
_ID = re.compile(r"[0-9A-Za-z_.-]{1,40}")
log = logging.getLogger(__name__)


class Refused(Exception):
    """A webhook call that is not taken: HTTP status, machine code, Vietnamese message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def signature(app_id: str, body: bytes, timestamp: str, secret_key: str) -> str:
    """The header value Zalo sends with this body."""
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret_key.encode())
    return "mac=" + digest.hexdigest()


def link(unit_code: str, app_id: str, oa_id: str, secret_key: str | None,
         access_token: str | None = None, refresh_token: str | None = None,
         actor=None) -> ZaloLink:
    """Link (or re-link) an OA to a unit; its posts are submitted as a service user of the
    unit named ``zalo-oa-<oa id>``. Re-linking the same OA keeps a key or token not given;
    linking another OA needs its own. Flushes; the caller commits."""
    unit = get_unit(unit_code)
    if unit is None:
        raise ServiceError(f"Không có đơn vị mã '{unit_code}'.", "unit")
    for field, value in (("app-id", app_id), ("oa-id", oa_id)):
        if not _ID.fullmatch(value or ""):
            raise ServiceError(f"--{field} phải là mã Zalo gồm chữ, số, '_', '.', '-' "
                               f"(tối đa 40 ký tự).", field)
    clash = db.session.scalar(select(ZaloLink).where(ZaloLink.app_id == app_id,
                                                     ZaloLink.oa_id == oa_id))
    row = db.session.scalar(select(ZaloLink).where(ZaloLink.unit_id == unit.id))
    if clash is not None and clash is not row:
        raise ServiceError(f"OA {oa_id} đã được liên kết với đơn vị {clash.unit.code}.", "oa-id")
    same = row is not None and (row.app_id, row.oa_id) == (app_id, oa_id)
    if not secret_key and not same:
        raise ServiceError("Hãy nhập khóa bí mật của OA (--secret-key).", "secret-key")
    if secret_key and len(secret_key) < 8:
        raise ServiceError("--secret-key (khóa bí mật của OA) phải có ít nhất 8 ký tự.",
                           "secret-key")
    username = f"zalo-oa-{oa_id}".lower()[:64]
    user = get_user(username) or create_user(username, secrets.token_urlsafe(24), unit,
                                             [Role.MEMBER], full_name=f"Zalo OA {oa_id}")
    if row is None:
        row = ZaloLink(unit=unit, unit_id=unit.id, templates={})
        db.session.add(row)
    row.user, row.app_id, row.oa_id = user, app_id, oa_id
    for name, value in (("secret_key", secret_key), ("access_token", access_token),
                        ("refresh_token", refresh_token)):
        if value or not same:
            setattr(row, name, vault.seal(value) if value else None)
    db.session.flush()
    audit("zalo_linked", actor=actor, target=row, unit=unit,
          summary=f"Liên kết Zalo OA {oa_id} (ứng dụng {app_id})")
    return row


def link_of(unit) -> ZaloLink | None:
    """The OA linked to this unit, if any."""
    return db.session.scalar(select(ZaloLink).where(ZaloLink.unit_id == unit.id))


def save_templates(row: ZaloLink, wording: dict) -> None:
    """Keep the commune's wording of each message; a blank one, or the default, is not stored."""
    row.templates = {kind: text for kind, text in wording.items()
                     if text and kind in DEFAULTS and text != DEFAULTS[kind]}
    db.session.flush()


def _key(body: dict, raw: bytes) -> str:
    """The event's replay key: its message id, or a hash of the whole call."""
    message = _part(body, "message")
    msg_id = str(message.get("msg_id") or "").strip()
    return f"msg:{msg_id}"[:100] if msg_id else "sha256:" + hashlib.sha256(raw).hexdigest()


def _part(body: dict, name: str) -> dict:
    return body.get(name) if isinstance(body.get(name), dict) else {}


def _find_link(body: dict) -> ZaloLink | None:
    """The OA the event is for: ``recipient.id`` of a message, ``oa_id`` of a follow."""
    oa_id = _part(body, "recipient").get("id") or body.get("oa_id")
    return db.session.scalar(select(ZaloLink).where(
        ZaloLink.app_id == str(body.get("app_id") or ""), ZaloLink.oa_id == str(oa_id or "")))


def _sender(body: dict) -> str:
    """Who the event is from: ``sender.id`` of a message, ``follower.id`` of a follow."""
    found = (_part(body, "sender").get("id") or _part(body, "follower").get("id")
             or body.get("user_id_by_app"))
    return str(found or "")[:60]


def accept(raw: bytes, given: str | None, now: float | None = None) -> ZaloEvent:
    """Check one webhook call and store its event (flushed, not committed); Refused if not."""
    bad = Refused(401, "bad_signature", "Chữ ký sự kiện Zalo (X-ZEvent-Signature) thiếu hoặc sai.")
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "bad_json", "Nội dung sự kiện không phải JSON hợp lệ.") from None
    if not isinstance(body, dict):
        raise Refused(400, "bad_json", "Nội dung sự kiện phải là một đối tượng JSON.")
    row = _find_link(body)
    timestamp = str(body.get("timestamp") or "")
    if row is None or not given or not timestamp.isascii() or not timestamp.isdigit():
        raise bad
    try:
        expected = signature(row.app_id, raw, timestamp, vault.unseal(row.secret_key))
    except vault.VaultError as error:
        log.error("Zalo link %s: %s", row.oa_id, error)
        raise Refused(503, "link_unreadable", str(error)) from None
    if not hmac.compare_digest(expected.encode(), given.strip().encode()):
        raise bad
    now = time.time() if now is None else now
    if abs(now - int(timestamp) / 1000) > current_app.config["ZALO_WEBHOOK_WINDOW"]:
        raise Refused(401, "stale_request",
                      "Sự kiện Zalo đã quá cũ (hoặc đồng hồ của máy chủ bị lệch).")
    name = str(body.get("event_name") or "")[:60]
    event = ZaloEvent(link=row, link_id=row.id, key=_key(body, raw), name=name,
                      sender_id=_sender(body),
                      body=body, state=EventState.QUEUED if name in HANDLED else EventState.IGNORED,
                      note="" if name in HANDLED else "Loại sự kiện không xử lý; đã ghi lại.")
    try:
        with db.session.begin_nested():
            db.session.add(event)
    except IntegrityError:
        raise Refused(409, "replay", "Sự kiện này đã được nhận (gửi lại).") from None
    return event
