"""Moderation's JSON API (SPEC §6): classify, posts, queue, claim, decision, undo, webhook."""

from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError

from core.errors import ApiError
from core.extensions import db
from core.models import Role, as_utc
from core.permissions import api_auth, current_api_user
from core.scoping import unit_in_scope_or_404
from core.services import ServiceError, audit
from moderation import images, scoring, tasks
from moderation.models import Channel, Decision, Post
from moderation.schemas import (
    BulkOutSchema,
    BulkSchema,
    ClaimOutSchema,
    ClassifySchema,
    DecisionOutSchema,
    DecisionSchema,
    PostCreateSchema,
    PostDetailSchema,
    PostOutSchema,
    QueueArgsSchema,
    QueuePageSchema,
    SearchArgsSchema,
    SearchPageSchema,
    StatsArgsSchema,
    StatsOutSchema,
    WebhookSchema,
)
from moderation.services import batch, intake, queue, review, search, stats, webhook
from registry.api import account_out, official_out

blp = Blueprint("moderation_api", __name__, url_prefix="/api/v1",
                description="Moderation: classify, submit and review posts")

STATUS_FOR = {"conflict": 409, "forbidden": 403, "not_found": 404}


def api_error(error: ServiceError) -> ApiError:
    """A service's refusal in the API's error shape."""
    status = STATUS_FOR.get(error.code, 422)
    fields = {error.field: [error.message]} if error.field else {}
    code = error.code if error.code != "invalid" else "validation_error"
    return ApiError(status, code, error.message, fields)


def committed(action):
    """Run a service in this request's transaction: commit, or roll back and answer its refusal."""
    try:
        result = action()
    except ServiceError as error:
        db.session.rollback()
        raise api_error(error) from None
    db.session.commit()
    return result


def post_or_404(post_id: int) -> Post:
    """A post the caller may see; 404 otherwise (its existence does not leak)."""
    post = db.session.get(Post, post_id)
    if post is None or not review.can_see_post(current_api_user(), post):
        abort(404)
    return post


def reviewable_or_404(post_id: int) -> Post:
    """A post whose queue the caller reviews (404 if they may not even see it)."""
    post = post_or_404(post_id)
    if not review.can_review(current_api_user(), post):
        if current_api_user().has_role(Role.REVIEWER):
            abort(404)
        raise ApiError(403, "forbidden", _("Only reviewers of this unit can do this."))
    return post


@blp.route("/classify", methods=["POST"])
@api_auth()
@blp.arguments(ClassifySchema)
def classify(data):
    """Score up to 1,000 texts with the active model (503 when no model is active)."""
    results = scoring.classify(data["texts"])
    if results is None:
        raise ApiError(503, "no_model", _("No classifier model is active. An administrator must "
                                          "train or activate one (flask classifiers …)."))
    return {"results": [{key: r[key] for key in ("label", "scores", "explanation",
                                                   "model_version")} for r in results]}


def _submit(data: dict, channel: str, uploads=()) -> Post:
    # The answer is built from the objects just written: no need to read them back.
    db.session().expire_on_commit = False
    try:
        with images.files_rolled_back():
            cleaned = images.clean_all(uploads)
            post = intake.submit(data, current_api_user(), channel, cleaned)
            db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        raise api_error(error) from None
    return post


# Built once: a schema holds no state between loads, and building one cost a few percent of
# a post's intake.
_POST_SCHEMA = PostCreateSchema()


@blp.route("/posts", methods=["POST"])
@api_auth()
@blp.response(201, PostOutSchema)
@blp.alt_response(422, description="Invalid input (text, URL, unit, images…)")
def create_post():
    """Submit a post: JSON (SPEC §6), or multipart/form-data with the same fields and `images`."""
    if request.mimetype == "multipart/form-data":
        raw, uploads = request.form, request.files.getlist("images")
    else:
        raw, uploads = request.get_json(silent=True), []
        if raw is None:  # JSON of the wrong kind ([], "…") is the schema's to refuse: 422
            raise ApiError(400, "malformed_json", _("The request body is not valid JSON."))
    try:
        data = _POST_SCHEMA.load(dict(raw.items()) if hasattr(raw, "items") else raw)
    except ValidationError as error:
        raise ApiError(422, "validation_error", _("Some fields are not valid."),
                       error.messages) from None
    return _submit(data, Channel.API, uploads)


