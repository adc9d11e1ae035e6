"""Registry benchmark: a province-sized registry, coverage query times, import rate → JSON.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_registry \
        .venv/bin/python bench/registry.py [--officials 1000000] [--accounts-per-official 2]

It DROPS and rebuilds the schema of the configured database (migrations), so it refuses a database
whose name does not contain "bench". Bulk load: PostgreSQL COPY (executemany on SQLite), never the
ORM row by row. Targets (PostgreSQL): province coverage ≤ 300 ms, one commune ≤ 20 ms.
Never part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = datetime.now(UTC)
STATUSES = np.array(["declared", "verified", "rejected", "retired"])
STATUS_P = [0.35, 0.45, 0.08, 0.12]
KINDS = np.array(["personal", "group", "page"])
KIND_P = [0.7, 0.2, 0.1]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officials", type=int, default=1_000_000)
    parser.add_argument("--accounts-per-official", type=float, default=2.0)
    parser.add_argument("--districts", type=int, default=12)
    parser.add_argument("--communes-per-district", type=int, default=52)
    parser.add_argument("--villages-per-commune", type=int, default=15)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=20261125)
    return parser.parse_args()


def make_app():
    from core import create_app
    from core.config import TestConfig

    url = os.environ.get("DATABASE_URL", "")
    if "bench" not in url.rsplit("/", 1)[-1]:
        sys.exit("DATABASE_URL must name a throw-away database containing 'bench' "
                 "(e.g. …/bench_registry): this benchmark drops its tables.")
    config = type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url,
                                                  "TESTING": False})
    return create_app(config)


def reset_schema():
    from flask_migrate import upgrade
    from sqlalchemy import text

    from core.extensions import db

    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.drop_all()
    upgrade(directory=str(ROOT / "migrations"))


def bulk(table: str, columns: list[str], rows) -> None:
    """COPY on PostgreSQL, executemany on SQLite; `rows` is an iterable of tuples."""
    from core.extensions import db

    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if db.engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                               list(rows))
        raw.commit()
    finally:
        raw.close()


def build_units(args):
    """Province → districts → communes → villages, with materialised paths."""
    units = [(1, "tinh-bench", "Tỉnh Thử Nghiệm", "province", None, "/1/", 0)]
    communes, villages = [], []
    next_id = 2
    for d in range(args.districts):
        district = next_id
        units.append((district, f"huyen-{d}", f"Huyện {d}", "district", 1, f"/1/{district}/", 1))
        next_id += 1
        for c in range(args.communes_per_district):
            commune = next_id
            path = f"/1/{district}/{commune}/"
            units.append((commune, f"xa-{d}-{c}", f"Xã {d}-{c}", "commune", district, path, 2))
            communes.append(commune)
            next_id += 1
            for v in range(args.villages_per_commune):
                units.append((next_id, f"ban-{d}-{c}-{v}", f"Bản {d}-{c}-{v}", "village", commune,
                              f"{path}{next_id}/", 3))
                villages.append(next_id)
                next_id += 1
    return units, communes, villages


def generate(args, villages, rng):
    """Officials spread over the villages, accounts per official, and each official's stats."""
    n = args.officials
    official_unit = np.array(villages)[np.arange(n) % len(villages)]
    per = rng.integers(0, int(2 * args.accounts_per_official) + 1, size=n)
    owner = np.repeat(np.arange(n), per)
    m = len(owner)
    status = rng.choice(len(STATUSES), size=m, p=STATUS_P)
    kind = rng.choice(len(KINDS), size=m, p=KIND_P)
    age_days = rng.uniform(0, 400, size=m)
    verified = status == 1
    active = (status == 0) | verified
    accounts_active = np.bincount(owner, weights=active, minlength=n).astype(int)
    confirmed = np.where(verified, age_days, np.nan)
    newest = np.full(n, np.inf)
    oldest = np.full(n, -np.inf)
    np.minimum.at(newest, owner[verified], confirmed[verified])   # youngest age = newest
    np.maximum.at(oldest, owner[verified], confirmed[verified])   # oldest age
    return official_unit, owner, status, kind, age_days, accounts_active, newest, oldest


def when(days: float):
    return None if not np.isfinite(days) else NOW - timedelta(days=float(days))


def load(args, rng):
    units, communes, villages = build_units(args)
    bulk("units", ["id", "code", "name", "kind", "parent_id", "path", "depth", "created_at"],
         (u + (NOW,) for u in units))
    official_unit, owner, status, kind, age, active_count, newest, oldest = generate(
        args, villages, rng)
    bulk("officials", ["id", "unit_id", "full_name", "position", "party_member", "phone",
                       "active", "created_at", "updated_at", "accounts_active",
                       "verified_newest_at", "verified_oldest_at"],
         ((i + 1, int(official_unit[i]), f"Cán bộ {i}", "Đảng viên", bool(i % 3), None, True,
           NOW, NOW, int(active_count[i]), when(newest[i]), when(oldest[i]))
          for i in range(args.officials)))
    bulk("accounts", ["id", "platform", "kind", "canonical_id", "identifier", "display_name",
                      "purpose", "status", "official_id", "unit_id", "verified_at",
                      "confirmed_at", "retired_at", "created_at", "updated_at"],
         ((j + 1, "facebook", str(KINDS[kind[j]]), f"bench{j}", f"facebook.com/bench{j}",
           f"Tài khoản {j}", "", str(STATUSES[status[j]]), int(owner[j]) + 1,
           int(official_unit[owner[j]]), when(age[j]) if status[j] == 1 else None,
           when(age[j]) if status[j] == 1 else None, NOW if status[j] == 3 else None, NOW, NOW)
          for j in range(len(owner))))
    bulk("account_declarants", ["account_id", "official_id", "role", "created_at"],
         ((j + 1, int(owner[j]) + 1, "owner", NOW) for j in range(len(owner))))
    return units, communes, len(owner)


