"""Search benchmark on PostgreSQL with 1,000,000 posts stored; prints JSON. Never part of the tests.

    .venv/bin/python bench/search.py     # BENCH_SEARCH_DATABASE_URL, default a local
                                         # postgresql://…/bench_search (recreated)

1. A fresh database: the demo commune and 19 more communes (≈ 200 units), their officials.
2. BENCH_SEARCH_POSTS posts (default 1,000,000) written with COPY, ``search_text`` folded as
   intake folds it: sentences of the project's own seed corpus (classifiers/data/seed.csv,
   our text) recombined with everyday commune words, an author on a third of them and a
   Facebook link on a fifth, spread over a year and over the communes; then the GIN index
   is built and the tables analysed, as a DBA would after a bulk load.
3. ``GET /api/v1/search`` through the app (token, arguments, scope, query, count, JSON), by a
   province admin and a commune reviewer, for the queries people type: a few words of a post
   they saw typed without accents, an author's name, part of a link, a single very common
   word (the worst case: a third of all posts match), and words with filters (label, date
   range, unit). p50 / p95 per kind and overall; the target is p95 ≤ 100 ms.
"""

from __future__ import annotations

import csv
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("BENCH_DATABASE_URL", os.environ.get(
    "BENCH_SEARCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_search"))

from bench.moderation import (  # noqa: E402  (the same database, app and machine helpers)
    PLATFORMS,
    WORDS,
    log,
    make_app,
    next_ids,
    recreate_database,
    seed_units,
    speed_probe,
    timed_ms,
    vacuum_analyze,
)

POSTS = int(os.environ.get("BENCH_SEARCH_POSTS", 1_000_000))
CALLS = int(os.environ.get("BENCH_SEARCH_CALLS", 60))  # per kind of query and user
FAMILY = ["Lò", "Lường", "Quàng", "Cầm", "Vì", "Hà", "Điêu", "Tòng", "Mùa", "Giàng", "Sùng",
          "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Đinh", "Bạc", "Lự", "Thào"]
MIDDLE = ["Văn", "Thị", "A", "Đức", "Minh", "Thanh", "Xuân", "Hồng"]
GIVEN = ["Pọm", "Piêng", "Duyên", "Thành", "Hiên", "Sơn", "Nhung", "Mai", "Tủa", "Chứ", "Pó",
         "Dính", "Ánh", "Khằm", "Ún", "Xoan", "Lả", "Cương", "Bình", "Tâm", "Hải", "Sang",
         "Thắm", "Vàng", "Hoa", "Lan", "Dũng", "Toàn", "Kiên", "Nga"]
COLUMNS = ("id", "unit_id", "unit_path", "channel", "reporter", "text", "url", "source_check", "platform",
           "author", "label", "score_harmful", "score_unverified", "score_positive",
           "explanation", "cluster_id", "minhash", "shingle_count", "status", "route",
           "created_at", "updated_at", "search_text")


def sentences() -> list[str]:
    """The seed corpus cut into sentences: our own text, in the registers posts come in."""
    with (ROOT / "classifiers" / "data" / "seed.csv").open(encoding="utf-8", newline="") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    return [s.strip() for t in texts for s in t.replace("!", ".").replace("?", ".").split(".")
            if len(s.split()) >= 4]


def generate(rng: random.Random, pieces: list[str], units: list[tuple[int, str]], at):
    """One post row (without its id and cluster), written at ``at``."""
    from core.search import document

    body = " ".join(rng.choice(pieces) + "." for _ in range(rng.randint(1, 4)))
    if rng.random() < 0.5:
        body += " " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12))) + "."
    author = (f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
              if rng.random() < 0.33 else "")
    url = (f"https://www.facebook.com/nhom.ban.{rng.randint(1, 50_000)}/posts/{rng.randint(1, 10**9)}"
           if rng.random() < 0.2 else None)
    roll = rng.random()
    label = ("harmful" if roll < 0.06 else "unverified" if roll < 0.14 else
             "positive" if roll < 0.22 else "neutral")
    status = "pending" if label in ("harmful", "unverified") and rng.random() < 0.3 else (
        "rejected" if label == "harmful" else "cleared")
    row = [*rng.choice(units), "api", "", body, url, "none", rng.choice(PLATFORMS), author, label,
           0.9 if label == "harmful" else 0.0, 0.9 if label == "unverified" else 0.0,
           0.9 if label == "positive" else 0.0, "[]", None, b"", 0, status,
           "flagged" if label in ("harmful", "unverified") else "clean", at, at,
           document(body, author, url)]
    return row


