"""Story input (the same fields for the page form and the API) and the API's answers."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, pre_load, validate

from core.models import as_utc
from core.schemas import id_field, text_field
from feed.models import Tag

TITLE_LENGTH = 200
SUMMARY_LENGTH = 400
BODY_LENGTH = 20000


class UtcDateTime(fields.DateTime):
    """ISO 8601 with the UTC offset, also for SQLite's naive values."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(as_utc(value), attr, obj, **kwargs)


class StoryFieldsSchema(Schema):
    """What a reviewer may set on a story; everything optional (suggested from the post)."""

    title = text_field(TITLE_LENGTH, required=False)
    summary = text_field(SUMMARY_LENGTH, required=False)
    body = text_field(BODY_LENGTH, required=False)
    tags = fields.List(fields.String(validate=validate.OneOf(
        [tag.value for tag in Tag], error=_l("Unknown topic."))), load_default=list)
    unit = fields.String(load_default=None, allow_none=True)
    image_id = id_field(load_default=None, allow_none=True)

    @pre_load
    def _blank_is_none(self, data, **_kwargs):
        """An empty choice in a form ("no image", "post's unit") means none."""
        if isinstance(data, dict):
            data = dict(data)
            for name in ("unit", "image_id"):
                if data.get(name) == "":
                    data[name] = None
        return data


class StoryCreateSchema(StoryFieldsSchema):
    """`POST /api/v1/stories`: the approved positive post to make a story from."""

    post_id = id_field(required=True, strict=False)


class StoryFormSchema(StoryFieldsSchema):
    """The reviewer's page form: title, summary and text must not be left empty."""

    title = text_field(TITLE_LENGTH)
    summary = text_field(SUMMARY_LENGTH)
    body = text_field(BODY_LENGTH)
    post_id = id_field(load_default=None, allow_none=True)


class StorySchema(Schema):
    """A story as the API shows it."""

    id = fields.Integer()
    status = fields.String()
    post_id = fields.Integer()
    unit = fields.Function(lambda story: story.unit.code)
    title = fields.String()
    summary = fields.String()
    body = fields.String()
    tags = fields.List(fields.String())
    image = fields.Function(lambda story: url_for("feed.image", story_id=story.id, _external=True)
                            if story.image_id else None)
    url = fields.Function(lambda story: url_for("feed.story", story_id=story.id, slug=story.slug,
                                                _external=True))
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    published_at = UtcDateTime(allow_none=True)
    withdrawn_at = UtcDateTime(allow_none=True)


class StoryStateSchema(Schema):
    """The answer of publish and withdraw: `{"id", "status"}`."""

    id = fields.Integer()
    status = fields.String()


class PageQuerySchema(Schema):
    """`?page=N` of the public lists."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))


class ManageQuerySchema(PageQuerySchema):
    """Filters of the reviewers' list of stories."""

    status = fields.String(load_default="draft", validate=validate.OneOf(
        ["draft", "published", "withdrawn"]))
