"""Moderation pages: submit a post, my posts, the review queue, a post with its decisions."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from classifiers import ModelLoadError
from core.extensions import db
from core.forms import load_form
from core.models import Role, Unit, utcnow
from core.permissions import login_required, roles_required
from core.scoping import scoped, unit_in_scope_or_404
from core.services import ServiceError, audit
from jobs import presenters as job_presenters
from jobs import services as jobs
from jobs.models import Job
from moderation import images, presenters, scoring, tasks
from moderation.models import OPEN_STATUSES, Channel, Decision, Post, PostImage
from moderation.schemas import (
    BulkSchema,
    DecisionSchema,
    PostCreateSchema,
    QueueArgsSchema,
    SearchArgsSchema,
    StatsArgsSchema,
)
from moderation.services import batch, importing, intake, learning, review, search, stats
from moderation.services import queue as queues
from registry.schemas import STATUS_LABELS as ACCOUNT_STATUS_LABELS

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
PAGE_STATUS = {"conflict": 409, "forbidden": 403, "not_found": 404}


def _units_for_form():
    """The units a user may file a post under (their subtree), in tree order."""
    stmt = scoped(select(Unit), Unit.id, current_user).order_by(Unit.path)
    return [(u.code, ("— " * (u.depth - current_user.unit.depth)) + u.name)
            for u in db.session.scalars(stmt)]


def _render_submit(form=None, errors=None, status=200):
    return render_template("moderation/submit.html", form=form or {}, errors=errors or {},
                           units=_units_for_form(), platforms=presenters.platform_choices()
                           ), status


@bp.route("/submit", methods=["GET", "POST"])
@login_required
def submit():
    """"Gửi bài kiểm tra": the page form (text, link, where it was seen, up to 4 images)."""
    if request.method == "GET":
        return _render_submit({"unit": current_user.unit.code})
    form = load_form(PostCreateSchema())
    if not form.ok:
        return _render_submit(form.values, form.errors, 422)
    try:
        with images.files_rolled_back():
            cleaned = images.clean_all(request.files.getlist("images"))
            post = intake.submit(form.data, current_user, Channel.FORM, cleaned)
            db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        return _render_submit(form.values, {error.field or "_schema": [error.message]}, 422)
    flash(presenters.submitted_message(post), "success")
    return redirect(url_for("moderation.post", post_id=post.id))


@bp.route("/mine")
@login_required
def mine():
    """The posts I submitted, newest first."""
    stmt = (select(Post).where(Post.submitted_by_id == current_user.id)
            .order_by(Post.created_at.desc(), Post.id.desc()))
    page = db.paginate(stmt, page=request.args.get("page", 1, type=int), per_page=20,
                       error_out=False)
    decided = {post.cluster_id: intake.effective_decision(post.cluster_id)
               for post in page.items if post.status not in OPEN_STATUSES}
    return render_template("moderation/mine.html", page=page, decided=decided)


@bp.route("/queue")
@roles_required(Role.REVIEWER)
def queue():
    """The review queue, phone first: tabs, filters, items by priority."""
    form = load_form(QueueArgsSchema(), request.args)
    args = form.data if form.ok else QueueArgsSchema().load({})
    within = unit_in_scope_or_404(current_user, args["unit"]) if args.get("unit") else None
    stmt = queues.queue_query(current_user, args["tab"], within, args.get("platform"),
                             args.get("date_from"), args.get("date_to"), args.get("status"))
    page = queues.page_of(stmt, args["page"])
    context = queues.context_for(page.items)
    query = {k: v for k, v in form.values.items() if v and k not in ("page", "tab")}
    overdue = queues.overdue_count(current_user)
    first = (queues.overdue_first(current_user)
             if overdue and args["page"] == 1 and args.get("status") != "overdue" else [])
    return render_template(
        "moderation/queue.html", page=page, context=context, tab=args["tab"],
        counts=queues.tab_counts(current_user), form=form.values, errors=form.errors,
        query=query, units=_units_for_form(), platforms=presenters.platform_choices(),
        now=utcnow(), overdue=overdue, overdue_first=first,
        deadline_hours=current_app.config["MODERATION_DEADLINE_HOURS"], bulk_reasons=review.REASONS)


def _post_or_404(post_id: int) -> Post:
    post = db.session.get(Post, post_id)
    if post is None or not review.can_see_post(current_user, post):
        abort(404)
    return post


def _reviewable_or_404(post_id: int) -> Post:
    post = _post_or_404(post_id)
    if not review.can_review(current_user, post):
        abort(404 if current_user.has_role(Role.REVIEWER) else 403)
    return post


def _render_post(post: Post, form=None, errors=None, status=200):
    decisions = db.session.scalars(select(Decision).where(Decision.cluster_id == post.cluster_id)
                                   .order_by(Decision.id.desc())).all()
    undone = {d.reverses_id for d in decisions if d.reverses_id}
    context = queues.context_for([post])
    copies = db.session.scalars(select(Post).where(Post.cluster_id == post.cluster_id,
                                                   Post.id != post.id)
                                .order_by(Post.created_at.desc()).limit(20)).all()
    return render_template(
        "moderation/post.html", post=post, decisions=decisions, undone=undone, context=context,
        copies=[c for c in copies if review.can_see_post(current_user, c)],
        can_review=review.can_review(current_user, post), form=form or {}, errors=errors or {},
        reasons=review.REASONS, now=utcnow(),
        sections=[html for hook in current_app.extensions.get("caidep.post_sections", [])
                  if (html := hook(post))]), status


@bp.route("/posts/<int:post_id>")
@login_required
def post(post_id: int):
    """One post: text with highlighted words, scores, source, cluster, decisions and actions."""
    return _render_post(_post_or_404(post_id))[0]


def _act(post: Post, action, done: str):
    """Run one review action in its own transaction; on refusal, the post page says why."""
    try:
        action()
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_post(post, status=PAGE_STATUS.get(error.code, 422))
    flash(done, "success")
    return redirect(url_for("moderation.post", post_id=post.id))


@bp.route("/posts/<int:post_id>/claim", methods=["POST"])
@roles_required(Role.REVIEWER)
def claim(post_id: int):
    """Claim the item for 15 minutes."""
    post = _reviewable_or_404(post_id)
    return _act(post, lambda: review.claim(post, current_user),
                _("You have claimed this item for 15 minutes."))


@bp.route("/posts/<int:post_id>/release", methods=["POST"])
@roles_required(Role.REVIEWER)
def release(post_id: int):
    """Give the claim back."""
    post = _reviewable_or_404(post_id)
    review.release(post, current_user)
    db.session.commit()
    flash(_("Claim released."), "info")
    return redirect(url_for("moderation.queue"))


@bp.route("/posts/<int:post_id>/decide", methods=["POST"])
@roles_required(Role.REVIEWER)
def decide(post_id: int):
    """Record a decision on the item's whole cluster."""
    post = _reviewable_or_404(post_id)
    form = load_form(DecisionSchema())
    if not form.ok:
        return _render_post(post, form.values, form.errors, 422)
    try:
        decision = review.decide(post, current_user, form.data["action"], form.data["reason"],
                                 form.data.get("note", ""), form.data.get("link"))
        db.session.commit()
        tasks.after_decision(decision)
    except ServiceError as error:
        db.session.rollback()
        return _render_post(post, form.values, {error.field or "_schema": [error.message]},
                            PAGE_STATUS.get(error.code, 422))
    flash(presenters.decided_message(decision), "success")
    return redirect(url_for("moderation.post", post_id=post.id))


