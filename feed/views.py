"""Story pages: the public list, story pages, feeds and pictures; reviewers' drafting pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from core.extensions import db
from core.forms import load_form
from core.models import Role, Unit, as_utc
from core.permissions import roles_required
from core.scoping import get_in_scope_or_404, scoped
from core.services import ServiceError, get_unit
from feed import digest, feeds, services, share
from feed.models import STATUS_LABELS, TAG_LABELS, Story, StoryStatus, Tag
from feed.permissions import can_edit_story, can_make_story
from feed.schemas import ManageQuerySchema, PageQuerySchema, StoryFormSchema
from moderation.images import upload_path
from moderation.models import Post

bp = Blueprint("feed", __name__)

PER_PAGE = 10
ERROR_STATUS = {"not_approved": 409, "story_exists": 409, "conflict": 409}


@bp.app_context_processor
def _labels():
    return {"tag_label": lambda slug: TAG_LABELS.get(slug, slug), "TAGS": list(Tag),
            "iso_utc": lambda moment: as_utc(moment).isoformat() if moment else "",
            "story_status_label": lambda status: STATUS_LABELS.get(status, status)}


# Public pages -----------------------------------------------------------------------------

def _page_number() -> int:
    form = load_form(PageQuerySchema(), request.args)
    return form.data["page"] if form.ok else 1


def _public_unit(code: str) -> Unit:
    unit = get_unit(code or "")
    if unit is None:
        abort(404)
    return unit


def _render_list(stmt, heading: str, unit: Unit | None = None, tag: str | None = None):
    page = db.paginate(stmt, page=_page_number(), per_page=PER_PAGE, error_out=False)
    feed_links = {fmt: (url_for("feed.unit_feed", code=unit.code, fmt=fmt) if unit
                        else url_for("feed.feed", fmt=fmt)) for fmt in feeds.MIMETYPES}
    return render_template("feed/index.html", page=page, heading=heading, unit=unit, tag=tag,
                           feed_links=feed_links, endpoint=request.endpoint,
                           view_args=request.view_args or {})


@bp.route("/stories")
def index():
    """Published stories of every unit, newest first."""
    return _render_list(services.public_stories(), _("Good stories"))


@bp.route("/units/<code>/stories")
def unit(code: str):
    """Published stories of a unit and the units below it."""
    found = _public_unit(code)
    return _render_list(services.public_stories(unit=found),
                        _("Good stories — %(unit)s", unit=found.name), unit=found)


@bp.route("/stories/tag/<slug>")
def tag(slug: str):
    """Published stories of one topic."""
    if slug not in set(Tag):
        abort(404)
    return _render_list(services.public_stories(tag=slug),
                        _("Good stories: %(topic)s", topic=TAG_LABELS[slug]), tag=slug)


def _visible_story_or_abort(story_id: int) -> Story:
    """Published stories for everyone; drafts 404 and withdrawn 410, except to their editors."""
    story = db.session.get(Story, story_id)
    if story is None:
        abort(404)
    if story.is_public or can_edit_story(current_user, story):
        return story
    abort(410 if story.status == StoryStatus.WITHDRAWN else 404)


@bp.route("/stories/<int:story_id>")
@bp.route("/stories/<int:story_id>-<slug>")
def story(story_id: int, slug: str | None = None):
    """One story, with its share pack, share links and QR code (a wrong slug redirects)."""
    found = _visible_story_or_abort(story_id)
    if slug != found.slug:
        return redirect(url_for("feed.story", story_id=found.id, slug=found.slug), 301)
    url = feeds.story_url(found)
    return render_template("feed/story.html", story=found, canonical=url,
                           image_url=feeds.image_url(found), pack=share.share_pack(found, url),
                           links=share.share_links(url), qr=share.qr_svg(url, _("QR code")),
                           can_edit=can_edit_story(current_user, found))


@bp.route("/stories/<int:story_id>/image")
def image(story_id: int):
    """The story's picture (public once published)."""
    found = _visible_story_or_abort(story_id)
    if found.image is None:
        abort(404)
    response = send_file(upload_path(found.image.filename), mimetype=found.image.content_type,
                         conditional=True, max_age=3600)
    if not found.is_public:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def _feed(fmt: str, unit_found: Unit | None):
    stories = list(db.session.scalars(
        services.public_stories(unit=unit_found).limit(feeds.FEED_SIZE)))
    changed_at = services.feed_scope_changed_at(unit_found)
    return feeds.respond(feeds.describe(fmt, unit_found), stories, changed_at)


@bp.route("/feed.<any(atom, rss, json):fmt>")
def feed(fmt: str):
    """Atom, RSS or JSON Feed of every published story."""
    return _feed(fmt, None)


@bp.route("/units/<code>/feed.<any(atom, rss, json):fmt>")
def unit_feed(code: str, fmt: str):
    """Atom, RSS or JSON Feed of a unit's subtree."""
    return _feed(fmt, _public_unit(code))


def _digest_of(code: str) -> tuple[Unit, digest.Digest]:
    unit = _public_unit(code)
    period = request.args.get("period", "weekly")
    if period not in digest.PERIODS:
        abort(404)
    return unit, digest.build(unit, period)


@bp.route("/units/<code>/digest", endpoint="digest")
def digest_page(code: str):
    """"Thông tin chính thống": the day's or the week's digest as one block to paste into Zalo."""
    unit, found = _digest_of(code)
    return render_template("feed/digest.html", unit=unit, digest=found, pack=digest.text(found),
                           qr=share.qr_svg(found.url, found.unit.name))


