"""Bulk intake: a whole file of checked posts in a few statements per thousand rows.

Most posts of a day's file are like nothing stored and like no other post of the file: each
starts a cluster of its own, so nothing needs to be looked up or locked one by one. A chunk of
rows is scored in one batch; the stored posts sharing an index key with any of its rows are
read in a few queries, and each row is checked against them and against the chunk's earlier
rows with intake's own rule (`neardup.closest`), which also names the cluster a copy joins.
The rows with no near-duplicate are written as multi-row INSERTs: the clusters, then the
posts, then their band keys. The copies — of a stored post, or of another row — follow in
file order, a batch at a time: their clusters are locked in one query, `intake.join`'s rules
are applied to them in memory (figures, groups, inherited decisions, a cleared cluster opened
by a flagged copy, the lead's sort key), and the posts go in as multi-row INSERTs too.
Everything happens in the caller's transaction, so a file is written whole or not at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from operator import attrgetter

from flask import current_app
from sqlalchemy import BigInteger, bindparam, func, insert, select, text, update
from sqlalchemy import inspect as sa_inspect

from core.extensions import db
from core.models import Unit, User, utcnow
from core.search import search_text_of
from core.services import ServiceError
from moderation import neardup, priority, scoring
from moderation.models import (
    DECIDED_STATUSES,
    OPEN_STATUSES,
    Cluster,
    DecisionPost,
    Label,
    Post,
    PostBand,
    PostStatus,
    Route,
)
from moderation.services import clusters, intake
from moderation.sources import check_source

CHUNK = 1000           # rows scored and sorted into fresh posts and copies at once (the
                       # stored candidates of a chunk are held in memory while it is sorted)
BATCH = 2000           # rows a multi-row INSERT writes at once
KEYS_PER_QUERY = {"postgresql": 20000, "sqlite": 900}
PER_KEY = 10           # stored posts read per index key (the newest)


class RowRefused(ServiceError):
    """A row the check let through was refused while writing (say, its account was removed
    meanwhile); the import names its line and writes nothing."""

    def __init__(self, number: int, error: ServiceError):
        super().__init__(error.message, error.field, error.code)
        self.number = number


@dataclass(slots=True)
class Outcome:
    """What became of one row: enough for the import's report."""

    number: int
    status: str
    cluster_id: int


@dataclass(slots=True)
class _Row:
    index: int  # in its chunk
    number: int
    data: dict
    unit: Unit
    root_id: int
    account: object
    prediction: dict | None
    fp: neardup.Fingerprint
    keys: list[int]
    # what a copy joins: ("cluster", id) of a stored post, or ("row", index) of an earlier row
    target: tuple[str, int] | None = None


def submit_many(rows: Iterable[tuple[int, dict, Unit]], submitter: User, channel: str,
                progress: Callable[[int], None] = lambda n: None) -> list[Outcome]:
    """Score and take in the checked rows (line, data, unit), in file order, CHUNK rows at a
    time so memory stays flat on a long file: `rows` may be a stream, only a chunk of it is
    held. Adds and flushes, the caller commits. Outcomes come back in file order. A later
    chunk's copy of an earlier chunk's row finds it as a stored post."""
    outcomes: list[Outcome] = []
    rows = iter(rows)
    while chunk := list(islice(rows, CHUNK)):
        predictions = scoring.classify([data["text"] for _n, data, _u in chunk])
        written = _submit_chunk(chunk, submitter, channel, predictions or [None] * len(chunk),
                                progress)
        outcomes.extend(sorted(written, key=attrgetter("number")))
    return outcomes


def _submit_chunk(rows, submitter: User, channel: str, predictions: list,
                  progress: Callable[[int], None]) -> list[Outcome]:
    prepared = _prepare(rows, submitter, predictions)
    fresh, copies, keyless = _sort(prepared)
    outcomes = []
    cluster_of: dict[int, int] = {}  # row index → its cluster
    for batch in _batches(fresh, BATCH):
        written = _insert_fresh(batch, submitter, channel)
        for row, outcome in zip(batch, written, strict=True):
            cluster_of[row.index] = outcome.cluster_id
        outcomes.extend(written)
        progress(len(batch))
    for batch in _batches(copies, BATCH):  # in file order: a copy may follow a copy
        outcomes.extend(_join_copies(batch, cluster_of, submitter, channel))
        progress(len(batch))
    for row in keyless:  # nothing to index them by: each on its own, as the API takes it
        try:
            post = intake.submit(row.data, submitter, channel, prediction=row.prediction,
                                 predicted=True, unit=row.unit)
        except ServiceError as error:
            raise RowRefused(row.number, error) from None
        outcomes.append(Outcome(row.number, post.status, post.cluster_id))
        progress(1)
    return outcomes


