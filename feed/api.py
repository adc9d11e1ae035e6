"""Stories API (SPEC §6): create a draft from an approved positive post, publish, withdraw."""

from __future__ import annotations

from flask_smorest import Blueprint

from core.errors import ApiError
from core.extensions import db
from core.models import Role
from core.permissions import api_auth, current_api_user
from core.scoping import get_in_scope_or_404
from core.services import ServiceError
from feed import services
from feed.models import Story
from feed.permissions import can_edit_story, can_make_story
from feed.schemas import StoryCreateSchema, StorySchema, StoryStateSchema
from moderation.models import Post

blp = Blueprint("feed_api", __name__, url_prefix="/api/v1", description="Curated stories")

STATUS_FOR = {"not_approved": 409, "story_exists": 409, "conflict": 409, "not_positive": 422}


def _fail(error: ServiceError):
    db.session.rollback()
    status = STATUS_FOR.get(error.code, 422)
    fields = {error.field: [error.message]} if error.field else {}
    raise ApiError(status, error.code, error.message, fields) from None


def _story_or_404(story_id: int) -> Story:
    user = current_api_user()
    story = get_in_scope_or_404(Story, story_id, user)
    if not can_edit_story(user, story):
        raise ApiError(404)
    return story


@blp.route("/stories", methods=["POST"])
@api_auth(Role.REVIEWER)
@blp.arguments(StoryCreateSchema)
@blp.response(201, StorySchema)
def create_story(data):
    """A draft story from an approved positive post (409 if not approved or already made,
    422 if not positive)."""
    user = current_api_user()
    post = get_in_scope_or_404(Post, data.pop("post_id"), user)
    if not can_make_story(user, post):
        raise ApiError(404)
    try:
        story = services.create_story(post, user, data)
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    return story


@blp.route("/stories/<int:story_id>")
@api_auth(Role.REVIEWER)
@blp.response(200, StorySchema)
def get_story(story_id: int):
    """One story of the caller's subtree, in any state."""
    return _story_or_404(story_id)


def _change_state(story_id: int, action, after=None) -> Story:
    story = _story_or_404(story_id)
    try:
        action(story, current_api_user())
    except ServiceError as error:
        _fail(error)
    db.session.commit()
    if after is not None:
        after(story)
    return story


@blp.route("/stories/<int:story_id>/publish", methods=["POST"])
@api_auth(Role.REVIEWER)
@blp.response(200, StoryStateSchema)
def publish_story(story_id: int):
    """Publish a draft (or a withdrawn story again); 409 if already published."""
    return _change_state(story_id, services.publish, services.after_published)


@blp.route("/stories/<int:story_id>/withdraw", methods=["POST"])
@api_auth(Role.REVIEWER)
@blp.response(200, StoryStateSchema)
def withdraw_story(story_id: int):
    """Withdraw a published story from the pages and feeds; 409 if it is not published."""
    return _change_state(story_id, services.withdraw)
