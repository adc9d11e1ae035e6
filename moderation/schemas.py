"""Moderation's schemas: one for each input (shared by the page form and the API) and output."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from core.models import VN_OFFSET, as_utc, utcnow
from core.schemas import Text, id_field, text_field
from core.search import query_words
from moderation.models import Action, Label, PostStatus, Route
from moderation.services import search
from moderation.services.queue import STATUS_FILTERS, TABS
from moderation.sources import domain_of
from registry.models import Platform
from registry.schemas import STATUS_LABELS as ACCOUNT_STATUS_LABELS

SEARCH_KINDS = tuple(search.KINDS)
SEARCH_STATUSES = {"posts": tuple(s.value for s in PostStatus),
                   "accounts": tuple(ACCOUNT_STATUS_LABELS)}  # and "overdue"
# filter: the kinds it applies to (unit and status are checked on their own)
SEARCH_FILTER_KINDS = {"label": ("posts",), "route": ("posts",), "date_from": ("posts",),
                       "date_to": ("posts",), "platform": ("accounts",)}
SEARCH_MAX_PAGE = search.MAX_TOTAL // search.PER_PAGE

MAX_TEXT = 10_000
MAX_TEXTS = 1_000


class Url(Text):
    """A web address; the scheme may be left out (`vov.vn/...`); at most 2,000 characters."""

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if not result:
            return None
        if len(result) > 2000:
            raise ValidationError(_l("At most {max} characters.").format(max=2000))
        if any(char.isspace() for char in result):
            raise ValidationError(_l("Not a valid web address."))
        if "://" not in result:
            result = "https://" + result
        if not result.lower().startswith(("http://", "https://")) or domain_of(result) is None \
                or "." not in (domain_of(result) or ""):
            raise ValidationError(_l("Not a valid web address."))
        return result


class SeenAt(fields.Field):
    """A date and time (ISO 8601, or the page's date-time picker); without a zone: Vietnam time."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value in (None, ""):
            return None
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(_l("Not a valid date and time.")) from None
        moment = (moment - VN_OFFSET).replace(tzinfo=UTC) if moment.tzinfo is None else as_utc(moment)
        if moment > utcnow() + timedelta(hours=1):
            raise ValidationError(_l("This time is in the future."))
        return moment.astimezone(UTC)


class _BlankIsMissing(Schema):
    """Page forms send "" for fields left empty; treat those as not given."""

    @pre_load
    def _drop_blanks(self, data, **kwargs):
        if hasattr(data, "items"):
            return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip()
                                                          and k != "text")}
        return data


class PostCreateSchema(_BlankIsMissing):
    """A post submitted by the page form, the API, an import row or the webhook."""

    @pre_load
    def _no_nul(self, data, **kwargs):
        """NUL cannot be stored (PostgreSQL refuses it): say so instead of failing later."""
        if hasattr(data, "items"):
            bad = {key: [_l("Contains an invalid character (NUL).")]
                   for key, value in data.items() if isinstance(value, str) and "\x00" in value}
            if bad:
                raise ValidationError(bad)
        return data

    text = text_field(MAX_TEXT)
    url = Url(load_default=None, allow_none=True)
    platform = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        [p.value for p in Platform], error=_l("Must be one of: {choices}.")))
    account_id = id_field(load_default=None, allow_none=True, strict=False)
    unit = fields.String(load_default=None, allow_none=True)
    author = text_field(200, required=False, load_default="")
    seen_at = SeenAt(load_default=None, allow_none=True)


class WebhookSchema(PostCreateSchema):
    """The webhook payload: a post, plus who in the chat reported it."""

    reporter = text_field(200, required=False, load_default="")


class ClassifySchema(Schema):
    """`POST /api/v1/classify`."""

    texts = fields.List(fields.String(validate=validate.Length(
        max=MAX_TEXT, error=_l("At most {max} characters."))), required=True,
        validate=validate.Length(min=1, max=MAX_TEXTS,
                                 error=_l("Send between {min} and {max} texts.")))


class QueueArgsSchema(_BlankIsMissing):
    """The queue's tab, filters and page."""

    tab = fields.String(load_default="all", validate=validate.OneOf(
        TABS, error=_l("Must be one of: {choices}.")))
    unit = fields.String(load_default=None)
    platform = fields.String(load_default=None, validate=validate.OneOf(
        [p.value for p in Platform], error=_l("Must be one of: {choices}.")))
    date_from = fields.Date(load_default=None, format="%Y-%m-%d")
    date_to = fields.Date(load_default=None, format="%Y-%m-%d")
    status = fields.String(load_default=None, validate=validate.OneOf(
        STATUS_FILTERS, error=_l("Must be one of: {choices}.")))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


