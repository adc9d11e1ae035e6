"""Who may make and edit stories: reviewers, inside their subtree."""

from __future__ import annotations

from core.models import Role, User
from core.permissions import can_review_unit
from core.scoping import in_scope
from feed.models import Story
from moderation.models import Post


def can_make_story(user: User, post: Post) -> bool:
    """Reviewers of the post's unit make stories from its approved positive posts."""
    return can_review_unit(user, post.unit)


def can_edit_story(user: User | None, story: Story) -> bool:
    """Reviewers of the story's unit edit, publish and withdraw it."""
    return (user is not None and getattr(user, "is_authenticated", True)
            and user.has_role(Role.REVIEWER) and in_scope(user, story.unit))