def _stats_unit():
    """The unit of the stats page (one's own by default), for reviewers and unit admins."""
    if not (current_user.has_role(Role.REVIEWER) or current_user.has_role(Role.UNIT_ADMIN)):
        abort(403)
    form = load_form(StatsArgsSchema(), request.args)
    args = form.data if form.ok else StatsArgsSchema().load({})
    code = args.get("unit")
    return (unit_in_scope_or_404(current_user, code) if code else current_user.unit), args["days"]


@bp.route("/search")
@login_required
def search_page():
    """Search posts, officials or accounts by their words, accents or not."""
    kinds = _search_kinds()
    kind = request.args.get("kind") if request.args.get("kind") in dict(kinds) else "posts"
    form = load_form(SearchArgsSchema(), {**request.args.to_dict(), "kind": kind})
    results = None
    if "q" in request.args and form.ok:
        unit = unit_in_scope_or_404(current_user, form.data["unit"]) if form.data.get("unit") else None
        results = search.find(kind, current_user, form.data, unit)
    errors = form.errors if "q" in request.args else {}
    statuses = (presenters.STATUSES if kind == "posts" else ACCOUNT_STATUS_LABELS)
    query = {k: v for k, v in form.values.items() if v and k != "page"}
    return render_template(
        "moderation/search.html", kind=kind, kinds=kinds, form=form.values, errors=errors,
        results=results, query=query, units=_units_for_form(),
        filters=[k for k in query if k not in ("q", "kind")],
        labels=list(presenters.LABELS.items()), routes=list(presenters.ROUTES.items()),
        statuses=list(statuses.items()))


