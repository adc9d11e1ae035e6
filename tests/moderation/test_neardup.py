"""Near-duplicate clusters through the real intake: forwarded copies join, distinct posts don't.

The figures are printed (run with -s) and kept in test-artifacts/neardup.json.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from sqlalchemy import func, select

from core.extensions import db
from moderation.models import Channel, Cluster, Post, PostBand
from moderation.services import intake
from tests.moderation.neardup_corpus import (
    ORIGINALS,
    SIBLINGS,
    forwarded_variant,
    forwarded_variants,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _submit(user, text, unit="ban-mat"):
    return intake.submit({"text": text, "unit": unit}, user, Channel.IMPORT)


def test_forwarded_copies_join_and_distinct_posts_stay_apart(app, demo):
    user = demo["users"]["kiemduyet.xa"]
    originals = [_submit(user, text) for text in ORIGINALS]
    siblings = [_submit(user, text) for text in SIBLINGS]
    variants = forwarded_variants(per_original=6, seed=11)
    random.Random(3).shuffle(variants)
    joined = 0
    for index, text in variants:
        post = _submit(user, text, unit=random.Random(index).choice(["ban-mat", "ban-sam-quang"]))
        joined += post.cluster_id == originals[index].cluster_id
    db.session.commit()

    distinct = originals + siblings
    apart = len({p.cluster_id for p in distinct})
    figures = {"variants": len(variants), "originals": len(ORIGINALS),
               "joined_their_original": joined, "join_rate": round(joined / len(variants), 4),
               "distinct_posts": len(distinct), "distinct_clusters": apart,
               "apart_rate": round(apart / len(distinct), 4), "backend": db.engine.dialect.name}
    print("\nnear-duplicates:", json.dumps(figures))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"neardup-{db.engine.dialect.name}.json").write_text(json.dumps(figures, indent=1))
    assert len(variants) >= 200 and len(ORIGINALS) >= 40
    assert joined / len(variants) >= 0.95
    assert apart / len(distinct) >= 0.99
    # Sizes are kept up to date: each original's cluster holds itself and its six copies.
    sizes = db.session.scalars(select(Cluster.size).where(
        Cluster.id.in_([p.cluster_id for p in originals]))).all()
    assert sum(sizes) == db.session.scalar(select(func.count(Post.id)).where(
        Post.cluster_id.in_([p.cluster_id for p in originals])))


def test_clusters_never_cross_communes(app, demo):
    text = ORIGINALS[0]
    here = _submit(demo["users"]["kiemduyet.xa"], text)
    there = _submit(demo["users"]["kiemduyet.namlanh"], text, unit="nam-lanh")
    assert here.cluster_id != there.cluster_id
    again = _submit(demo["users"]["kiemduyet.namlanh"], "Chia sẻ gấp!!! " + text,
                    unit="ban-huoi-ca")
    assert again.cluster_id == there.cluster_id


def test_lookup_goes_through_the_band_index(app, demo):
    """The candidate query is an indexed IN on post_bands.band_key, never a scan of posts."""
    user = demo["users"]["kiemduyet.xa"]
    post = _submit(user, forwarded_variant(ORIGINALS[3], random.Random(1)))
    bands = db.session.scalar(select(func.count()).select_from(PostBand)
                              .where(PostBand.post_id == post.id))
    assert 0 < bands <= 32
    statements = []

    from sqlalchemy import event

    def capture(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        _submit(user, ORIGINALS[3])
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    lookups = [s for s in statements if "post_bands" in s and s.lstrip().startswith("SELECT")]
    assert lookups and all("band_key IN" in s or "band_key = ANY" in s for s in lookups)
    if db.engine.dialect.name == "postgresql":
        # With sequential scans forbidden, the planner must still find an index for the very
        # statement intake runs.
        from moderation.services.clusters import _CANDIDATES_PG

        db.session.execute(db.text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(db.session.execute(
            db.text("EXPLAIN " + _CANDIDATES_PG.text), {"keys": [1, 2, 3], "limit": 50}).scalars())
        assert "Index" in plan and "Seq Scan" not in plan, plan