@blp.route("/posts/<int:post_id>")
@api_auth()
@blp.response(200, PostDetailSchema)
def get_post(post_id: int):
    """A post the caller submitted or reviews, with its decisions (newest first)."""
    post = post_or_404(post_id)
    post.decisions = sorted(
        db.session.scalars(db.select(Decision).where(Decision.cluster_id == post.cluster_id)),
        key=lambda d: d.id, reverse=True)
    if not review.can_review(current_api_user(), post):
        for decision in post.decisions:  # the submitter learns what and why, not who
            decision.for_submitter = True
    return post


@blp.route("/queue")
@api_auth(Role.REVIEWER)
@blp.arguments(QueueArgsSchema, location="query")
@blp.response(200, QueuePageSchema)
def get_queue(args):
    """The caller's review queue, highest priority first, 20 a page."""
    user = current_api_user()
    within = unit_in_scope_or_404(user, args["unit"]) if args.get("unit") else None
    stmt = queue.queue_query(user, args["tab"], within, args.get("platform"),
                             args.get("date_from"), args.get("date_to"), args.get("status"))
    page = queue.page_of(stmt, args["page"])
    context = queue.context_for(page.items)
    for post in page.items:
        decorate(post, context)
    return {"items": page.items, "page": page.page, "pages": page.pages,
            "per_page": page.per_page, "total": page.total}


def decorate(post: Post, context: queue.Context) -> None:
    """Attach what a queue item shows beside the post (groups, history, claim)."""
    post.groups = [{"id": a.id, "platform": a.platform, "display_name": a.display_name,
                    "member_count": a.member_count} for a in context.groups.get(post.cluster_id, [])]
    post.account_rejected_30d = context.rejected.get(post.account_id, 0) \
        if post.account_id else None
    cluster = post.cluster
    live = cluster.claimed_until is not None and as_utc(cluster.claimed_until) > queue.utcnow()
    post.claimed_by = cluster.claimed_by.username if live and cluster.claimed_by else None
    post.claimed_until = as_utc(cluster.claimed_until).isoformat() if live else None
    due = queue.due_at(post)
    post.deadline_at = due.isoformat() if due else None
    post.overdue = due is not None and due < queue.utcnow()


@blp.route("/posts/<int:post_id>/claim", methods=["POST"])
@api_auth(Role.REVIEWER)
@blp.response(200, ClaimOutSchema)
@blp.alt_response(409, description="Claimed by someone else, or already decided")
def claim(post_id: int):
    """Claim the post's cluster for 15 minutes."""
    post = reviewable_or_404(post_id)
    cluster = committed(lambda: review.claim(post, current_api_user()))
    return {"claimed_until": as_utc(cluster.claimed_until).isoformat(), "cluster_id": cluster.id}


@blp.route("/posts/<int:post_id>/decision", methods=["POST"])
@api_auth(Role.REVIEWER)
@blp.arguments(DecisionSchema)
@blp.response(200, DecisionOutSchema)
@blp.alt_response(409, description="Claimed by someone else, or already decided")
def decide(data, post_id: int):
    """Decide on the post's cluster (approve, reject, mark_false, mark_verified, escalate)."""
    post = reviewable_or_404(post_id)
    decision = committed(lambda: review.decide(post, current_api_user(), data["action"],
                                               data["reason"], data.get("note", ""),
                                               data.get("link")))
    tasks.after_decision(decision)
    return decision


