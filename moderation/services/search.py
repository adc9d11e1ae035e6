"""Search: posts, officials and accounts found by their words, accents or not, in one's scope.

"dap thuy dien" finds "Đập thủy điện sắp vỡ" (core.search folds both). What each person finds
is what they could already list: reviewers the posts of their subtree and members the posts
they submitted; unit admins the roster of their subtree (others their own record); staff the
accounts declared in their subtree (others their own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text

from core.extensions import db
from core.models import Role, Unit, User
from core.scoping import most_of_the_tree, scope_root, scoped, subtree_ids
from core.search import matching, query_words, scope_word, vector_matches, vector_of
from core.services import _vn_day_start
from moderation.models import Post
from moderation.services import queue
from registry import services as registry
from registry.models import Account, Official

KINDS = {"posts": _l("Social posts"), "officials": _l("Officials"), "accounts": _l("Accounts")}
PER_PAGE = 20
MAX_TOTAL = 200  # counted at most (ten pages): "more than 200" means "add a word"
WINDOW = 5_000  # PostgreSQL: the newest posts looked at first (see _newest_matches)
NEWEST = (Post.created_at.desc(), Post.id.desc())


def _post_filters(user: User, unit: Unit | None = None, label: str | None = None,
                  route: str | None = None, status: str | None = None, date_from=None,
                  date_to=None, scope: bool = True):
    """The posts one may search, with the filters given (the words not applied yet); without
    the reviewer's subtree when ``scope`` is false (its scope word stands for it)."""
    if user.has_role(Role.REVIEWER):
        stmt = scoped(select(Post), Post.unit_id, user, within=unit) if scope else select(Post)
    else:
        stmt = select(Post).where(Post.submitted_by_id == user.id)
        if unit is not None:
            stmt = stmt.where(Post.unit_id.in_(subtree_ids(unit)))
    for column, value in ((Post.label, label), (Post.route, route), (Post.status, status)):
        if value:
            stmt = stmt.where(column == value)
    if date_from:
        stmt = stmt.where(Post.created_at >= _vn_day_start(date_from))
    if date_to:
        stmt = stmt.where(Post.created_at < _vn_day_start(date_to + timedelta(days=1)))
    return stmt


def officials(user: User, query: str, unit: Unit | None = None):
    """Officials whose name or position has every word of the query, in roster order."""
    return matching(registry.officials_query(user, unit), Official, query)


def accounts(user: User, query: str, unit: Unit | None = None, status: str | None = None,
             platform: str | None = None):
    """Accounts whose name, handle, link or platform has every word, newest first."""
    stmt = matching(registry.accounts_query(user, unit, status, platform), Account, query)
    return stmt.order_by(None).order_by(Account.created_at.desc(), Account.id.desc())


def find(kind: str, user: User, args: dict, unit: Unit | None) -> Results:
    """The page of matches for a kind and the request's words, filters and page."""
    query, page = args.get("q") or "", args.get("page", 1)
    if kind == "officials":
        return page_of(officials(user, query, unit), page)
    if kind == "accounts":
        return page_of(accounts(user, query, unit, args.get("status"), args.get("platform")), page)
    filters = (user, unit, args.get("label"), args.get("route"), args.get("status"),
               args.get("date_from"), args.get("date_to"))
    filtered = _post_filters(*filters)
    if db.session.get_bind().dialect.name == "postgresql" and query_words(query):
        root = scope_root(user, unit) if user.has_role(Role.REVIEWER) else None
        by_word = None  # the subtree as a word of the vector: a commune, not a province
        if root is not None and not most_of_the_tree(root):
            by_word = (_post_filters(*filters, scope=False), scope_word(root))
        return _newest_matches(filtered, query_words(query), page, by_word)
    return page_of(matching(filtered, Post, query).order_by(*NEWEST), page)



@dataclass
class Results:
    """One page of matches; ``total`` is counted up to MAX_TOTAL (``more`` when there are more)."""

    items: list
    page: int
    total: int
    more: bool
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def page_of(stmt, page: int) -> Results:
    """The page's rows and the capped count: counting every match of a common word among a
    million posts would cost more than finding them."""
    model = stmt.column_descriptions[0]["entity"]
    capped = stmt.with_only_columns(model.id).order_by(None).limit(MAX_TOTAL + 1)
    found = db.session.scalar(select(func.count()).select_from(capped.subquery()))
    stmt = stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    items = (queue.shown(db.session.scalars(stmt.with_only_columns(Post.id)).all())
             if model is Post else db.session.scalars(stmt).all())
    return Results(items, page, min(found, MAX_TOTAL), found > MAX_TOTAL, PER_PAGE)


def _newest_matches(filtered, words: list[str], page: int, by_word=None) -> Results:
    """PostgreSQL: the page and the capped count from the ids of at most MAX_TOTAL + 1 newest
    matches, found in one of two ways whatever the planner guesses about the words.

    First among the newest WINDOW posts, whatever the filters: a common word ("bà con" is in
    one post in eight) has more than MAX_TOTAL matches there, and those are the newest matches
    of all. The window is a subquery with its own LIMIT, so the planner cannot push the words
    into it: it walks the date index and checks 5,000 stored vectors (milliseconds), where a
    range condition let it intersect the GIN index first, which costs more the more common
    the words. Otherwise the matches are few enough to collect through the GIN index and sort,
    a commune's subtree being one more word of the vector (``by_word``: the filters without
    the subtree, and its word; see core.search). The planner is kept from walking the date
    index then: it guesses the rarity of several words together badly, and a walk for a rare
    phrase reads the whole table. Plans are made for the values given (psycopg prepares a
    statement run often, and a generic plan cannot know how common the words are).
    """
    db.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    window = (select(Post.id, vector_of(Post).label("vector")).order_by(*NEWEST).limit(WINDOW)
              .subquery("recent"))
    ids = db.session.scalars(
        filtered.with_only_columns(Post.id)
        .where(Post.id.in_(select(window.c.id).where(vector_matches(window.c.vector, words))))
        .order_by(*NEWEST).limit(MAX_TOTAL + 1)).all()
    more_posts = db.session.scalar(select(Post.id).order_by(*NEWEST).offset(WINDOW).limit(1))
    if more_posts is not None and len(ids) <= MAX_TOTAL:
        stmt, also = (by_word[0], (by_word[1],)) if by_word else (filtered, ())
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        try:
            ids = db.session.scalars(
                stmt.with_only_columns(Post.id)
                .where(vector_matches(vector_of(Post), words, also))
                .order_by(*NEWEST).limit(MAX_TOTAL + 1)).all()
        finally:
            db.session.execute(text("SET LOCAL enable_seqscan = on"))
    db.session.execute(text("SET LOCAL plan_cache_mode = auto"))
    return Results(queue.shown(ids[(page - 1) * PER_PAGE: page * PER_PAGE]), page,
                   min(len(ids), MAX_TOTAL), len(ids) > MAX_TOTAL, PER_PAGE)