def _search_kinds() -> list[tuple[str, str]]:
    """Posts for everyone (members find their own); the registry for its staff."""
    staff = current_user.has_role(Role.UNIT_ADMIN) or current_user.has_role(Role.REVIEWER)
    return [(code, label) for code, label in search.KINDS.items()
            if code == "posts" or (staff and (code == "accounts"
                                              or current_user.has_role(Role.UNIT_ADMIN)))]


@bp.route("/stats")
@login_required
def stats_page():
    """How the team is doing: backlog, overdue, decisions per day, time to first claim and to
    decision, stories and registry coverage per week."""
    unit, days = _stats_unit()
    figures = stats.stats(current_user, unit, days)
    codes = set(figures["time_to_decision_by_unit"])
    names = dict(db.session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes))).all())
    return render_template("moderation/stats.html", unit=unit, days=days, figures=figures,
                           unit_names=names)


@bp.route("/stats.csv")
@login_required
def stats_csv():
    """The stats page's tables as CSV."""
    unit, days = _stats_unit()
    body = stats.to_csv(stats.stats(current_user, unit, days))
    return Response(body, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="thong-ke-{unit.code}-{days}-ngay.csv"'})


def _bulk_values() -> dict:
    """The queue page's bulk form as BulkSchema reads it: "reject:incitement" → action, reason."""
    action, _sep, reason = (request.form.get("choice") or "").partition(":")
    return {"ids": request.form.getlist("ids"), "action": action, "reason": reason or None,
            "note": request.form.get("note", ""), "link": request.form.get("link") or None}


@bp.route("/queue/bulk", methods=["POST"])
@roles_required(Role.REVIEWER)
def bulk():
    """Claim, release or decide the items ticked on the queue page, one reason for all."""
    form = load_form(BulkSchema(), _bulk_values())
    back = redirect(url_for("moderation.queue", tab=request.args.get("tab", "all")))
    if not form.ok:
        for field, messages in form.errors.items():
            label = {"ids": _("Items"), "reason": _("Reason"), "link": _("Link"),
                     "note": _("Note")}.get(field, field)
            flash(f"{label}: {' '.join(map(str, messages))}", "error")
        return back
    try:
        done, skipped, decisions = batch.apply(current_user, form.data["ids"],
                                               form.data["action"], form.data.get("reason"),
                                               form.data.get("note", ""), form.data.get("link"))
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return back
    for decision in decisions:
        tasks.after_decision(decision)
    flash(ngettext("%(num)d item done.", "%(num)d items done.", len(done)), "success")
    for item in skipped:
        flash(_("Item #%(id)s skipped: %(why)s", id=item["id"], why=item["message"]), "warning")
    return back


@bp.route("/decisions/<int:decision_id>/undo", methods=["POST"])
@roles_required(Role.REVIEWER)
def undo(decision_id: int):
    """Undo one's own decision (within 10 minutes)."""
    decision = db.session.get(Decision, decision_id)
    if decision is None:
        abort(404)
    post = _reviewable_or_404(decision.post_id)
    return _act(post, lambda: review.undo(decision, current_user),
                _("The decision was undone; the item is back in the queue and claimed by you."))


@bp.route("/posts/<int:post_id>/detach", methods=["POST"])
@roles_required(Role.REVIEWER)
def detach(post_id: int):
    """Take this copy out of its cluster."""
    post = _reviewable_or_404(post_id)
    return _act(post, lambda: review.detach(post, current_user),
                _("The post now stands on its own in the queue."))


@bp.route("/images/<name>")
@login_required
def image(name: str):
    """An attached image, only for those who may see its post."""
    row = db.session.scalar(select(PostImage).where(PostImage.filename == name))
    if row is None or not review.can_see_post(current_user, row.post):
        abort(404)
    response = send_file(images.upload_path(row.filename), mimetype=row.content_type,
                         max_age=0, conditional=True)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = "inline"
    return response



@bp.route("/models")
@roles_required(Role.ADMIN)
def models():
    """Model history: every stored version, what it was trained on, its figures, who activated
    it; a one-click activation (roll-back); the retraining jobs and why each candidate was or
    was not activated; and how well the active one does by reviewers."""
    store = scoring.store()
    versions = []
    for item in sorted(store.list(check=True), key=lambda i: (i["created_at"] or "", i["version"]),
                       reverse=True):
        try:
            meta = store.metadata(item["version"])
        except ModelLoadError:
            meta = {}
        versions.append({**item, **presenters.model_summary(meta)})
    activations = presenters.model_activations()
    retrains = db.session.scalars(select(Job).where(Job.kind == "classifiers.retrain")
                                  .order_by(Job.id.desc()).limit(5)).all()
    return render_template("moderation/models.html", versions=versions, activations=activations,
                           estimates=learning.check_estimates(),
                           retrains=[job_presenters.job(j) for j in retrains],
                           retrain_every=current_app.config["MODERATION_RETRAIN_EVERY"])


@bp.route("/models/retrain", methods=["POST"])
@roles_required(Role.ADMIN)
def retrain_model():
    """Queue a retraining on reviewers' decisions now; it is activated only if no worse."""
    job = tasks.queue_retrain(current_user)
    if job is None:
        flash(_("A retraining is already waiting or running."), "warning")
        return redirect(url_for("moderation.models"))
    return redirect(url_for("jobs.show", job_id=job.id), 303)


@bp.route("/models/<version>/activate", methods=["POST"])
@roles_required(Role.ADMIN)
def activate_model(version: str):
    """Make a stored version the active model (also how one rolls back); audited. The open
    posts are then rescored by a job."""
    store = scoring.store()
    previous = store.active_version()
    try:
        store.activate(version)
    except ModelLoadError as error:
        flash(_("This model cannot be activated: %(error)s", error=str(error)), "error")
        return redirect(url_for("moderation.models"))
    audit("model_activated", current_user, summary=version, version=version, previous=previous)
    job = tasks.queue_rescore(current_user)
    db.session.commit()
    jobs.start(job)
    flash(_("Model %(version)s is now active; the open posts are being rescored (job "
            "%(job)d).", version=version, job=job.id), "success")
    return redirect(url_for("moderation.models"))


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.REVIEWER)
def import_posts():
    """Upload a CSV or JSONL file of posts: a job checks every row, scores and writes them all
    (or nothing), with a progress bar and a report."""
    if request.method == "GET":
        return render_template("moderation/import.html", error=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("moderation/import.html",
                               error=_("Choose a CSV or JSONL file.")), 422
    data = upload.read()
    try:
        importing.file_format(upload.filename)
        if not data.strip():
            raise importing.PostFileError(_("The file is empty."))
        job = jobs.submit("posts.import", current_user, current_user.unit, upload.filename,
                          params={"filename": upload.filename}, payload=data,
                          result_url=url_for("moderation.queue"))
    except ServiceError as error:
        db.session.rollback()
        status = 409 if error.code == "duplicate" else 422
        return render_template("moderation/import.html", error=error.message), status
    return redirect(url_for("jobs.show", job_id=job.id), 303)
