"""`POST /zalo/webhook`: the one endpoint for every linked OA (see zalo.services)."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, render_template, request
from markupsafe import Markup
from sqlalchemy import select

from core.errors import error_payload
from core.extensions import db
from jobs import services as jobs
from zalo import services
from zalo.models import EventState, ZaloMessage

bp = Blueprint("zalo", __name__, url_prefix="/zalo")
log = logging.getLogger(__name__)


@bp.route("/webhook", methods=["POST"])
def webhook():
    """Check and store the event, queue its job, answer at once; nothing written on refusal."""
    try:
        event = services.accept(request.get_data(cache=False),
                                request.headers.get(services.SIGNATURE_HEADER))
    except services.Refused as refused:
        db.session.rollback()
        log.warning("Zalo event refused (%s) from %s", refused.code, request.remote_addr)
        return jsonify(error_payload(refused.status, refused.code, refused.message)), refused.status
    job = None
    if event.state == EventState.QUEUED:
        job = jobs.create("zalo.event", None, event.link.unit, f"Zalo: {event.name}",
                          params={"event_id": event.id})
    db.session.commit()
    if job is not None:
        jobs.start(job)
    return jsonify(ok=True, event=event.id, state=event.state)


def post_section(post) -> Markup | None:
    """The post page's "Zalo messages" section (hook ``caidep.post_sections``): what the OA said
    to the people who sent any post of this cluster; None when it said nothing."""
    from moderation.models import Post

    found = db.session.scalars(
        select(ZaloMessage).join(Post, Post.id == ZaloMessage.post_id)
        .where(Post.cluster_id == post.cluster_id).order_by(ZaloMessage.id)).all()
    if not found:
        return None
    return Markup(render_template("zalo/_post_messages.html", messages=found))
