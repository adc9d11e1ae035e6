"""Bulk intake: a whole file of checked posts in a few statements per thousand rows.

Most posts of a day's file are like nothing stored and like no other post of the file: each
starts a cluster of its own, so nothing needs to be looked up or locked one by one. A chunk of
rows is scored in one batch; the stored posts sharing an index key with any of its rows are
read in a few queries, and each row is checked against them and against the chunk's earlier
rows with intake's own rule (`neardup.closest`). The rows with no near-duplicate are written
as multi-row INSERTs: the clusters, then the posts, then their band keys. Every other post — a copy of a stored one, or of another row — then goes
through `intake.submit` in file order, exactly as a post from the API would (so within a chunk
the fresh rows get the lower ids). Everything happens in the caller's transaction, so a file is
written whole or not at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import BigInteger, bindparam, insert, select, text

from core.extensions import db
from core.models import Unit, User, utcnow
from core.services import ServiceError
from moderation import neardup, priority, scoring
from moderation.models import Cluster, Label, Post, PostBand, PostStatus
from moderation.services import clusters, intake
from moderation.sources import check_source

CHUNK = 5000           # rows scored and sorted into fresh posts and copies at once
BATCH = 2000           # rows a multi-row INSERT writes at once
KEYS_PER_QUERY = {"postgresql": 20000, "sqlite": 900}


class RowRefused(ServiceError):
    """A row the check let through was refused while writing (say, its account was removed
    meanwhile); the import names its line and writes nothing."""

    def __init__(self, number: int, error: ServiceError):
        super().__init__(error.message, error.field, error.code)
        self.number = number


@dataclass
class Outcome:
    """What became of one row: enough for the import's report."""

    number: int
    status: str
    cluster_id: int


@dataclass
class _Row:
    number: int
    data: dict
    unit: Unit
    root_id: int
    account: object
    prediction: dict | None
    fp: neardup.Fingerprint
    keys: list[int]


def submit_many(rows: list[tuple[int, dict, Unit]], submitter: User, channel: str,
                progress: Callable[[int], None] = lambda n: None) -> list[Outcome]:
    """Score and take in the checked rows (line, data, unit), CHUNK rows at a time so memory
    stays flat on a long file; adds and flushes, the caller commits. Outcomes come back in
    file order. A later chunk's copy of an earlier chunk's row finds it as a stored post."""
    outcomes: dict[int, Outcome] = {}
    for chunk in _batches(rows, CHUNK):
        predictions = scoring.classify([data["text"] for _n, data, _u in chunk])
        for outcome in _submit_chunk(chunk, submitter, channel,
                                     predictions or [None] * len(chunk), progress):
            outcomes[outcome.number] = outcome
    return [outcomes[number] for number, _data, _unit in rows]


def _submit_chunk(rows, submitter: User, channel: str, predictions: list,
                  progress: Callable[[int], None]) -> list[Outcome]:
    prepared = _prepare(rows, submitter, predictions)
    fresh, copies = _sort(prepared)
    outcomes = []
    for batch in _batches(fresh, BATCH):
        outcomes.extend(_insert_fresh(batch, submitter, channel))
        progress(len(batch))
    for row in copies:  # found, locked and joined as any single post is, in file order
        try:
            post = intake.submit(row.data, submitter, channel, prediction=row.prediction,
                                 predicted=True, unit=row.unit)
        except ServiceError as error:
            raise RowRefused(row.number, error) from None
        outcomes.append(Outcome(row.number, post.status, post.cluster_id))
        progress(1)
    return outcomes


def _sort(prepared: list[_Row]) -> tuple[list[_Row], list[_Row]]:
    """(fresh, copies): a row is fresh when `neardup.closest` finds no near-duplicate among
    the candidates intake would look at — stored posts sharing an index key (the most shared
    first, as many as clusters.MAX_CANDIDATES) and the earlier rows of the chunk sharing one.
    Most shared keys are chance collisions of the index, so checking them here, a chunk at a
    time, is what keeps a post that merely shares a band with another on the fast path."""
    stored = _stored_posts(prepared)
    earlier: dict[int, list[int]] = {}
    fresh, copies = [], []
    for index, row in enumerate(prepared):
        if not row.keys:
            copies.append(row)
            continue
        hits = Counter(post for key in row.keys for post in stored["by_key"].get(key, ()))
        candidates = [stored["posts"][post] for post, _n in
                      hits.most_common(clusters.MAX_CANDIDATES)]
        mates = Counter(j for key in row.keys for j in earlier.get(key, ()))
        for j, _n in mates.most_common(clusters.MAX_CANDIDATES):
            mate = prepared[j]
            candidates.append((mate.data["text"], mate.fp.to_bytes(), mate.fp.count))
        if candidates and neardup.closest(row.fp, [c[0] for c in candidates],
                                          [c[1] for c in candidates],
                                          [c[2] for c in candidates]) is not None:
            copies.append(row)
        else:
            fresh.append(row)
        for key in row.keys:
            earlier.setdefault(key, []).append(index)
    return fresh, copies


_BANDS_PG = text("SELECT band_key, post_id FROM post_bands "
                 "WHERE band_key = ANY(CAST(:keys AS BIGINT[]))")
_POSTS_PG = text("SELECT id, text, minhash, shingle_count FROM posts "
                 "WHERE id = ANY(CAST(:ids AS INTEGER[]))")