def _sort(prepared: list[_Row]) -> tuple[list[_Row], list[_Row], list[_Row]]:
    """(fresh, copies, keyless): a row is fresh when `neardup.closest` finds no near-duplicate
    among the candidates intake would look at — stored posts sharing an index key (the most
    shared first, as many as clusters.MAX_CANDIDATES, of each key's PER_KEY newest) and the
    earlier rows of the chunk sharing one; a copy's `target` is the closest one. Most shared
    keys are chance collisions of the index, so checking them here, a chunk at a time, is
    what keeps a post that merely shares a band with another on the fast path."""
    stored = _stored_posts(prepared)
    earlier: dict[int, list[int]] = {}
    fresh, copies, keyless = [], [], []
    for row in prepared:
        if not row.keys:
            keyless.append(row)
            continue
        hits = Counter(post for key in row.keys for post in stored["by_key"].get(key, ()))
        candidates = [(("cluster", stored["posts"][post][3]), *stored["posts"][post][:3])
                      for post, _n in hits.most_common(clusters.MAX_CANDIDATES)]
        mates = Counter(j for key in row.keys for j in earlier.get(key, ()))
        for j, _n in mates.most_common(clusters.MAX_CANDIDATES):
            mate = prepared[j]
            candidates.append((("row", j), mate.data["text"], mate.fp.to_bytes(), mate.fp.count))
        best = neardup.closest(row.fp, [c[1] for c in candidates], [c[2] for c in candidates],
                               [c[3] for c in candidates]) if candidates else None
        if best is None:
            fresh.append(row)
        else:
            row.target = candidates[best][0]
            copies.append(row)
        for key in row.keys:
            earlier.setdefault(key, []).append(row.index)
    return fresh, copies, keyless


# The newest posts of each key, at most PER_KEY: a key a big cluster of forwarded copies
# shares holds as many posts as the cluster, all copies of one another (a whole band of
# their signatures is the same), and reading every one of them for every row cost more than
# the rest of the chunk. The best candidates of a row are then the posts among those that
# share the most keys with it.
_BANDS_PG = ("SELECT band_key, post_id FROM (SELECT band_key, post_id, row_number() OVER "
             "(PARTITION BY band_key ORDER BY post_id DESC) AS rank FROM post_bands "
             "WHERE band_key = ANY(%(keys)s::bigint[])) AS ranked WHERE rank <= %(cap)s")
_POSTS_PG = ("SELECT id, text, minhash, shingle_count, cluster_id FROM posts "
             "WHERE id = ANY(%(ids)s::integer[])")


