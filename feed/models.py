"""Stories: approved positive posts made into short pieces for the public pages and the feeds."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import db
from core.models import Unit, User, utcnow
from feed.text import slugify
from moderation.models import Post, PostImage


class StoryStatus(enum.StrEnum):
    """A story is drafted, then published, and may be withdrawn (and published again)."""

    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class Tag(enum.StrEnum):
    """The fixed list of topics; slugs are stored and appear in URLs, names are shown."""

    PRODUCTION = "san-xuat"
    CULTURE = "van-hoa"
    GOOD_PEOPLE = "guong-nguoi-tot"
    PARTY_BUILDING = "xay-dung-dang"
    NEW_RURAL = "nong-thon-moi"
    SECURITY_DEFENCE = "an-ninh-quoc-phong"
    HEALTH_EDUCATION = "y-te-giao-duc"


TAG_LABELS = {
    Tag.PRODUCTION: _l("Production"),
    Tag.CULTURE: _l("Culture"),
    Tag.GOOD_PEOPLE: _l("Good people"),
    Tag.PARTY_BUILDING: _l("Party building"),
    Tag.NEW_RURAL: _l("New countryside"),
    Tag.SECURITY_DEFENCE: _l("Security and defence"),
    Tag.HEALTH_EDUCATION: _l("Health and education"),
}
STATUS_LABELS = {
    StoryStatus.DRAFT: _l("Draft"),
    StoryStatus.PUBLISHED: _l("Published"),
    StoryStatus.WITHDRAWN: _l("Withdrawn"),
}


class Story(db.Model):
    """One story, made from one approved positive post."""

    __tablename__ = "stories"
    __table_args__ = (
        # The public list and the feeds: published stories, newest first (all, or of a subtree).
        Index("ix_stories_status_published_at", "status", "published_at"),
        Index("ix_stories_unit_id_status_published_at", "unit_id", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(400), default="")
    body: Mapped[str] = mapped_column(Text)
    image_id: Mapped[int | None] = mapped_column(ForeignKey("post_images.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default=StoryStatus.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    post: Mapped[Post] = relationship()
    unit: Mapped[Unit] = relationship()
    image: Mapped[PostImage | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    tag_rows: Mapped[list[StoryTag]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="StoryTag.tag")

    @property
    def tags(self) -> list[str]:
        """The story's tag slugs, in the order of the fixed list."""
        chosen = {row.tag for row in self.tag_rows}
        return [tag.value for tag in Tag if tag in chosen]

    @tags.setter
    def tags(self, slugs) -> None:
        wanted = [tag.value for tag in Tag if tag in set(slugs or ())]
        kept = [row for row in self.tag_rows if row.tag in wanted]
        have = {row.tag for row in kept}
        self.tag_rows = kept + [StoryTag(tag=slug) for slug in wanted if slug not in have]

    @property
    def slug(self) -> str:
        """The title in ASCII for the story's URL (it may change; the id is what counts)."""
        return slugify(self.title)

    @property
    def is_public(self) -> bool:
        return self.status == StoryStatus.PUBLISHED

    def __repr__(self) -> str:
        return f"<Story {self.id} {self.status}>"


class StoryTag(db.Model):
    """One topic of one story (a row per tag, so a tag's list is one indexed query)."""

    __tablename__ = "story_tags"

    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"),
                                          primary_key=True)
    tag: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