def finish_load(units_count: int, officials: int, accounts: int) -> None:
    from sqlalchemy import text

    from core.extensions import db

    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table, last in (("units", units_count), ("officials", officials),
                            ("accounts", accounts)):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {last})"))
        conn.execute(text("VACUUM ANALYZE"))


def check_stats_sample(count: int = 500) -> bool:
    """The COPY'd stats equal what registry.services.stats computes (on a sample)."""
    from sqlalchemy import select

    from core.extensions import db
    from registry.models import Official
    from registry.services import stats

    ids = list(db.session.scalars(select(Official.id).order_by(Official.id).limit(count)))
    before = db.session.execute(select(Official.id, Official.accounts_active,
                                       Official.verified_newest_at, Official.verified_oldest_at)
                                .where(Official.id.in_(ids)).order_by(Official.id)).all()
    stats.refresh(ids)
    after = db.session.execute(select(Official.id, Official.accounts_active,
                                      Official.verified_newest_at, Official.verified_oldest_at)
                               .where(Official.id.in_(ids)).order_by(Official.id)).all()
    db.session.rollback()

    def close(a, b):
        return a == b or (a is not None and b is not None and abs((a - b).total_seconds()) < 1)

    return all(x[1] == y[1] and close(x[2], y[2]) and close(x[3], y[3])
               for x, y in zip(before, after, strict=True))


def time_coverage(unit, repeat: int) -> dict:
    from core.extensions import db
    from registry.coverage import coverage

    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        rows, _own = coverage(unit)
        runs.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    return {"first_ms": round(runs[0], 1), "median_ms": round(statistics.median(runs), 1),
            "min_ms": round(min(runs), 1), "children": len(rows),
            "roster": sum(r.roster for r in rows)}


def time_naive_province(unit) -> float | None:
    """The same numbers joined from the accounts (what the per-official stats avoid)."""
    from sqlalchemy import text

    from core.extensions import db

    if db.engine.dialect.name != "postgresql":
        return None
    sql = text("""
        SELECT split_part(substr(u.path, :n), '/', 1) AS child, count(DISTINCT d.official_id)
        FROM account_declarants d JOIN accounts a ON a.id = d.account_id
        JOIN officials o ON o.id = d.official_id JOIN units u ON u.id = o.unit_id
        WHERE u.path LIKE :p AND a.status IN ('declared', 'verified') GROUP BY 1""")
    started = time.perf_counter()
    db.session.execute(sql, {"n": len(unit.path) + 1, "p": unit.path + "%"}).all()
    db.session.rollback()
    return round((time.perf_counter() - started) * 1000, 1)


def time_import(rows: int, commune_code: str) -> dict:
    """Import `rows` new people with one account each into one commune's villages."""
    import csv
    import io

    from sqlalchemy import select

    from core.extensions import db
    from core.models import Unit
    from registry.importing import run_import

    commune = db.session.scalar(select(Unit).where(Unit.code == commune_code))
    villages = [u.code for u in commune.children]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Mã đơn vị", "Họ và tên", "Số điện thoại", "Địa chỉ tài khoản"])
    tag = time.strftime("%H%M%S")  # fresh people and accounts on every run
    for n in range(rows):
        writer.writerow([villages[n % len(villages)], f"Người nhập {tag} {n}", f"09{n:08d}",
                         f"https://www.facebook.com/nguoi.nhap.{tag}.{n}"])
    started = time.perf_counter()
    report = run_import("bench.csv", buffer.getvalue().encode())
    db.session.commit()
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_second": round(rows / seconds),
            "errors": len(report.errors)}


def main() -> None:
    args = parse_args()
    app = make_app()
    rng = np.random.default_rng(args.seed)
    with app.app_context():
        from sqlalchemy import select

        from core.extensions import db
        from core.models import Unit

        started = time.perf_counter()
        reset_schema()
        units, communes, accounts = load(args, rng)
        finish_load(len(units), args.officials, accounts)
        seed_seconds = time.perf_counter() - started
        province = db.session.scalar(select(Unit).where(Unit.id == 1))
        commune = db.session.get(Unit, communes[len(communes) // 2])
        result = {
            "benchmark": "registry",
            "database": db.engine.dialect.name,
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "system": platform.platform()},
            "units": len(units), "officials": args.officials, "accounts": accounts,
            "seed_seconds": round(seed_seconds, 1),
            "stats_match_services": check_stats_sample(),
            "coverage_province": time_coverage(province, args.repeat),
            "coverage_commune": {**time_coverage(commune, args.repeat), "unit": commune.code},
            "naive_join_province_ms": time_naive_province(province),
            "import": time_import(args.import_rows, commune.code),
            "targets_ms": {"province": 300, "commune": 20},
        }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