def _pg_rows(connection, sql: str, params: dict) -> list[tuple]:
    """Rows as plain tuples from this transaction's psycopg cursor: a chunk reads a million
    band rows, and building SQLAlchemy rows for them cost more than the query."""
    with connection.connection.driver_connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _stored_posts(prepared: list[_Row]) -> dict:
    """{"by_key": band key → ids of stored posts with it, "posts": id → (text, signature,
    shingle count, cluster id)} for the chunk's keys: a few queries for the whole chunk."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    size = KEYS_PER_QUERY.get(dialect, 900)
    keys = sorted({key for row in prepared for key in row.keys})
    by_key: dict[int, list[int]] = {}
    for part in _batches(keys, size):
        if dialect == "postgresql":
            found = _pg_rows(connection, _BANDS_PG, {"keys": part, "cap": PER_KEY})
        else:
            ranked = select(PostBand.band_key, PostBand.post_id, func.row_number().over(
                partition_by=PostBand.band_key, order_by=PostBand.post_id.desc()).label("rank")
            ).where(PostBand.band_key.in_(bindparam("keys", part, expanding=True,
                                                    type_=BigInteger))).subquery()
            found = connection.execute(select(ranked.c.band_key, ranked.c.post_id)
                                       .where(ranked.c.rank <= PER_KEY))
        for key, post_id in found:
            by_key.setdefault(key, []).append(post_id)
    ids = sorted({post for posts in by_key.values() for post in posts})
    posts = {}
    for part in _batches(ids, size):
        if dialect == "postgresql":
            found = _pg_rows(connection, _POSTS_PG, {"ids": part})
        else:
            found = connection.execute(
                select(Post.id, Post.text, Post.minhash, Post.shingle_count, Post.cluster_id)
                .where(Post.id.in_(bindparam("ids", part, expanding=True))))
        for post_id, body, minhash, count, cluster_id in found:
            posts[post_id] = (body, minhash, count, cluster_id)
    return {"by_key": by_key, "posts": posts}


def _prepare(rows, submitter: User, predictions: list) -> list[_Row]:
    accounts: dict = {}
    prepared = []
    for index, ((number, data, unit), prediction) in enumerate(zip(rows, predictions,
                                                                        strict=True)):
        root_id = clusters.review_root_id(unit)
        account_key = (data.get("account_id"), root_id)
        if account_key not in accounts:
            try:
                accounts[account_key] = intake.resolve_account(data.get("account_id"), root_id,
                                                               submitter)
            except ServiceError as error:
                raise RowRefused(number, error) from None
        fp = neardup.fingerprint(data["text"])
        keys = list(dict.fromkeys(neardup.band_keys(fp, root_id)))
        prepared.append(_Row(index, number, data, unit, root_id, accounts[account_key],
                             prediction, fp, keys))
    return prepared


def _insert_fresh(batch: list[_Row], submitter: User, channel: str) -> list[Outcome]:
    """Rows that start a cluster each: their clusters, posts and band keys in three
    multi-row INSERTs, with what `intake.submit` would have written for each."""
    route_of = intake.router()
    now = utcnow()
    cluster_rows, post_rows = [], []
    for row in batch:
        scores = _scores(row.prediction)
        route = route_of(row.prediction)
        queued = route in intake.QUEUE_ROUTES
        reach = (row.account.member_count or 0) if row.account is not None else 0
        status = PostStatus.PENDING if queued else PostStatus.CLEARED
        cluster_rows.append({
            "root_unit_id": row.root_id, "status": status, "size": 1,
            "groups": 1 if row.account is not None else 0, "reach": reach,
            "max_harmful": scores[0], "max_unverified": scores[1], "max_positive": scores[2],
            "queued_at": now if queued else None, "created_at": now, "updated_at": now})
        key = (priority.key(priority.static_priority(*scores, reach, 1, False), now)
               if queued else None)
        post_rows.append(_post_values(row, submitter, channel, route, status, key,
                                      row.unit.id if queued else None, None, now))
    connection = db.session.connection()
    cluster_ids = _insert_returning_ids(connection, Cluster.__table__, cluster_rows)
    for values, cluster_id in zip(post_rows, cluster_ids, strict=True):
        values["cluster_id"] = cluster_id
    _insert_posts(connection, batch, post_rows)
    return [Outcome(row.number, values["status"], values["cluster_id"])
            for row, values in zip(batch, post_rows, strict=True)]


def _join_copies(batch: list[_Row], cluster_of: dict[int, int], submitter: User,
                 channel: str) -> list[Outcome]:
    """Copies, in file order, joined to their clusters as `intake.join` joins one post: the
    clusters locked in one query, every rule applied in memory, then a few statements.

    Per copy: the cluster counts it (size, top scores; its account's group and reach once);
    a decided cluster gives it its status and decision; an open one its status (the lead's
    sort key is refreshed); a cleared one stays cleared unless the copy's route queues it —
    then the cluster and every post in it become pending, with this copy as the lead.
    """
    for row in batch:  # the cluster of each copy, a copy of a copy included
        kind, ref = row.target
        cluster_of[row.index] = ref if kind == "cluster" else cluster_of[ref]
    ids = sorted({cluster_of[row.index] for row in batch})
    found = _lock_clusters(ids)
    seen = _accounts_seen(ids)
    decisions = {cid: intake.effective_decision(cid) for cid, cluster in found.items()
                 if cluster.status in DECIDED_STATUSES}
    route_of = intake.router()
    now = utcnow()
    post_rows, inherited = [], []
    opened: set[int] = set()  # cleared clusters a copy opened
    lead_of: dict[int, dict] = {}  # opened cluster → its lead's values (a copy of this batch)
    refresh: set[int] = set()  # open clusters whose stored lead needs its key refreshed
    members: dict[int, list[dict]] = {}  # cluster → values of this batch's copies in it
    for row in batch:
        cid = cluster_of[row.index]
        cluster = found[cid]
        harmful, unverified, positive = _scores(row.prediction)
        cluster.size += 1
        cluster.max_harmful = max(cluster.max_harmful, harmful)
        cluster.max_unverified = max(cluster.max_unverified, unverified)
        cluster.max_positive = max(cluster.max_positive, positive)
        if row.account is not None and (cid, row.account.id) not in seen:
            seen.add((cid, row.account.id))
            cluster.groups += 1
            cluster.reach += row.account.member_count or 0
        route = route_of(row.prediction)
        status, decided_at = PostStatus.CLEARED, None
        if cluster.status in DECIDED_STATUSES:
            status, route, decided_at = cluster.status, Route.INHERITED, now
        elif cluster.status in OPEN_STATUSES:
            status = cluster.status
            if cid not in lead_of:
                refresh.add(cid)
        elif route in intake.QUEUE_ROUTES:
            cluster.status, cluster.queued_at, status = PostStatus.PENDING, now, PostStatus.PENDING
            opened.add(cid)
            for earlier in members.get(cid, ()):  # copies before this one were cleared
                earlier.update(status=PostStatus.PENDING, decided_at=None)
        values = _post_values(row, submitter, channel, route, status, None, None, decided_at,
                              now)
        values["cluster_id"] = cid
        if cid in opened and cid not in lead_of:
            lead_of[cid] = values
            values["queue_unit_id"] = row.unit.id
        members.setdefault(cid, []).append(values)
        if route == Route.INHERITED and decisions.get(cid) is not None:
            inherited.append((len(post_rows), decisions[cid]))
        post_rows.append(values)
    for cid, values in lead_of.items():  # the lead's key, with the cluster's final figures
        values["priority_key"] = clusters.lead_key(found[cid])
    db.session.flush()  # the clusters' figures and statuses
    connection = db.session.connection()
    if opened:  # their stored posts: pending, and no longer leading (make_lead, set_status)
        for part in _batches(sorted(opened), KEYS_PER_QUERY.get(connection.dialect.name, 900)):
            connection.execute(
                update(Post.__table__).where(Post.__table__.c.cluster_id.in_(part))
                .values(status=PostStatus.PENDING, decided_at=None, priority_key=None,
                        queue_unit_id=None, updated_at=now))
    post_ids = _insert_posts(connection, batch, post_rows)
    if inherited:
        connection.execute(insert(DecisionPost.__table__), [
            {"decision_id": decision.id, "post_id": post_ids[position],
             "previous_status": decision.previous_status} for position, decision in inherited])
    if refresh:
        connection.execute(clusters.SET_LEAD_KEY, [
            {"lead_cluster": cid, "lead_key": clusters.lead_key(found[cid]), "lead_now": now}
            for cid in sorted(refresh)])
    _expire_posts_of(opened | refresh)  # written past the session: it must read them again
    return [Outcome(row.number, values["status"], values["cluster_id"])
            for row, values in zip(batch, post_rows, strict=True)]


def _expire_posts_of(cluster_ids: set[int]) -> None:
    """Expire the session's posts of these clusters (those already expired reload anyway)."""
    if cluster_ids:
        for held in list(db.session.identity_map.values()):
            if (isinstance(held, Post)
                    and sa_inspect(held).dict.get("cluster_id") in cluster_ids):
                db.session.expire(held)


def _lock_clusters(ids: list[int]) -> dict[int, Cluster]:
    """The clusters, locked for this transaction in id order (as concurrent intake locks one)
    and refreshed in the session."""
    size = KEYS_PER_QUERY.get(db.session.get_bind().dialect.name, 900)
    found = {}
    for part in _batches(ids, size):
        found.update((cluster.id, cluster) for cluster in db.session.scalars(
            select(Cluster).where(Cluster.id.in_(part)).order_by(Cluster.id).with_for_update()
            .execution_options(populate_existing=True)))
    return found


def _accounts_seen(ids: list[int]) -> set[tuple[int, int]]:
    """(cluster, account) of the stored posts: an account counts once in a cluster's groups."""
    size = KEYS_PER_QUERY.get(db.session.get_bind().dialect.name, 900)
    seen = set()
    for part in _batches(ids, size):
        seen.update((cluster_id, account_id) for cluster_id, account_id in db.session.execute(
            select(Post.cluster_id, Post.account_id).distinct()
            .where(Post.cluster_id.in_(part), Post.account_id.is_not(None))))
    return seen


def _scores(prediction: dict | None) -> tuple[float, float, float]:
    scores = (prediction or {}).get("scores", {})
    return (float(scores.get("harmful", 0.0)), float(scores.get("unverified", 0.0)),
            float(scores.get("positive", 0.0)))


def _post_values(row: _Row, submitter: User, channel: str, route: str, status: str,
                 key: float | None, queue_unit_id: int | None, decided_at, now) -> dict:
    """The posts row `intake.submit` writes for this row (its cluster_id is set by the caller)."""
    config = current_app.config
    prediction, data, account = row.prediction, row.data, row.account
    harmful, unverified, positive = _scores(prediction)
    domain, verdict = check_source(data.get("url"), config["OFFICIAL_SOURCES"],
                                   config["UNRELIABLE_SOURCES"])
    values = {
        "unit_id": row.unit.id, "unit_path": row.unit.path, "submitted_by_id": submitter.id,
        "channel": channel,
        "reporter": data.get("reporter") or "", "text": data["text"], "url": data.get("url"),
        "source_domain": domain, "source_check": verdict,
        "platform": data.get("platform") or (account.platform if account else None),
        "account_id": account.id if account else None, "author": data.get("author") or "",
        "seen_at": data.get("seen_at"),
        "label": prediction["label"] if prediction else Label.NEUTRAL,
        "score_harmful": harmful, "score_unverified": unverified, "score_positive": positive,
        "explanation": (prediction.get("explanation") or []) if prediction else [],
        "model_version": prediction.get("model_version") if prediction else None,
        "minhash": row.fp.to_bytes(), "shingle_count": row.fp.count, "status": status,
        "route": route, "priority_key": key, "queue_unit_id": queue_unit_id,
        "decided_at": decided_at, "created_at": now, "updated_at": now}
    values["search_text"] = search_text_of(Post, values)
    return values


def _insert_posts(connection, batch: list[_Row], post_rows: list[dict]) -> list[int]:
    """The posts (one multi-row INSERT) and their band keys; the new posts' ids."""
    post_ids = _insert_returning_ids(connection, Post.__table__, post_rows)
    bands = [(k, post_id) for row, post_id in zip(batch, post_ids, strict=True) for k in row.keys]
    if connection.dialect.name == "postgresql":  # ~16 a post: COPY takes them 10× faster
        cursor = connection.connection.driver_connection.cursor()  # this transaction's
        with cursor, cursor.copy("COPY post_bands (band_key, post_id) FROM STDIN") as copy:
            for band in bands:
                copy.write_row(band)
    elif bands:
        connection.execute(insert(PostBand.__table__),
                           [{"band_key": k, "post_id": post_id} for k, post_id in bands])
    return post_ids


_NEXT_IDS_PG = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                    "FROM generate_series(1, :count)")


def _insert_returning_ids(connection, table, rows: list[dict]) -> list[int]:
    """One multi-row INSERT (SQLAlchemy's "insertmanyvalues"); the new ids in row order.

    On PostgreSQL the ids are drawn from the table's sequence first, in one query, and the
    rows go in with them and no RETURNING: RETURNING in row order cost several times the
    INSERT itself (and far more on posts, the widest table)."""
    if connection.dialect.name == "postgresql":
        ids = sorted(connection.execute(_NEXT_IDS_PG, {"table": table.name,
                                                       "count": len(rows)}).scalars())
        for values, new_id in zip(rows, ids, strict=True):
            values["id"] = new_id
        connection.execute(insert(table), rows)
        return ids
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(connection.execute(statement, rows).scalars())


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
