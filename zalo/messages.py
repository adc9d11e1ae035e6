"""What the OA says back: an acknowledgement when a post is received, the verdict in plain words
when reviewers decide it. Each message is a row (zalo_messages) and a `zalo.send` job, which
tries ZALO_SEND_ATTEMPTS times with a doubling back-off from ZALO_SEND_BACKOFF seconds when
Zalo cannot be reached, and records Zalo's answer — its error code too — on the row."""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.extensions import db
from core.models import as_utc, utcnow
from feed import digest
from jobs import services as jobs
from moderation.models import Action, Post
from zalo import client, vault
from zalo.models import MessageState, ZaloEvent, ZaloFollower, ZaloLink, ZaloMessage

# What the OA says, by kind; a commune may reword each one on its OA page (ZaloLink.templates).
# {unit} is the commune's name; {link} the story's public address (story only).
DEFAULTS = {
    "ack": "Cảm ơn bạn đã gửi tin cho {unit}. Cán bộ kiểm duyệt của xã sẽ xem và báo lại bạn "
           "kết quả.",
    Action.REJECT: "Tin bạn gửi có nội dung xấu độc hoặc vi phạm. Xin đừng chia sẻ tiếp.",
    Action.MARK_FALSE: "Thông tin này chưa được kiểm chứng — xin đừng chia sẻ.",
    Action.MARK_VERIFIED: "Thông tin này đã được kiểm chứng là đúng.",
    Action.APPROVE: "Cảm ơn bạn: cán bộ xã đã xem, tin này không có vấn đề.",
    "story": "Tin bạn gửi đã được {unit} đăng thành bài viết: {link}",
    "subscribed": "Bạn đã đăng ký nhận bản tin “Thông tin chính thống” của {unit}. "
                  "Nhắn “HỦY TIN” để thôi nhận.",
    "unsubscribed": "Bạn đã thôi nhận bản tin “Thông tin chính thống” của {unit}. "
                    "Nhắn “ĐĂNG KÝ TIN” để nhận lại.",
}
KIND_LABELS = {
    "ack": _l("On receipt"),
    Action.REJECT: _l("Verdict: harmful (rejected)"),
    Action.MARK_FALSE: _l("Verdict: false or unverified"),
    Action.MARK_VERIFIED: _l("Verdict: verified as true"),
    Action.APPROVE: _l("Verdict: nothing wrong"),
    "story": _l("The post became a published story"),
    "subscribed": _l("Subscribed to the digest"),
    "unsubscribed": _l("Unsubscribed from the digest"),
}
PLACEHOLDERS = {kind: ({"unit", "link"} if kind == "story" else {"unit"}) for kind in DEFAULTS}
REQUIRED = {"story": {"link"}}
TEXT_MAX = 2000  # Zalo's limit for the text of a customer-service message
SOURCE = " Nguồn chính thống: {link}"


def template(link: ZaloLink, kind: str) -> str:
    """The commune's wording of a kind of message, or the default one."""
    return (link.templates or {}).get(str(kind)) or DEFAULTS[kind]


def render(oa: ZaloLink, kind: str, **values) -> str:
    """A message of this kind for this OA, placeholders filled, within Zalo's length limit."""
    text = template(oa, kind).format(unit=oa.unit.name, **values)
    return text[:TEXT_MAX]


SEND_FACTS = {"sent": _l("Messages sent"), "attempts": _l("Attempts")}
DIGEST_FACTS = {"queued": _l("Subscribers messaged")}
DIGEST_SLACK = timedelta(hours=1)  # a cron run a little early still sends the day's digest


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
    return queue(event.link, post, event.sender_id, "ack", render(event.link, "ack"))


def verdict_text(link: ZaloLink, decision) -> str | None:
    """The verdict of a decision in plain words, or None (an escalation says nothing yet)."""
    if decision.action not in DEFAULTS:
        return None
    text = render(link, decision.action)
    if decision.link and decision.action in (Action.MARK_FALSE, Action.MARK_VERIFIED):
        text = (text + SOURCE.format(link=decision.link))[:TEXT_MAX]
    return text


def tell_senders(cluster_id: int, kind: str, text_for) -> list:
    """Queue a message to each follower who forwarded a post of the cluster (once each), with
    ``text_for(link)`` as its text (None: nothing to say); commits and starts the jobs."""
    rows = db.session.execute(
        select(ZaloEvent, Post).join(Post, Post.id == ZaloEvent.post_id)
        .where(Post.cluster_id == cluster_id, ZaloEvent.sender_id != "")
        .order_by(ZaloEvent.id)).all()
    queued, told = [], set()
    for event, post in rows:
        text = text_for(event.link)
        if text is None or (event.link_id, event.sender_id) in told:
            continue
        told.add((event.link_id, event.sender_id))
        queued.append(queue(event.link, post, event.sender_id, kind, text))
    if queued:
        db.session.commit()
        for job in queued:
            jobs.start(job)
    return queued


def on_decision(decision) -> None:
    """Hook (moderation.tasks.after_decision): tell each follower who forwarded a post of the
    decided cluster what the reviewers found."""
    tell_senders(decision.cluster_id, "verdict", lambda link: verdict_text(link, decision))


def on_published(story) -> None:
    """Hook (feed: a story was published): tell the people who forwarded its post where to read
    it, so they can share the story rather than the raw message."""
    from flask import url_for

    address = url_for("feed.story", story_id=story.id, slug=story.slug, _external=True)
    tell_senders(story.post.cluster_id, "story",
                 lambda link: render(link, "story", link=address))


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


def due_digests(now=None) -> list[ZaloLink]:
    """The OAs whose digest is due: sending is on and the last one is a period old."""
    now = now or utcnow()
    rows = db.session.scalars(select(ZaloLink).where(ZaloLink.digest_period != "off")).all()
    return [row for row in rows if row.digest_period in digest.PERIODS and (
        row.digest_sent_at is None
        or as_utc(row.digest_sent_at) <= now - digest.PERIODS[row.digest_period] + DIGEST_SLACK)]


@jobs.handler("zalo.digest", _l("Zalo digest"), DIGEST_FACTS)
def send_digest(job, progress) -> dict:
    """Send the commune's digest to the followers who subscribed (one message job each)."""
    link = db.session.get(ZaloLink, job.params["link_id"])
    if link is None or link.digest_period not in digest.PERIODS:
        return jobs.report({"queued": 0}, summary="Gửi bản tin qua Zalo đang tắt.")
    base = current_app.config["PUBLIC_URL"]
    if not base:
        raise jobs.JobFailed("Chưa đặt PUBLIC_URL (địa chỉ công khai của trang): không viết được "
                             "đường dẫn trong bản tin.")
    with current_app.test_request_context(base_url=base):
        found = digest.build(link.unit, link.digest_period)
        text = digest.text(found)[:TEXT_MAX]
    link.digest_sent_at = utcnow()
    if found.empty:
        return jobs.report({"queued": 0}, summary="Không có tin mới trong kỳ: không gửi.")
    followers = db.session.scalars(select(ZaloFollower).where(
        ZaloFollower.link_id == link.id, ZaloFollower.following, ZaloFollower.digest)).all()
    queued = [queue(link, None, row.zalo_user_id, "digest", text).id for row in followers]
    return jobs.report({"queued": len(queued)}, start_jobs=queued)
