"""What the OA says back: an acknowledgement when a post is received, the verdict in plain words
when reviewers decide it. Each message is a row (zalo_messages) and a `zalo.send` job, which
tries ZALO_SEND_ATTEMPTS times with a doubling back-off from ZALO_SEND_BACKOFF seconds when
Zalo cannot be reached, and records Zalo's answer — its error code too — on the row."""

from __future__ import annotations

import time

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.extensions import db
from core.models import utcnow
from jobs import services as jobs
from moderation.models import Action, Post
from zalo import client, vault
from zalo.models import MessageState, ZaloEvent, ZaloLink, ZaloMessage

ACK = ("Cảm ơn bạn đã gửi tin cho {unit}. Cán bộ kiểm duyệt của xã sẽ xem và báo lại bạn "
       "kết quả.")
VERDICTS = {
    Action.REJECT: "Tin bạn gửi có nội dung xấu độc hoặc vi phạm. Xin đừng chia sẻ tiếp.",
    Action.MARK_FALSE: "Thông tin này chưa được kiểm chứng — xin đừng chia sẻ.",
    Action.MARK_VERIFIED: "Thông tin này đã được kiểm chứng là đúng.",
    Action.APPROVE: "Cảm ơn bạn: cán bộ xã đã xem, tin này không có vấn đề.",
}
SOURCE = " Nguồn chính thống: {link}"
SEND_FACTS = {"sent": _l("Messages sent"), "attempts": _l("Attempts")}


def queue(link: ZaloLink, post: Post | None, user_id: str, kind: str, text: str):
    """Add the message and its job (flushed, not committed: start the job after the commit)."""
    message = ZaloMessage(link=link, link_id=link.id, post_id=post.id if post else None,
                          zalo_user_id=user_id, kind=kind, text=text)
    db.session.add(message)
    db.session.flush()
    return jobs.create("zalo.send", None, link.unit, f"Zalo: {kind}",
                       params={"message_id": message.id})


def acknowledge(event: ZaloEvent, post: Post):
    """The acknowledgement of a post that came in through the OA (its job, to start)."""
    return queue(event.link, post, event.sender_id, "ack", ACK.format(unit=event.link.unit.name))


def verdict_text(decision) -> str | None:
    """The verdict of a decision in plain words, or None (an escalation says nothing yet)."""
    text = VERDICTS.get(decision.action)
    if text and decision.link and decision.action in (Action.MARK_FALSE, Action.MARK_VERIFIED):
        text += SOURCE.format(link=decision.link)
    return text


def on_decision(decision) -> None:
    """Hook (moderation.tasks.after_decision): tell each follower who forwarded a post of the
    decided cluster what the reviewers found."""
    text = verdict_text(decision)
    if text is None:
        return
    rows = db.session.execute(
        select(ZaloEvent, Post).join(Post, Post.id == ZaloEvent.post_id)
        .where(Post.cluster_id == decision.cluster_id, ZaloEvent.sender_id != "")).all()
    queued, told = [], set()
    for event, post in rows:
        if (event.link_id, event.sender_id) in told:
            continue
        told.add((event.link_id, event.sender_id))
        queued.append(queue(event.link, post, event.sender_id, "verdict", text))
    if queued:
        db.session.commit()
        for job in queued:
            jobs.start(job)


@jobs.handler("zalo.send", _l("Zalo message"), SEND_FACTS)
def send(job, progress) -> dict:
    """Send one message, with retries when Zalo cannot be reached; the row keeps the result."""
    message = db.session.get(ZaloMessage, job.params["message_id"])
    if message is None or message.state != MessageState.QUEUED:
        return jobs.report({"sent": 0, "attempts": 0})
    config = current_app.config
    tries, delay = max(1, config["ZALO_SEND_ATTEMPTS"]), config["ZALO_SEND_BACKOFF"]
    link, attempt = message.link, 0
    while True:
        attempt += 1
        try:
            answer = client.send_text(link, message.zalo_user_id, message.text)
            break
        except vault.VaultError as error:  # SECRET_KEY changed: no use trying again
            message.attempts, message.state = attempt, MessageState.FAILED
            message.answer = {"problem": str(error)}
            return jobs.report({"sent": 0, "attempts": attempt}, summary=str(error))
        except client.ZaloError as error:
            if not error.transient or attempt >= tries:
                message.attempts, message.state = attempt, MessageState.FAILED
                message.error_code = error.code or None
                message.answer = {**error.answer, "problem": error.message}
                return jobs.report({"sent": 0, "attempts": attempt}, summary=error.message)
            time.sleep(delay * 2 ** (attempt - 1))
    message.attempts, message.answer = attempt, answer
    message.state, message.sent_at = MessageState.SENT, utcnow()
    return jobs.report({"sent": 1, "attempts": attempt})