def _stored_posts(prepared: list[_Row]) -> dict:
    """{"by_key": band key → ids of stored posts with it, "posts": id → (text, signature,
    shingle count)} for the chunk's keys: a few queries for the whole chunk."""
    connection = db.session.connection()
    dialect = connection.dialect.name
    size = KEYS_PER_QUERY.get(dialect, 900)
    keys = sorted({key for row in prepared for key in row.keys})
    by_key: dict[int, list[int]] = {}
    for part in _batches(keys, size):
        if dialect == "postgresql":
            found = connection.execute(_BANDS_PG, {"keys": part})
        else:
            found = connection.execute(select(PostBand.band_key, PostBand.post_id).where(
                PostBand.band_key.in_(bindparam("keys", part, expanding=True,
                                                type_=BigInteger))))
        for key, post_id in found:
            by_key.setdefault(key, []).append(post_id)
    ids = sorted({post for posts in by_key.values() for post in posts})
    posts = {}
    for part in _batches(ids, size):
        if dialect == "postgresql":
            found = connection.execute(_POSTS_PG, {"ids": part})
        else:
            found = connection.execute(
                select(Post.id, Post.text, Post.minhash, Post.shingle_count)
                .where(Post.id.in_(bindparam("ids", part, expanding=True))))
        for post_id, body, minhash, count in found:
            posts[post_id] = (body, minhash, count)
    return {"by_key": by_key, "posts": posts}


def _prepare(rows, submitter: User, predictions: list) -> list[_Row]:
    accounts: dict = {}
    prepared = []
    for (number, data, unit), prediction in zip(rows, predictions, strict=True):
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
        prepared.append(_Row(number, data, unit, root_id, accounts[account_key], prediction, fp,
                             keys))
    return prepared


def _insert_fresh(batch: list[_Row], submitter: User, channel: str) -> list[Outcome]:
    """Rows that start a cluster each: their clusters, posts and band keys in three
    multi-row INSERTs, with what `intake.submit` would have written for each."""
    config = current_app.config
    thresholds = scoring.thresholds()
    now = utcnow()
    cluster_rows, post_rows = [], []
    for row in batch:
        prediction, data, account = row.prediction, row.data, row.account
        scores = (prediction or {}).get("scores", {})
        harmful = float(scores.get("harmful", 0.0))
        unverified = float(scores.get("unverified", 0.0))
        positive = float(scores.get("positive", 0.0))
        route = intake.route_for(prediction, config["MODERATION_SAMPLE_RATE"],
                                 thresholds=thresholds if prediction else None,
                                 uncertain_rate=config["MODERATION_UNCERTAIN_RATE"],
                                 band=config["MODERATION_UNCERTAIN_BAND"])
        queued = route in intake.QUEUE_ROUTES
        reach = (account.member_count or 0) if account is not None else 0
        status = PostStatus.PENDING if queued else PostStatus.CLEARED
        cluster_rows.append({
            "root_unit_id": row.root_id, "status": status, "size": 1,
            "groups": 1 if account is not None else 0, "reach": reach,
            "max_harmful": harmful, "max_unverified": unverified, "max_positive": positive,
            "queued_at": now if queued else None, "created_at": now, "updated_at": now})
        key = (priority.key(priority.static_priority(harmful, unverified, positive, reach, 1,
                                                     False), now) if queued else None)
        domain, verdict = check_source(data.get("url"), config["OFFICIAL_SOURCES"],
                                       config["UNRELIABLE_SOURCES"])
        post_rows.append({
            "unit_id": row.unit.id, "submitted_by_id": submitter.id, "channel": channel,
            "reporter": data.get("reporter") or "", "text": data["text"], "url": data.get("url"),
            "source_domain": domain, "source_check": verdict,
            "platform": data.get("platform") or (account.platform if account else None),
            "account_id": account.id if account else None, "author": data.get("author") or "",
            "seen_at": data.get("seen_at"),
            "label": prediction["label"] if prediction else Label.NEUTRAL,
            "score_harmful": harmful, "score_unverified": unverified,
            "score_positive": positive,
            "explanation": (prediction.get("explanation") or []) if prediction else [],
            "model_version": prediction.get("model_version") if prediction else None,
            "minhash": row.fp.to_bytes(), "shingle_count": row.fp.count, "status": status,
            "route": route, "priority_key": key, "queue_unit_id": row.unit.id if queued else None,
            "decided_at": None, "created_at": now, "updated_at": now})
    connection = db.session.connection()
    cluster_ids = _insert_returning_ids(connection, Cluster.__table__, cluster_rows)
    for values, cluster_id in zip(post_rows, cluster_ids, strict=True):
        values["cluster_id"] = cluster_id
    post_ids = _insert_returning_ids(connection, Post.__table__, post_rows)
    connection.execute(insert(PostBand.__table__),
                       [{"band_key": k, "post_id": post_id}
                        for row, post_id in zip(batch, post_ids, strict=True) for k in row.keys])
    return [Outcome(row.number, values["status"], values["cluster_id"])
            for row, values in zip(batch, post_rows, strict=True)]


def _insert_returning_ids(connection, table, rows: list[dict]) -> list[int]:
    """One multi-row INSERT (SQLAlchemy's "insertmanyvalues"); the new ids in row order."""
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(connection.execute(statement, rows).scalars())


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
