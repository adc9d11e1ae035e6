"""Alembic revisions build exactly the schema the models describe, and downgrade cleanly."""

from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from core import create_app
from core.extensions import db
from core.search import include_object
from tests.conftest import make_config


def _pg_scratch_database():
    """A throw-away PostgreSQL database next to TEST_DATABASE_URL (dropped afterwards)."""
    base = os.environ["TEST_DATABASE_URL"]
    name = f"caidep_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + f"/{name}"

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


@pytest.fixture(params=["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else []))
def scratch_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    url, drop = _pg_scratch_database()
    try:
        yield url
    finally:
        drop()


def test_upgrade_matches_models_and_downgrade_empties(scratch_url, tmp_path):
    app = create_app(make_config(tmp_path, scratch_url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": include_object})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        leftover = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert leftover == set()
        db.engine.dispose()


def test_queue_indexes_hold_queued_posts_only(scratch_url, tmp_path):
    """0006: compare_metadata does not look at an index's WHERE, so this does."""
    app = create_app(make_config(tmp_path, scratch_url))
    with app.app_context():
        upgrade()
        indexes = {ix["name"]: ix for ix in inspect(db.engine).get_indexes("posts")}
        queue = [name for name in indexes if name.startswith("ix_posts_queue")]
        assert len(queue) == 4
        for name in queue:
            where = next(iter(indexes[name].get("dialect_options", {}).values()), "")
            assert "priority_key IS NOT NULL" in str(where), (name, indexes[name])
        db.engine.dispose()


def _insert_commune(conn) -> None:
    conn.execute(text("INSERT INTO units (id, code, name, kind, path, depth, created_at) "
                      "VALUES (1, 'xa', 'Xã', 'commune', '/1/', 0, CURRENT_TIMESTAMP)"))


def test_existing_officials_get_their_vietnamese_sort_key(scratch_url, tmp_path):
    """0005 backfills sort_name for rosters written before it."""
    app = create_app(make_config(tmp_path, scratch_url))
    with app.app_context():
        upgrade(revision="0004_feed")
        with db.engine.begin() as conn:
            _insert_commune(conn)
            for number, name in enumerate(["Vừ A Dính", "Lò Văn Ánh", "Quàng Thị An"], 1):
                conn.execute(text(
                    "INSERT INTO officials (id, unit_id, full_name, position, party_member, "
                    "active, created_at, updated_at) VALUES (:id, 1, :name, '', false, true, "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"id": number, "name": name})
        upgrade()
        with db.engine.connect() as conn:
            names = conn.execute(text(
                "SELECT full_name FROM officials ORDER BY sort_name")).scalars().all()
        assert names == ["Quàng Thị An", "Lò Văn Ánh", "Vừ A Dính"]
        db.engine.dispose()


def _insert_post_0006(conn, number: int, body: str) -> None:
    """A cluster and its post as revision 0006 stored them."""
    conn.execute(text(
        "INSERT INTO clusters (id, root_unit_id, status, size, groups, reach, max_harmful, "
        "max_unverified, max_positive, created_at, updated_at) VALUES (:id, 1, 'cleared', 1, 0, "
        "0, 0, 0, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"id": number})
    conn.execute(text(
        "INSERT INTO posts (id, unit_id, channel, reporter, text, source_check, author, label, "
        "score_harmful, score_unverified, score_positive, explanation, cluster_id, minhash, "
        "shingle_count, status, route, created_at, updated_at) VALUES (:id, 1, 'form', '', "
        ":text, 'none', 'Lò Văn Pọm', 'neutral', 0, 0, 0, '[]', :id, :minhash, 99, 'cleared', "
        "'clean', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
        {"id": number, "text": body, "minhash": b"\0" * 256})


def test_posts_written_before_0007_get_the_keys_intake_now_computes(scratch_url, tmp_path):
    """0007 recomputes signatures and index keys from the texts (rule of moderation.neardup)."""
    from moderation import neardup
    from moderation.models import Post, PostBand

    app = create_app(make_config(tmp_path, scratch_url))
    texts = ["Cực kì thuyết phục! 😀",
             "Chia sẻ gấp!!! Nghe nói tuần sau xã sẽ thu hồi đất nương của các hộ ở Bản Mạt."]
    with app.app_context():
        upgrade(revision="0006_partial_queue_indexes")
        with db.engine.begin() as conn:
            _insert_commune(conn)
            for number, body in enumerate(texts, 1):  # SQL: the models are newer than 0006
                _insert_post_0006(conn, number, body)
                conn.execute(text("INSERT INTO post_bands (band_key, post_id) VALUES (:k, :p)"),
                             {"k": 1000 + number, "p": number})
        db.session.commit()
        upgrade()
        db.session.expire_all()
        for number, body in enumerate(texts, 1):
            fp = neardup.fingerprint(body)
            post = db.session.get(Post, number)
            assert (post.minhash, post.shingle_count) == (fp.to_bytes(), fp.count)
            keys = db.session.scalars(db.select(PostBand.band_key)
                                      .where(PostBand.post_id == number)).all()
            assert sorted(keys) == sorted(set(neardup.band_keys(fp, 1)))
        db.session.remove()
        db.engine.dispose()


def test_rows_written_before_0012_are_found_by_search(scratch_url, tmp_path):
    """0012 folds the posts, officials and accounts already stored and indexes them."""
    from core.search import matching
    from moderation.models import Post
    from registry.models import Official

    app = create_app(make_config(tmp_path, scratch_url))
    with app.app_context():
        upgrade(revision="0011_decision_open_seconds")
        with db.engine.begin() as conn:
            _insert_commune(conn)
            _insert_post_0006(conn, 1, "Đập thủy điện Nậm Pồn sắp vỡ, bà con sơ tán ngay!")
            _insert_post_0006(conn, 2, "Chi đoàn sửa xong con đường lên nương.")
            conn.execute(text(
                "INSERT INTO officials (id, unit_id, full_name, position, party_member, active, "
                "created_at, updated_at) VALUES (1, 1, 'Hà Thị Nhung', 'Chủ tịch Hội Phụ nữ', "
                "false, true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        upgrade()

        def found(model, query):
            return db.session.scalars(matching(db.select(model.id), model, query)).all()

        assert found(Post, "dap thuy dien") == [1]
        assert sorted(found(Post, "lo van pom")) == [1, 2]  # the author
        assert found(Official, "hoi phu nu") == [1]
        assert db.session.scalar(db.select(Post.unit_path).where(Post.id == 1)) == "/1/"
        db.session.remove()
        db.engine.dispose()
