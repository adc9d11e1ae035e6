"""Stories: make one from an approved positive post, edit, publish, withdraw; the lists.

Services add and flush; views and the API commit. Every change is written to the audit log.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, select

from core.extensions import db
from core.models import VN_OFFSET, Unit, User, as_utc, utcnow
from core.scoping import in_scope, scoped, subtree_ids
from core.services import ServiceError, ancestors, audit
from feed import text
from feed.models import Story, StoryStatus, StoryTag
from moderation.models import Label, Post, PostStatus


def check_post(post: Post) -> None:
    """Refuse a post that was not approved, or not as positive (409 / 422 in the API)."""
    if post.status != PostStatus.APPROVED:
        raise ServiceError(_("Only an approved post can become a story; this post has not been "
                             "approved."), "post_id", "not_approved")
    if post.label != Label.POSITIVE:
        raise ServiceError(_("Only a post classified as positive can become a story."),
                           "post_id", "not_positive")


def story_of(post: Post) -> Story | None:
    """The story already made from this post, if any."""
    return db.session.scalar(select(Story).where(Story.post_id == post.id))


def suggestions(post: Post) -> dict:
    """What the form starts with: title from the first sentence, summary, text, first image."""
    return {"title": text.suggest_title(post.text), "summary": text.suggest_summary(post.text),
            "body": text.xml_safe(post.text).strip(), "tags": [], "unit": post.unit.code,
            "image_id": post.images[0].id if post.images else None}


def unit_choices(user: User, post: Post) -> list[Unit]:
    """A story belongs to its post's unit or to a unit above it, inside the reviewer's subtree."""
    return [unit for unit in [*ancestors(post.unit), post.unit] if in_scope(user, unit)]


def create_story(post: Post, user: User, data: dict) -> Story:
    """A draft from an approved positive post; missing fields are suggested from the post."""
    check_post(post)
    if story_of(post) is not None:
        raise ServiceError(_("This post already has a story."), "post_id", "story_exists")
    values = {**suggestions(post), **{k: v for k, v in data.items() if v not in (None, "")}}
    story = Story(post=post, created_by=user, status=StoryStatus.DRAFT, unit=post.unit)
    _apply(story, user, values)
    db.session.add(story)
    db.session.flush()
    audit("story_created", actor=user, target=story, unit=story.unit,
          summary=f"Tạo bài: {story.title}", post_id=post.id)
    return story


def update_story(story: Story, user: User, data: dict) -> Story:
    """Change what the reviewer edited; a published story changes in the feeds too."""
    _apply(story, user, data)
    story.updated_at = utcnow()
    db.session.flush()
    audit("story_updated", actor=user, target=story, unit=story.unit,
          summary=f"Sửa bài: {story.title}", status=story.status)
    return story


def _apply(story: Story, user: User, values: dict) -> None:
    post = story.post
    for name in ("title", "summary", "body"):
        if values.get(name) is not None:
            setattr(story, name, text.xml_safe(values[name]).strip())
    story.tags = values.get("tags") or []
    code = values.get("unit")
    if code:
        chosen = [unit for unit in unit_choices(user, post) if unit.code == code]
        if not chosen:
            raise ServiceError(_("Choose the post's unit or a unit above it."), "unit")
        story.unit = chosen[0]
    image_id = values.get("image_id")
    if image_id is not None and image_id not in {image.id for image in post.images}:
        raise ServiceError(_("Choose one of the post's images."), "image_id")
    story.image_id = image_id


def publish(story: Story, user: User) -> Story:
    """Draft (or withdrawn) → published; the post must still be approved and positive."""
    if story.status == StoryStatus.PUBLISHED:
        raise ServiceError(_("This story is already published."), None, "conflict")
    check_post(story.post)
    now = utcnow()
    story.status = StoryStatus.PUBLISHED
    story.published_at = story.published_at or now
    story.withdrawn_at = None
    story.updated_at = now
    db.session.flush()
    audit("story_published", actor=user, target=story, unit=story.unit,
          summary=f"Đăng bài: {story.title}")
    return story


PUBLISHED_HOOKS = "caidep.published"


def after_published(story: Story) -> None:
    """What follows a committed publication: the other packages' reactions
    (``app.extensions["caidep.published"]``, e.g. the Zalo OA telling whoever forwarded the post
    where its story is)."""
    for hook in current_app.extensions.get(PUBLISHED_HOOKS, []):
        hook(story)


def withdraw(story: Story, user: User | None, reason: str = "") -> Story:
    """Published → withdrawn: the story leaves the public pages and the feeds."""
    if story.status != StoryStatus.PUBLISHED:
        raise ServiceError(_("Only a published story can be withdrawn."), None, "conflict")
    now = utcnow()
    story.status = StoryStatus.WITHDRAWN
    story.withdrawn_at = now
    story.updated_at = now
    db.session.flush()
    audit("story_withdrawn", actor=user, target=story, unit=story.unit,
          summary=f"Gỡ bài: {story.title}" + (f" ({reason})" if reason else ""))
    return story


def withdraw_for_post(post: Post, actor: User | None, reason: str = "") -> Story | None:
    """For moderation: when a post's approval is undone, its published story is withdrawn."""
    story = story_of(post)
    if story is not None and story.status == StoryStatus.PUBLISHED:
        return withdraw(story, actor, reason)
    return story


