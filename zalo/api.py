"""`GET /api/v1/posts/<id>/messages`: what the OA said to the people who sent the post."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy import select

from core.extensions import db
from core.models import as_utc
from core.permissions import api_auth
from moderation.api import post_or_404
from zalo.models import ZaloMessage

blp = Blueprint("zalo_api", __name__, url_prefix="/api/v1",
                description="Zalo OA: messages sent about a post")


def _time(value):
    return as_utc(value).isoformat() if value else None


class MessageOutSchema(Schema):
    """One message and Zalo's answer to it."""

    id = fields.Integer()
    kind = fields.String(metadata={"description": "ack (on receipt) or verdict (on decision)"})
    to = fields.String(attribute="zalo_user_id")
    text = fields.String()
    state = fields.String(metadata={"description": "queued, sent or failed"})
    attempts = fields.Integer()
    error_code = fields.Integer(allow_none=True, metadata={"description": "Zalo's error code"})
    answer = fields.Dict(metadata={"description": "Zalo's answer, as it came"})
    created_at = fields.Function(lambda m: _time(m.created_at))
    sent_at = fields.Function(lambda m: _time(m.sent_at))


@blp.route("/posts/<int:post_id>/messages")
@api_auth()
@blp.response(200, MessageOutSchema(many=True))
def post_messages(post_id: int):
    """The OA's messages about a post the caller may see, oldest first."""
    post = post_or_404(post_id)
    return db.session.scalars(select(ZaloMessage).where(ZaloMessage.post_id == post.id)
                              .order_by(ZaloMessage.id)).all()