def load(engine, units: list[tuple[int, str]], now, first: int) -> None:
    """COPY the posts (clusters of one, same id; search does not look at clusters) after the
    demo's, then build the search index."""
    rng = random.Random(20261207)
    pieces = sentences()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("DROP INDEX IF EXISTS ix_posts_search")  # built once, after the load
        for start in range(first, first + POSTS, 50_000):
            rows = []
            for post_id in range(start, min(start + 50_000, first + POSTS)):
                # in the order they came in, over the last year (created_at is intake time)
                at = now - timedelta(days=365) * (1 - (post_id - first) / POSTS)
                row = generate(rng, pieces, units, at)
                rows.append([post_id, *row[:14], post_id, *row[15:]])
            with cursor.copy("COPY clusters (id, root_unit_id, status, size, groups, reach, "
                             "max_harmful, max_unverified, max_positive, created_at, updated_at) "
                             "FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((row[0], row[1], row[18], 1, 0, 0, 0, 0, 0, row[20], row[20]))
            with cursor.copy(f"COPY posts ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            raw.commit()
            log(f"  {min(start - first + 50_000, POSTS):,} / {POSTS:,} posts")
        t0 = time.perf_counter()
        from core.search import statements

        for sql in statements("posts", "postgresql"):
            cursor.execute(sql)
        raw.commit()
        log(f"  GIN index built in {time.perf_counter() - t0:.0f} s")
        for table in ("posts", "clusters"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                           f"(SELECT max(id) FROM {table}))")
        raw.commit()
    finally:
        raw.close()


def sample_rows() -> list[dict]:
    """Every 500th stored post: what the queries are drawn from."""
    from core.extensions import db

    return [dict(row._mapping) for row in db.session.execute(text(
        "SELECT text, author, url FROM posts WHERE id % 500 = 0 ORDER BY id"))]


def strip(words: str) -> str:
    from core.text import fold

    return fold(words)


def queries(sample: list[dict], rng: random.Random) -> dict[str, list[dict]]:
    """What people type, drawn from stored posts (so each finds at least its post)."""
    kinds = {"a few words of a post, no accents": [], "an author's name": [],
             "part of a link": [], "one very common word": [],
             "words + label + last 30 days": [], "words + one commune": []}
    for _ in range(CALLS):
        row = rng.choice(sample)
        words = row["text"].split()
        start = rng.randrange(max(1, len(words) - 3))
        phrase = strip(" ".join(words[start:start + rng.randint(2, 4)])) or "ba con"
        kinds["a few words of a post, no accents"].append({"q": phrase})
        named = rng.choice([r for r in sample if r["author"]])
        kinds["an author's name"].append({"q": strip(named["author"])})
        linked = rng.choice([r for r in sample if r["url"]])
        kinds["part of a link"].append({"q": "/".join(linked["url"].split("/")[2:4])})
        kinds["one very common word"].append({"q": rng.choice(["ba con", "xa", "ban", "nguoi"])})
        kinds["words + label + last 30 days"].append({"q": phrase.split()[0], "label": "harmful",
                                                      "date_from": "2026-11-07"})
        kinds["words + one commune"].append({"q": phrase, "unit": "muong-leo"})
    return kinds


def bench(app, tokens: dict, kinds: dict) -> dict:
    client = app.test_client()
    every, per = [], {}
    for user, headers in tokens.items():
        for kind, calls in kinds.items():
            if kind == "words + one commune" and user != "admin":
                continue
            times, found = [], []
            for params in calls:
                t0 = time.perf_counter()
                response = client.get("/api/v1/search", query_string=params, headers=headers)
                times.append(time.perf_counter() - t0)
                assert response.status_code == 200, (params, response.get_json())
                found.append(response.get_json()["total"])
            found.sort()
            per[f"{user}: {kind}"] = {**timed_ms(times), "median_total": found[len(found) // 2]}
            every.extend(times)
    return {"overall": timed_ms(every), "kinds": per}


def main() -> None:
    from core.extensions import db
    from core.models import Unit, utcnow
    from core.services import create_token, get_user

    reuse = os.environ.get("BENCH_SEARCH_REUSE") == "1"  # the database of the last run, as it is
    if not reuse:
        recreate_database()
    app = make_app()
    report = {}
    with app.app_context():
        if not reuse:
            db.create_all()
            seed_units()
            units = [tuple(row) for row in db.session.execute(
                db.select(Unit.id, Unit.path).where(Unit.kind == "village"))]
            log(f"loading {POSTS:,} posts…")
            t0 = time.perf_counter()
            first = max(next_ids())
            db.session.commit()  # no read lock left on posts: the load drops its index
            load(db.engine, units, utcnow(), first)
            report["load_seconds"] = round(time.perf_counter() - t0, 1)
            vacuum_analyze()
        tokens = {name: {"Authorization": f"Bearer {create_token(get_user(name), 'bench')[1]}"}
                  for name in ("admin", "kiemduyet.xa")}
        db.session.commit()
        sample = sample_rows()
        report["stored_posts"] = db.session.scalar(text("SELECT count(*) FROM posts"))
        report["postgresql"] = db.session.scalar(text("SHOW server_version"))
        report["index_mb"] = round(db.session.scalar(text(
            "SELECT pg_relation_size('ix_posts_search')")) / 2**20, 1)
    report["speed_probe_ms"] = speed_probe()
    kinds = queries(sample, random.Random(7))
    bench(app, tokens, {k: v[:5] for k, v in kinds.items()})  # warm the cache, as a server is
    report["search_api"] = bench(app, tokens, kinds)
    report["targets"] = {"search_p95_ms<=100": report["search_api"]["overall"]["p95_ms"] <= 100}
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