@bp.route("/units/<code>/digest.txt")
def digest_text(code: str):
    """The digest's text block alone (for scripts, and for a phone's share sheet)."""
    _unit, found = _digest_of(code)
    return Response(digest.text(found), mimetype="text/plain")


@bp.route("/units/<code>/digest.atom")
def digest_feed(code: str):
    """Atom feed of the unit's digests: one entry a day or a week."""
    unit, found = _digest_of(code)
    response = Response(digest.atom(unit, found.period), mimetype=feeds.MIMETYPES["atom"])
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# Reviewers' pages ---------------------------------------------------------------------------

@bp.route("/stories/manage")
@roles_required(Role.REVIEWER)
def manage():
    """Drafts, published and withdrawn stories of the reviewer's subtree, and posts to use."""
    form = load_form(ManageQuerySchema(), request.args)
    status = form.data["status"] if form.ok else StoryStatus.DRAFT
    page = db.paginate(services.managed_stories(current_user, status),
                       page=form.data.get("page", 1) if form.ok else 1, per_page=20,
                       error_out=False)
    counts = dict(db.session.execute(
        scoped(select(Story.status, func.count()), Story.unit_id, current_user)
        .group_by(Story.status)).all())
    return render_template("feed/manage.html", page=page, status=status, counts=counts,
                           statuses=list(StoryStatus),
                           candidates=services.candidate_posts(current_user))


def _editable_or_404(story_id: int) -> Story:
    story = get_in_scope_or_404(Story, story_id, current_user)
    if not can_edit_story(current_user, story):
        abort(404)
    return story


def _post_for_story(post_id) -> Post:
    post = get_in_scope_or_404(Post, post_id, current_user) if post_id else abort(404)
    if not can_make_story(current_user, post):
        abort(404)
    return post


def _render_form(template: str, post: Post, form: dict, errors: dict | None = None,
                 status: int = 200, story: Story | None = None):
    units = services.unit_choices(current_user, post)
    return render_template(template, post=post, story=story, form=form, errors=errors or {},
                           unit_choices=[(unit.code, unit.name) for unit in units]), status


@bp.route("/stories/new", methods=["GET", "POST"])
@roles_required(Role.REVIEWER)
def create():
    """Make a draft from an approved positive post (`?post_id=`), prefilled from its text."""
    post_id = request.values.get("post_id", type=int)
    if request.method == "GET" and not post_id:
        flash(_("Choose an approved post below to make a story from it."), "info")
        return redirect(url_for("feed.manage"))
    post = _post_for_story(post_id)
    existing = services.story_of(post)
    if existing is not None:
        flash(_("This post already has a story."), "info")
        return redirect(url_for("feed.edit", story_id=existing.id))
    if request.method == "GET":
        try:
            services.check_post(post)
        except ServiceError as error:
            return render_template("core/error.html", status=409, message=error.message), 409
        return _render_form("feed/create.html", post, services.suggestions(post))
    form = load_form(StoryFormSchema())
    if not form.ok:
        return _render_form("feed/create.html", post, form.values, form.errors, 422)
    try:
        story = services.create_story(post, current_user, form.data)
    except ServiceError as error:
        db.session.rollback()
        return _render_form("feed/create.html", post, form.values,
                            {error.field or "_schema": [error.message]},
                            ERROR_STATUS.get(error.code, 422))
    db.session.commit()
    flash(_("The draft is saved. Check it, then publish it."), "success")
    return redirect(url_for("feed.edit", story_id=story.id))


def _story_values(story: Story) -> dict:
    return {"title": story.title, "summary": story.summary, "body": story.body,
            "tags": story.tags, "unit": story.unit.code, "image_id": story.image_id}


@bp.route("/stories/<int:story_id>/edit", methods=["GET", "POST"])
@roles_required(Role.REVIEWER)
def edit(story_id: int):
    """Edit a story's title, summary, text, topics, unit and picture."""
    story = _editable_or_404(story_id)
    if request.method == "GET":
        return _render_form("feed/edit.html", story.post, _story_values(story), story=story)
    form = load_form(StoryFormSchema())
    if not form.ok:
        return _render_form("feed/edit.html", story.post, form.values, form.errors, 422, story)
    try:
        services.update_story(story, current_user, form.data)
    except ServiceError as error:
        db.session.rollback()
        return _render_form("feed/edit.html", story.post, form.values,
                            {error.field or "_schema": [error.message]}, 422, story)
    db.session.commit()
    flash(_("The story is saved."), "success")
    return redirect(url_for("feed.edit", story_id=story.id))


def _transition(story_id: int, action, done: str, after=None):
    story = _editable_or_404(story_id)
    try:
        action(story, current_user)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_form("feed/edit.html", story.post, _story_values(story),
                            status=ERROR_STATUS.get(error.code, 422), story=story)
    db.session.commit()
    if after is not None:
        after(story)
    flash(done, "success")
    return redirect(url_for("feed.edit", story_id=story.id))


@bp.route("/stories/<int:story_id>/publish", methods=["POST"])
@roles_required(Role.REVIEWER)
def publish(story_id: int):
    """Publish: the story appears on the public pages and in the feeds."""
    return _transition(story_id, services.publish, _("The story is published."),
                       services.after_published)


@bp.route("/stories/<int:story_id>/withdraw", methods=["POST"])
@roles_required(Role.REVIEWER)
def withdraw(story_id: int):
    """Withdraw: the story leaves the public pages and the feeds."""
    return _transition(story_id, services.withdraw, _("The story was withdrawn."))