def public_stories(unit: Unit | None = None, tag: str | None = None) -> Select:
    """Published stories, newest first; of a unit's subtree and of a tag if given."""
    stmt = select(Story).where(Story.status == StoryStatus.PUBLISHED)
    if unit is not None:
        stmt = stmt.where(Story.unit_id.in_(subtree_ids(unit)))
    if tag is not None:
        stmt = stmt.where(exists().where(StoryTag.story_id == Story.id, StoryTag.tag == tag))
    return stmt.order_by(Story.published_at.desc(), Story.id.desc())


def managed_stories(user: User, status: str, within: Unit | None = None) -> Select:
    """The reviewer's stories of one status (their subtree only), latest change first."""
    stmt = scoped(select(Story), Story.unit_id, user, within=within)
    return stmt.where(Story.status == status).order_by(Story.updated_at.desc(), Story.id.desc())


def candidate_posts(user: User, limit: int = 20) -> list[Post]:
    """Approved positive posts of the reviewer's subtree that have no story yet."""
    stmt = scoped(select(Post), Post.unit_id, user).where(
        Post.status == PostStatus.APPROVED, Post.label == Label.POSITIVE,
        ~exists().where(Story.post_id == Post.id))
    return list(db.session.scalars(stmt.order_by(Post.decided_at.desc(), Post.id.desc())
                                   .limit(limit)))


def feed_scope_changed_at(unit: Unit | None = None):
    """The latest change to any story that is or was public in this scope (for Last-Modified).

    Withdrawn stories count: a withdrawal changes the feed, so the time must move forward.
    """
    stmt = select(func.max(Story.updated_at)).where(
        Story.status.in_([StoryStatus.PUBLISHED, StoryStatus.WITHDRAWN]))
    if unit is not None:
        stmt = stmt.where(Story.unit_id.in_(subtree_ids(unit)))
    return db.session.scalar(stmt)



def stories_per_week(_app, unit: Unit, now, weeks: int) -> dict:
    """Stories of the unit's subtree published in each of the last ``weeks`` weeks (oldest
    first; the stats page's receiver of moderation's ``collecting`` signal)."""
    start = now - timedelta(weeks=weeks)
    moments = db.session.scalars(select(Story.published_at).where(
        Story.status == StoryStatus.PUBLISHED, Story.published_at > start,
        Story.unit_id.in_(subtree_ids(unit)))).all()
    counts = [0] * weeks
    for moment in moments:
        counts[min(weeks - 1, int((as_utc(moment) - start) / timedelta(weeks=1)))] += 1
    return {"stories_per_week": [
        {"week_end": (now - timedelta(weeks=weeks - 1 - k) + VN_OFFSET).date().isoformat(),
         "stories": counts[k]} for k in range(weeks)]}
