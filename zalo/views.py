"""`POST /zalo/webhook`, the one endpoint for every linked OA (see zalo.services); the OA page
where a unit admin links the commune's OA and rewords its messages."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import case, func, select

from core.errors import error_payload
from core.extensions import db
from core.forms import load_form
from core.models import Unit, utcnow
from core.permissions import login_required
from core.services import ServiceError, audit
from jobs import services as jobs
from registry.models import Account, Platform
from registry.views.helpers import admin_unit
from zalo import messages, services
from zalo.models import EventState, MessageState, ZaloEvent, ZaloFollower, ZaloLink, ZaloMessage
from zalo.schemas import PERIOD_LABELS, DigestFormSchema, LinkFormSchema, TemplatesFormSchema

bp = Blueprint("zalo", __name__, url_prefix="/zalo")
MESSAGE_KINDS = {"ack": _l("Thank-you on receipt"), "verdict": _l("Verdict"),
                 "story": _l("Story link"), "notice": _l("Digest subscription"),
                 "digest": _l("Digest")}
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
    """The post page's Zalo section (hook ``caidep.post_sections``): who forwarded the posts of
    this cluster to the OA — a declared account when matched — and what the OA said to them;
    None when no post of the cluster came through Zalo."""
    from moderation.models import Post

    events = db.session.scalars(
        select(ZaloEvent).join(Post, Post.id == ZaloEvent.post_id)
        .where(Post.cluster_id == post.cluster_id).order_by(ZaloEvent.id)).all()
    if not events:
        return None
    followers = {(f.link_id, f.zalo_user_id): f for f in db.session.scalars(
        select(ZaloFollower).where(ZaloFollower.zalo_user_id.in_({e.sender_id for e in events})))}
    senders = [(event, followers.get((event.link_id, event.sender_id))) for event in events]
    found = db.session.scalars(
        select(ZaloMessage).join(Post, Post.id == ZaloMessage.post_id)
        .where(Post.cluster_id == post.cluster_id).order_by(ZaloMessage.id)).all()
    return Markup(render_template("zalo/_post_messages.html", messages=found, senders=senders,
                                  kind_labels=MESSAGE_KINDS))


# The OA page: a unit admin links the commune's OA, rewords its messages, sees what happened --

def _activity(row: ZaloLink | None) -> dict:
    """Counts and the latest failures for the OA page (everything {} when not linked)."""
    if row is None:
        return {}
    since = utcnow() - timedelta(days=7)
    followers = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((ZaloFollower.digest, 1), else_=0)), 0))
        .where(ZaloFollower.link_id == row.id, ZaloFollower.following)).one()
    events = dict(db.session.execute(
        select(ZaloEvent.state, func.count()).where(ZaloEvent.link_id == row.id,
                                                    ZaloEvent.received_at >= since)
        .group_by(ZaloEvent.state)).all())
    sent = dict(db.session.execute(
        select(ZaloMessage.state, func.count()).where(ZaloMessage.link_id == row.id,
                                                      ZaloMessage.created_at >= since)
        .group_by(ZaloMessage.state)).all())
    failures = db.session.scalars(
        select(ZaloMessage).where(ZaloMessage.link_id == row.id,
                                  ZaloMessage.state == MessageState.FAILED)
        .order_by(ZaloMessage.id.desc()).limit(20)).all()
    registry = db.session.scalar(select(Account).where(
        Account.platform == Platform.ZALO, Account.canonical_id == row.oa_id))
    return {"followers": followers[0], "subscribed": followers[1], "events": events,
            "messages": sent, "failures": failures, "registry": registry}


def _oa_page(unit: Unit, forms: dict | None = None, errors: dict | None = None, status=200):
    row = services.link_of(unit)
    wording = {str(kind): messages.template(row, kind) if row else text
               for kind, text in messages.DEFAULTS.items()}
    values = {"link": {"app_id": row.app_id, "oa_id": row.oa_id} if row else {},
              "templates": wording, "digest": {"digest_period": row.digest_period if row else "off"}}
    values.update(forms or {})
    return render_template(
        "zalo/oa.html", unit=unit, row=row, forms=values, errors=errors or {},
        activity=_activity(row), kinds=messages.KIND_LABELS,
        placeholders={str(kind): ", ".join(f"{{{name}}}" for name in sorted(names))
                      for kind, names in messages.PLACEHOLDERS.items()},
        periods=[(key, label) for key, label in PERIOD_LABELS.items()],
        webhook_url=url_for("zalo.webhook", _external=True)), status


@bp.route("/oa")
@login_required
def oa():
    """The commune's OA: its link, the wording of its messages, what it received and sent."""
    return _oa_page(admin_unit(request.args.get("unit")))


@bp.route("/oa/link", methods=["POST"])
@login_required
def link():
    """Link (or re-link) the OA; keys and tokens are stored encrypted and never shown back."""
    unit = admin_unit(request.args.get("unit"))
    form = load_form(LinkFormSchema())
    safe = {k: v for k, v in form.values.items() if k in ("app_id", "oa_id")}
    if not form.ok:
        return _oa_page(unit, {"link": safe}, {"link": form.errors}, 422)
    try:
        services.link(unit.code, actor=current_user, **form.data)
    except ServiceError as error:
        db.session.rollback()
        field = (error.field or "_schema").replace("-", "_")
        return _oa_page(unit, {"link": safe}, {"link": {field: [error.message]}}, 422)
    db.session.commit()
    flash(_("The Official Account is linked. Give Zalo this webhook address: %(url)s",
            url=url_for("zalo.webhook", _external=True)), "success")
    return redirect(url_for("zalo.oa", unit=unit.code))


def _setting(section: str, schema, apply, done: str):
    """One of the OA page's settings forms: read it, apply it to the linked OA, audit, commit;
    the page again with the errors (422) when the form is wrong, 409 when no OA is linked."""
    unit = admin_unit(request.args.get("unit"))
    row = services.link_of(unit)
    if row is None:
        abort(409, _("Link the Official Account first."))
    form = load_form(schema)
    if not form.ok:
        return _oa_page(unit, {section: form.values}, {section: form.errors}, 422)
    action, summary = apply(row, form.data)
    audit(action, actor=current_user, target=row, unit=unit, summary=summary)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("zalo.oa", unit=unit.code) + f"#{section}")


@bp.route("/oa/templates", methods=["POST"])
@login_required
def templates():
    """The commune's wording of the OA's messages (blank: the default wording)."""

    def apply(row, data):
        services.save_templates(row, data)
        return "zalo_templates", f"Sửa lời nhắn của Zalo OA {row.oa_id}"

    return _setting("templates", TemplatesFormSchema(), apply, _("The messages are saved."))


@bp.route("/oa/digest", methods=["POST"])
@login_required
def digest_schedule():
    """How often the digest goes to the followers who subscribed (off by default)."""

    def apply(row, data):
        row.digest_period = data["digest_period"]
        return "zalo_digest", f"Lịch gửi bản tin qua Zalo OA: {row.digest_period}"

    return _setting("digest", DigestFormSchema(), apply, _("The digest schedule is saved."))