@blp.route("/stats")
@api_auth(Role.REVIEWER, Role.UNIT_ADMIN)
@blp.arguments(StatsArgsSchema, location="query")
@blp.response(200, StatsOutSchema)
def get_stats(args):
    """Backlog, decisions per day, time to decision, flag precision and overdue items of a
    unit's subtree (one's own unit by default; 404 outside one's subtree)."""
    user = current_api_user()
    unit = unit_in_scope_or_404(user, args["unit"]) if args.get("unit") else user.unit
    return stats.stats(user, unit, args["days"])


@blp.route("/search")
@api_auth()
@blp.arguments(SearchArgsSchema, location="query")
@blp.response(200, SearchPageSchema)
def search_api(args):
    """Accent-insensitive search ("dap thuy dien" finds "đập thủy điện") over posts (text,
    author, link), officials (name, position) or accounts (name, handle, link), in what the
    caller may list; 20 a page, counted up to 200 (``more`` says there are more)."""
    user = current_api_user()
    unit = unit_in_scope_or_404(user, args["unit"]) if args.get("unit") else None
    results = search.find(args["kind"], user, args, unit)
    out = {"posts": PostOutSchema().dump, "officials": lambda o: official_out(o, user),
           "accounts": lambda a: account_out(a, user)}[args["kind"]]
    return {"kind": args["kind"], "q": args["q"], "items": [out(item) for item in results.items],
            "page": results.page, "pages": results.pages, "per_page": results.per_page,
            "total": results.total, "more": results.more}


@blp.route("/queue/bulk", methods=["POST"])
@api_auth(Role.REVIEWER)
@blp.arguments(BulkSchema)
@blp.response(200, BulkOutSchema)
def bulk(data):
    """Claim, release or decide many items with one reason; each post gets its own decision
    (undone alone), and items out of scope, claimed by someone else or decided are skipped."""
    user = current_api_user()
    done, skipped, decisions = committed(lambda: batch.apply(
        user, data["ids"], data["action"], data.get("reason"), data.get("note", ""),
        data.get("link")))
    for decision in decisions:
        tasks.after_decision(decision)
    return {"done": done, "skipped": skipped}


@blp.route("/decisions/<int:decision_id>/undo", methods=["POST"])
@api_auth(Role.REVIEWER)
@blp.response(200, DecisionOutSchema)
def undo(decision_id: int):
    """Undo one's own decision within 10 minutes (adds a reversal record)."""
    decision = db.session.get(Decision, decision_id)
    if decision is None:
        abort(404)
    reviewable_or_404(decision.post_id)
    return committed(lambda: review.undo(decision, current_api_user()))


@blp.route("/posts/<int:post_id>/detach", methods=["POST"])
@api_auth(Role.REVIEWER)
@blp.response(200, PostOutSchema)
def detach(post_id: int):
    """Take a post out of its cluster; it becomes its own queue item."""
    post = reviewable_or_404(post_id)
    committed(lambda: review.detach(post, current_api_user()))
    return post


@blp.route("/webhooks/chatbot", methods=["POST"])
@blp.response(201, PostOutSchema)
@blp.doc(security=[])
def chatbot_webhook():
    """A chat bot forwards a post (HMAC-signed; see moderation/services/webhook.py)."""
    user = webhook.bot_user()
    body = request.get_data(cache=True)
    digest, sent = webhook.verify(request.headers, body)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ApiError(400, "malformed_json", _("The request body is not valid JSON."))
    try:
        data = WebhookSchema().load(payload)
    except ValidationError as error:
        raise ApiError(422, "validation_error", _("Some fields are not valid."),
                       error.messages) from None
    try:
        post = intake.submit(data, user, Channel.WEBHOOK)
        webhook.record(digest, sent, post)
        audit("webhook_received", actor=user, target=post, unit=post.unit,
              summary=data.get("reporter") or "", channel="chatbot")
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        raise api_error(error) from None
    except IntegrityError:
        db.session.rollback()
        raise ApiError(409, "replayed", _("This webhook call was already received.")) from None
    return post
