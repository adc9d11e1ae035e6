"""The work behind an accepted Zalo event, on the job queue: a text, a link or an image becomes a
post through the one `intake.submit` path (channel ``zalo``, the OA's unit), its sender matched
to the registry (zalo.senders); follow and unfollow keep the follower list; a shared phone
number matches the follower to a declared account; "ĐĂNG KÝ TIN" / "HỦY TIN" subscribe to the
digest instead of becoming posts; a file is refused politely."""

from __future__ import annotations

import io
import urllib.request
from urllib.error import URLError

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from core.extensions import db
from core.services import ServiceError
from jobs import services as jobs
from moderation import images
from moderation.models import Channel
from moderation.services import intake
from zalo import messages, senders
from zalo.models import EventState, ZaloEvent

FACTS = {"posts": _l("Posts written"), "refused": _l("Messages refused")}
DOWNLOAD_SECONDS = 15
IMAGE_ONLY = "(Ảnh gửi qua Zalo OA, không kèm lời)"


def _attachment(body: dict) -> dict:
    items = (body.get("message") or {}).get("attachments") or []
    first = items[0] if items and isinstance(items[0], dict) else {}
    return {"type": first.get("type"), **(first.get("payload") or {})}


def _download(url: str) -> FileStorage:
    """The image Zalo points at, read through the same size limit as uploads."""
    if not str(url).startswith(("https://", "http://")):
        raise ServiceError("Ảnh gửi qua Zalo không có đường dẫn tải về.", "images")
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_SECONDS) as answer:  # noqa: S310
            data = answer.read(images.MAX_BYTES + 1)
    except (URLError, OSError, ValueError) as error:
        raise ServiceError(f"Không tải được ảnh từ Zalo ({error}).", "images") from None
    return FileStorage(io.BytesIO(data), filename="ảnh gửi qua Zalo")


def _post_data(event: ZaloEvent) -> tuple[dict, list]:
    """The post's fields and its images (uploads) from a message event."""
    message = event.body.get("message") or {}
    text = str(message.get("text") or "").strip()
    extra = _attachment(event.body)
    data = {"platform": "zalo",
            "reporter": senders.describe(senders.account_of(event), event.sender_id)}
    uploads = []
    if event.name == "user_send_link":
        data["url"] = str(extra.get("url") or "")[:2000] or None
        text = text or " — ".join(str(extra[k]) for k in ("title", "description") if extra.get(k))
        text = text or (data["url"] or "")
    elif event.name == "user_send_image":
        uploads = [_download(extra.get("url") or extra.get("thumbnail") or "")]
        text = text or IMAGE_ONLY
    if not text:
        raise ServiceError("Tin nhắn Zalo không có nội dung.", "text")
    data["text"] = text[:10000]
    return data, uploads


def _text(event: ZaloEvent) -> str:
    return str((event.body.get("message") or {}).get("text") or "")


def _subscription(event: ZaloEvent, wanted: str) -> dict:
    """The follower asked for (or stopped) the digest: record it and say so."""
    follower = senders.follower(event.link_id, event.sender_id)
    follower.digest = wanted == "subscribe"
    event.state = EventState.DONE
    kind = "subscribed" if follower.digest else "unsubscribed"
    notice = messages.queue(event.link, None, event.sender_id, "notice",
                            messages.render(event.link, kind))
    return jobs.report({"posts": 0, "refused": 0}, start_jobs=[notice.id])


@jobs.handler("zalo.event", _l("Zalo event"), FACTS, again=True)
def handle_event(job, progress) -> dict:
    """Turn one accepted event into what it asks for (see the module docstring)."""
    event = db.session.get(ZaloEvent, job.params["event_id"])
    if event is None or event.state != EventState.QUEUED:
        return jobs.report({"posts": 0, "refused": 0}, summary="Sự kiện đã được xử lý trước đó.")
    if not event.sender_id:
        event.state, event.note = EventState.REFUSED, "Sự kiện không cho biết người gửi."
        return jobs.report({"posts": 0, "refused": 1}, summary=event.note)
    if event.name in ("follow", "unfollow", "user_submit_info"):
        if event.name == "user_submit_info":
            senders.shared_info(event)
        else:
            senders.follower(event.link_id, event.sender_id).following = event.name == "follow"
        event.state = EventState.DONE
        return jobs.report({"posts": 0, "refused": 0})
    wanted = senders.command(_text(event)) if event.name == "user_send_text" else None
    if wanted:
        return _subscription(event, wanted)
    if event.name == "user_send_file":
        event.state, event.note = EventState.REFUSED, "Cái Đẹp chưa nhận tệp đính kèm qua Zalo."
        return jobs.report({"posts": 0, "refused": 1}, summary=event.note)
    link = event.link
    try:
        with images.files_rolled_back(), db.session.begin_nested():
            data, uploads = _post_data(event)
            post = intake.submit(data, link.user, Channel.ZALO, images.clean_all(uploads),
                                 unit=link.unit)
    except ServiceError as error:
        event.state, event.note = EventState.REFUSED, str(error)
        return jobs.report({"posts": 0, "refused": 1}, summary=event.note)
    event.state, event.post_id = EventState.DONE, post.id
    ack = messages.acknowledge(event, post)
    return jobs.report({"posts": 1, "refused": 0}, post_id=post.id, start_jobs=[ack.id])
