"""Factories for feed tests: approved posts made through moderation's real intake and decision
services (with a given prediction, so no model is needed), pictures, and stories."""

from __future__ import annotations

import io
import itertools
import secrets

from PIL import Image

from core.extensions import db
from core.services import get_user
from feed import services
from feed.models import Story
from moderation.images import upload_path
from moderation.models import Channel, Post, PostImage, PostStatus

_seq = itertools.count(1)

GOOD_TEXT = ("Thanh niên Bản Sam Quang trồng xong hai nghìn cây keo trên đồi trọc. Cả bản cùng "
             "chăm cây qua mùa khô. Năm năm nữa đồi sẽ xanh trở lại.")
XSS = '<script>alert(1)</script> "><img src=x onerror=alert(1)>'


def _prediction(label: str) -> dict:
    scores = {"harmful": 0.02, "unverified": 0.03, "positive": 0.95}
    if label != "positive":
        scores = {"harmful": 0.9, "unverified": 0.1, "positive": 0.05}
    return {"label": label, "scores": scores, "explanation": [], "model_version": None}


def _unique_text() -> str:
    """Readable, and different enough from every other post not to join its cluster."""
    words = " ".join(secrets.token_hex(3) for _ in range(16))
    return f"Tin vui số {next(_seq)} của bản. Bà con kể lại: {words}."


def make_post(text: str | None = None, unit: str = "ban-sam-quang", label: str = "positive",
              approve: bool = True, reviewer: str = "kiemduyet.xa",
              submitter: str = "quantri.xa") -> Post:
    """A post through intake (queued as a story candidate or flagged), approved if asked."""
    from moderation.services import intake, review

    text = text or _unique_text()
    post = intake.submit({"text": text, "unit": unit}, get_user(submitter), Channel.FORM,
                         prediction=_prediction(label), predicted=True)
    if approve and post.status != PostStatus.APPROVED:  # a near-copy inherits the decision
        review.decide(post, get_user(reviewer), "approve",
                      "story" if label == "positive" else "fine")
    db.session.commit()
    return post


def add_image(post: Post, size=(640, 360)) -> PostImage:
    """A real PNG file under the uploads folder, attached to the post."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 40, 30)).save(buffer, "PNG")
    name = f"{secrets.token_hex(16)}.png"
    path = upload_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    image = PostImage(post=post, position=len(post.images), filename=name,
                      content_type="image/png", width=size[0], height=size[1],
                      size_bytes=len(buffer.getvalue()))
    db.session.add(image)
    db.session.commit()
    return image


def make_story(post: Post | None = None, publish: bool = True, by: str = "kiemduyet.xa",
               **fields) -> Story:
    """A story from an approved positive post (a new one by default), published if asked."""
    post = post or make_post()
    user = get_user(by)
    story = services.create_story(post, user, fields)
    if publish:
        services.publish(story, user)
    db.session.commit()
    return story


def demo_story(published: bool = True) -> Story:
    """A story of the demo commune (feed.demo): a published one, or the draft."""
    from sqlalchemy import select

    from feed.demo import POSTS

    text = next(text for _, text, _, public in POSTS if public == published)
    return db.session.scalar(select(Story).join(Post).where(Post.text == text))