class DecisionSchema(_BlankIsMissing):
    """`POST /api/v1/posts/<id>/decision` and the decision form."""

    action = fields.String(required=True, validate=validate.OneOf(
        [a.value for a in Action if a != Action.UNDO], error=_l("Must be one of: {choices}.")))
    reason = fields.String(required=True)
    note = text_field(2000, required=False, load_default="")
    link = Url(load_default=None, allow_none=True)

    @validates_schema
    def _reason_fits(self, data, **kwargs):
        from moderation.services.review import REASONS

        action, reason = data.get("action"), data.get("reason")
        if action in REASONS and reason is not None and reason not in REASONS[action]:
            raise ValidationError(
                _l("Must be one of: {choices}.").format(choices=", ".join(REASONS[action])),
                "reason")
        if action == Action.ESCALATE and not data.get("note"):
            raise ValidationError(_l("Say why you escalate (a note is required)."), "note")
        if action in (Action.MARK_FALSE, Action.MARK_VERIFIED) and not data.get("link"):
            raise ValidationError(_l("This field is required."), "link")


class StatsArgsSchema(_BlankIsMissing):
    """`GET /api/v1/stats`: the unit (default: one's own) and the window in days."""

    unit = fields.String(load_default=None)
    days = fields.Integer(load_default=30, validate=validate.Range(
        min=1, max=365, error=_l("Between {min} and {max} days.")))


class SearchArgsSchema(_BlankIsMissing):
    """`GET /api/v1/search` and the search page: the words, what to search, the filters."""

    q = fields.String(required=True, validate=validate.Length(
        max=200, error=_l("At most {max} characters.")))
    kind = fields.String(load_default="posts", validate=validate.OneOf(
        SEARCH_KINDS, error=_l("Must be one of: {choices}.")))
    unit = fields.String(load_default=None)
    label = fields.String(load_default=None, validate=validate.OneOf(
        [label.value for label in Label], error=_l("Must be one of: {choices}.")))
    route = fields.String(load_default=None, validate=validate.OneOf(
        [route.value for route in Route], error=_l("Must be one of: {choices}.")))
    status = fields.String(load_default=None)
    platform = fields.String(load_default=None, validate=validate.OneOf(
        [p.value for p in Platform], error=_l("Must be one of: {choices}.")))
    date_from = fields.Date(load_default=None, format="%Y-%m-%d")
    date_to = fields.Date(load_default=None, format="%Y-%m-%d")
    page = fields.Integer(load_default=1, validate=validate.Range(
        min=1, max=SEARCH_MAX_PAGE, error=_l("Between {min} and {max}.")))

    @validates_schema
    def _fits_the_kind(self, data, **kwargs):
        if not query_words(data.get("q")):
            raise ValidationError(str(_l("Type at least one word to search for.")), "q")
        kind = data.get("kind", "posts")
        statuses = SEARCH_STATUSES.get(kind, ())
        if data.get("status") and data["status"] not in statuses:
            message = (str(_l("Must be one of: {choices}.")).format(choices=", ".join(statuses))
                       if statuses else str(_l("This filter does not apply to this kind of search.")))
            raise ValidationError(message, "status")
        for name, kinds in SEARCH_FILTER_KINDS.items():
            if data.get(name) and kind not in kinds:
                raise ValidationError(
                    str(_l("This filter does not apply to this kind of search.")), name)
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError(str(_l("The end date is before the start date.")), "date_to")


class SearchPageSchema(Schema):
    """`GET /api/v1/search`: one page of results, like the other lists."""

    kind = fields.String()
    q = fields.String()
    items = fields.List(fields.Dict(), metadata={
        "description": "posts as in the queue; officials and accounts as in their lists"})
    page = fields.Integer()
    pages = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer(metadata={"description": f"matches, counted up to {search.MAX_TOTAL}"})
    more = fields.Boolean(metadata={"description": "true when there are more matches than total"})


class StatsOutSchema(Schema):
    """How the review team of a subtree is doing (moderation.services.stats)."""

    unit = fields.String()
    days = fields.Integer()
    backlog = fields.Dict(metadata={"description": "queued items: total, by_label, by_route"})
    overdue = fields.Integer(metadata={"description": "queued items past their deadline"})
    decisions_per_day = fields.List(fields.Dict(), metadata={
        "description": "[{date (Vietnam time), decisions}], oldest first"})
    time_to_decision = fields.Dict(metadata={
        "description": "{decisions, p50_s, p90_s}: from the first copy to the decision"})
    time_to_decision_by_unit = fields.Dict()
    time_to_decision_by_reviewer = fields.Dict(metadata={"description": "by who decided"})
    time_to_first_claim = fields.Dict(metadata={
        "description": "{decisions, p50_s, p90_s}: from the first copy to the first claim, "
                       "over the decisions of the period"})
    time_to_first_claim_by_unit = fields.Dict()
    time_to_first_claim_by_reviewer = fields.Dict(metadata={"description": "by who decided"})
    flag_precision = fields.Dict(metadata={
        "description": "share of decided flagged posts confirmed, with its 95 % interval"})
    miss_rate = fields.Dict(metadata={
        "description": "share of the uniform sample found harmful or false, with its interval"})
    stories_per_week = fields.List(fields.Dict(), metadata={
        "description": "[{week_end, stories}]: stories published, oldest week first"})
    coverage_per_week = fields.List(fields.Dict(), metadata={
        "description": "[{week_end, roster, declared, coverage}]: registry coverage at the end "
                       "of each week, oldest first"})


