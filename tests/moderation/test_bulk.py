"""Bulk intake writes what one-by-one intake would: a post like nothing stored and like no
other row starts its own cluster (in multi-row INSERTs), copies join their clusters, and the
band index then finds the bulk-written posts as it finds any other."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.extensions import db
from moderation import neardup
from moderation.models import Cluster, Post, PostBand
from moderation.services import bulk, clusters, importing
from tests.moderation.conftest import HARMFUL

UNIQUE = [
    "Tổ hòa giải bản Pá Khôm họp bàn việc chia nước ruộng bậc thang vụ mùa năm nay.",
    "Thư viện xã nhận thêm ba trăm cuốn sách thiếu nhi do một nhóm sinh viên gửi tặng.",
    "Mày là đồ ăn hại, cút khỏi bản này ngay, lũ chó má chúng mày.",
    "Nghe nói tối nay đập thủy điện xả lũ, không báo trước, bà con ven suối chạy ngay.",
    "Cần bán ba con lợn giống và một con bê, liên hệ chị Lả ở đầu bản Phiêng Ban.",
]


@pytest.fixture
def importer(app, demo):
    app.config.update(MODERATION_SAMPLE_RATE=0.0, MODERATION_UNCERTAIN_RATE=0.0)
    user = demo["users"]["kiemduyet.xa"]

    def _run(texts: list[str], account=None) -> list:
        rows = [(n + 2, {"text": t, **({"account_id": account.id} if account else {})},
                 user.unit) for n, t in enumerate(texts)]
        valid, errors = importing.validate_rows([(n, d) for n, d, _ in rows], user)
        assert not errors
        outcomes = importing.import_rows(valid, user, "test.csv")
        db.session.commit()
        return outcomes

    return _run


def test_fresh_posts_get_what_single_intake_would_give_them(importer, api_post):
    outcomes = importer(UNIQUE)
    posts = [db.session.scalar(select(Post).where(Post.cluster_id == o.cluster_id))
             for o in outcomes]
    assert len({o.cluster_id for o in outcomes}) == len(UNIQUE)
    for post, outcome in zip(posts, outcomes, strict=True):
        cluster = db.session.get(Cluster, post.cluster_id)
        assert (cluster.size, cluster.status, post.status) == (1, outcome.status, outcome.status)
        assert post.channel == "import" and post.model_version is not None
        assert cluster.max_harmful == post.score_harmful
        if post.status == "pending":  # a queued post leads its cluster, sorted as submit sorts
            assert post.priority_key == pytest.approx(clusters.lead_key(cluster))
            assert post.queue_unit_id == post.unit_id
        else:
            assert post.priority_key is None and post.queue_unit_id is None
        stored = set(db.session.scalars(select(PostBand.band_key)
                                        .where(PostBand.post_id == post.id)))
        assert stored == set(neardup.band_keys(neardup.fingerprint(post.text),
                                               cluster.root_unit_id))
    assert {p.status for p in posts} == {"pending", "cleared"}, [p.label for p in posts]
    # a forwarded copy sent later joins the bulk-written post's cluster
    copy = api_post("dangvien.banmat", "Chia sẻ ngay!!! " + UNIQUE[3]).get_json()
    assert copy["cluster_id"] == outcomes[3].cluster_id
    assert db.session.get(Cluster, outcomes[3].cluster_id).size == 2


def test_copies_within_the_file_and_of_stored_posts_join_their_clusters(importer, api_post):
    stored = api_post("dangvien.banmat", HARMFUL).get_json()
    outcomes = importer([UNIQUE[0], UNIQUE[1] + " 👍", "Chia sẻ gấp!!! " + UNIQUE[1],
                         HARMFUL + " 😡"])
    assert outcomes[1].cluster_id == outcomes[2].cluster_id != outcomes[0].cluster_id
    assert db.session.get(Cluster, outcomes[1].cluster_id).size == 2
    assert outcomes[3].cluster_id == stored["cluster_id"]
    assert db.session.get(Cluster, stored["cluster_id"]).size == 2


def test_a_group_counts_its_reach_in_a_bulk_written_cluster(importer, demo):
    from registry.models import Account, Official

    unit = demo["users"]["kiemduyet.xa"].unit
    official = Official(unit=unit, full_name="Lò Văn Nhóm")
    db.session.add(official)
    db.session.flush()
    group = Account(platform="zalo", kind="group", canonical_id="g/bulk-a", identifier="g/bulk-a",
                    display_name="Nhóm A", member_count=420, official=official, unit=unit)
    db.session.add(group)
    db.session.commit()
    (outcome,) = importer([UNIQUE[2]], account=group)
    cluster = db.session.get(Cluster, outcome.cluster_id)
    assert (cluster.groups, cluster.reach) == (1, 420)
    post = db.session.scalar(select(Post).where(Post.cluster_id == cluster.id))
    assert (post.account_id, post.platform) == (group.id, "zalo")


def test_batches_split_a_long_file_without_losing_a_row(importer, monkeypatch):
    monkeypatch.setattr(bulk, "BATCH", 2)
    monkeypatch.setattr(bulk, "CHUNK", 3)
    before = db.session.scalar(select(func.count(Post.id)))
    texts = UNIQUE + [
        "Đội văn nghệ bản Nà Sài tập bài múa xòe mới cho ngày hội đại đoàn kết cuối tuần.",
        "Trạm y tế xã tiêm vắc xin sởi cho trẻ dưới năm tuổi vào sáng thứ hai tuần sau.",
        "Hợp tác xã chè Tà Xùa thu mua búp tươi với giá cao hơn năm ngoái hai nghìn đồng.",
        "Cầu treo qua suối Nậm Công đã sửa xong, học sinh không phải lội nước đến trường.",
    ]
    outcomes = importer(texts)
    assert db.session.scalar(select(func.count(Post.id))) == before + len(texts)
    assert len({o.cluster_id for o in outcomes}) == len(texts)
    assert [o.number for o in outcomes] == list(range(2, 2 + len(texts)))


def test_a_copy_in_a_later_chunk_joins_the_post_of_an_earlier_one(importer, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 2)
    outcomes = importer([UNIQUE[0], UNIQUE[1], UNIQUE[4], "Chia sẻ ngay: " + UNIQUE[0]])
    assert outcomes[3].cluster_id == outcomes[0].cluster_id
    assert db.session.get(Cluster, outcomes[0].cluster_id).size == 2