class BulkSchema(DecisionSchema):
    """`POST /api/v1/queue/bulk` and the queue page's "selected items" form."""

    ids = fields.List(fields.Integer(), required=True, validate=validate.Length(
        min=1, max=100, error=_l("Select between {min} and {max} items.")))
    action = fields.String(required=True, validate=validate.OneOf(
        ["claim", "release"] + [a.value for a in Action if a != Action.UNDO],
        error=_l("Must be one of: {choices}.")))
    reason = fields.String(load_default=None)

    @validates_schema
    def _reason_needed(self, data, **kwargs):
        if data.get("action") not in ("claim", "release") and not data.get("reason"):
            raise ValidationError(_l("This field is required."), "reason")


class BulkOutSchema(Schema):
    """What a bulk action did: the items acted on, and those skipped with the reason."""

    done = fields.List(fields.Integer())
    skipped = fields.List(fields.Dict(), metadata={
        "description": "{id, why: not_found|claimed|decided|not_claimed|invalid, message}"})


# ---- output -----------------------------------------------------------------------------


def _for_submitter(decision) -> bool:
    """Shown to the post's submitter: what was decided and why, not who (nor their note)."""
    return getattr(decision, "for_submitter", False)


class DecisionOutSchema(Schema):
    """A decision or a reversal as the API shows it."""

    id = fields.Integer()
    post_id = fields.Integer()
    cluster_id = fields.Integer()
    action = fields.String()
    reason = fields.String(allow_none=True)
    note = fields.Function(lambda d: None if _for_submitter(d) else d.note, metadata={
        "description": "the reviewer's note (null for the post's submitter)"})
    link = fields.String(allow_none=True)
    reviewer = fields.Function(lambda d: None if _for_submitter(d) else d.reviewer.username,
                               metadata={"description": "who decided (null for the submitter)"})
    created_at = fields.Function(lambda d: as_utc(d.created_at).isoformat())
    scores = fields.Dict()
    label_seen = fields.String()
    model_version = fields.String(allow_none=True)
    previous_status = fields.String()
    reverses_id = fields.Integer(allow_none=True)
    open_seconds = fields.Integer(allow_none=True, metadata={
        "description": "seconds from the cluster's first copy to this decision"})
    claim_seconds = fields.Integer(allow_none=True, metadata={
        "description": "seconds from the cluster's first copy to its first claim"})
    posts = fields.Function(lambda d: len(d.applied))


class ImageOutSchema(Schema):
    """An attached image: where to fetch it (with the same permissions as the post)."""

    url = fields.Function(lambda i: f"/moderation/images/{i.filename}")
    content_type = fields.String()
    width = fields.Integer()
    height = fields.Integer()


def _iso(value):
    return as_utc(value).isoformat() if value else None


class PostOutSchema(Schema):
    """A post, its scores, source check, cluster and priority."""

    id = fields.Integer()
    status = fields.String()
    label = fields.String()
    scores = fields.Dict()
    explanation = fields.List(fields.Dict())
    model_version = fields.String(allow_none=True)
    cluster_id = fields.Integer()
    cluster_size = fields.Function(lambda p: p.cluster.size)
    priority = fields.Method("_priority")
    source_check = fields.String()
    source_domain = fields.String(allow_none=True)
    route = fields.String()
    text = fields.String()
    url = fields.String(allow_none=True)
    platform = fields.String(allow_none=True)
    account_id = fields.Integer(allow_none=True)
    unit = fields.Function(lambda p: p.unit.code)
    author = fields.String()
    channel = fields.String()
    seen_at = fields.Function(lambda p: _iso(p.seen_at))
    created_at = fields.Function(lambda p: _iso(p.created_at))
    images = fields.List(fields.Nested(ImageOutSchema))

    def _priority(self, post):
        from moderation.services.clusters import current_priority

        return current_priority(post.cluster)


class PostDetailSchema(PostOutSchema):
    """`GET /api/v1/posts/<id>`: the post with its decisions, newest first."""

    decisions = fields.List(fields.Nested(DecisionOutSchema))


class QueueItemSchema(PostOutSchema):
    """One queue item: the lead post of an open cluster."""

    groups = fields.List(fields.Dict())
    account_rejected_30d = fields.Integer(allow_none=True)
    claimed_by = fields.String(allow_none=True)
    claimed_until = fields.String(allow_none=True)
    deadline_at = fields.String(allow_none=True, metadata={
        "description": "when the deadline runs out (harmful and unverified items)"})
    overdue = fields.Boolean()


class QueuePageSchema(Schema):
    """`GET /api/v1/queue`."""

    items = fields.List(fields.Nested(QueueItemSchema))
    page = fields.Integer()
    pages = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class ClaimOutSchema(Schema):
    """A claim held."""

    claimed_until = fields.String()
    cluster_id = fields.Integer()
