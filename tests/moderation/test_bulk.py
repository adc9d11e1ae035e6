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


# Stored posts in each kind of cluster, and distinct texts long enough to be fingerprinted.
DECIDED = "Lũ mất dạy ở bản bên kia toàn phường trộm cắp, gặp đứa nào thì đánh cho chừa cái tội."
OPEN = "Nghe đồn công ty thủy điện sắp xả đáy đêm nay, nước sẽ dâng ngập hết các bản ven suối."
CLEARED = "Chiều thứ năm bản Pá Khôm họp tổ dân vận bàn chuyện đắp lại đoạn mương dẫn nước lên ruộng."
FRESH = "Hợp tác xã mận Tả Van nhận đặt hàng sớm cho vụ mùa năm sau với giá cao hơn năm ngoái."


def _prediction(label: str, harmful=0.0, unverified=0.0, positive=0.0) -> dict:
    return {"label": label, "scores": {"harmful": harmful, "unverified": unverified,
                                       "positive": positive},
            "explanation": [], "model_version": "test-equivalence"}


def test_bulk_copies_end_as_one_by_one_intake_would_leave_them(app, demo, monkeypatch):
    """The same rows, once through intake.submit one by one (rolled back), once in bulk: every
    row ends with the same status, route, cluster, lead and inherited decision, and every
    cluster with the same figures — stored clusters decided, open and cleared, copies of
    copies, a flagged copy opening a cleared cluster, a group counted once."""
    from moderation.models import Action, DecisionPost
    from moderation.services import intake, review
    from registry.models import Account, Official

    app.config.update(MODERATION_SAMPLE_RATE=0.0, MODERATION_UNCERTAIN_RATE=0.0)
    user = demo["users"]["kiemduyet.xa"]
    unit = user.unit
    official = Official(unit=unit, full_name="Lò Thị Nhóm")
    db.session.add(official)
    db.session.flush()
    group = Account(platform="zalo", kind="group", canonical_id="g/eq", identifier="g/eq",
                    display_name="Nhóm bản", member_count=300, official=official, unit=unit)
    db.session.add(group)
    db.session.flush()
    stored = {}
    for name, text, prediction, account in [
            ("decided", DECIDED, _prediction("harmful", harmful=0.9), {}),
            ("open", OPEN, _prediction("unverified", unverified=0.8), {"account_id": group.id}),
            ("cleared", CLEARED, _prediction("neutral", harmful=0.1), {"account_id": group.id})]:
        stored[name] = intake.submit({"text": text, **account}, user, "api",
                                     prediction=prediction, predicted=True, unit=unit)
    review.decide(stored["decided"], user, Action.REJECT, "vulgar")
    db.session.commit()
    stored_clusters = {name: post.cluster_id for name, post in stored.items()}

    neutral, flagged = _prediction("neutral", harmful=0.2), _prediction("harmful", harmful=0.95)
    rows = [  # (text, prediction, with the group?)
        (DECIDED + " 😡", neutral, False),
        (OPEN + " chia sẻ ngay", neutral, True),        # the group is in it already
        (CLEARED + " 👍", neutral, False),              # still cleared
        (FRESH, neutral, True),
        (FRESH + " !!!", neutral, False),                # a copy of a fresh row
        ("Chia sẻ gấp: " + CLEARED, flagged, False),     # opens the cleared cluster
        (CLEARED + " ...", neutral, True),               # joins it open, group counted once
        ("Chia sẻ gấp: " + OPEN, flagged, False),        # raises the open cluster's figures
        (DECIDED + " !!!", flagged, True),               # inherits the decision; a new group
        (DECIDED + " ???", neutral, True),               # the same group: counted once
    ]
    predictions = {text: prediction for text, prediction, _g in rows}
    monkeypatch.setattr("moderation.scoring.classify",
                        lambda texts: [predictions[t] for t in texts])
    data = [{"text": text, **({"account_id": group.id} if with_group else {})}
            for text, _p, with_group in rows]

    def snapshot(posts: list[Post]) -> tuple[list, dict]:
        first_row = {}  # a cluster is named by its stored post, or by its first row
        for name, cluster_id in stored_clusters.items():
            first_row[cluster_id] = name
        for number, post in enumerate(posts):
            first_row.setdefault(post.cluster_id, number)
        db.session.expire_all()
        per_row = []
        for post in posts:
            post = db.session.get(Post, post.id)
            inherited = db.session.scalar(select(DecisionPost.decision_id)
                                          .where(DecisionPost.post_id == post.id))
            per_row.append((post.status, post.route, first_row[post.cluster_id],
                            post.priority_key, post.queue_unit_id, post.decided_at is not None,
                            inherited))
        figures = {}
        for cluster_id, name in first_row.items():
            cluster = db.session.get(Cluster, cluster_id)
            lead = clusters.lead_of(cluster)
            figures[name] = (cluster.status, cluster.size, cluster.groups, cluster.reach,
                             cluster.max_harmful, cluster.max_unverified,
                             cluster.queued_at is not None,
                             lead.text if lead is not None else None,
                             round(lead.priority_key, 2) if lead is not None else None,
                             sorted(p.status for p in db.session.scalars(
                                 select(Post).where(Post.cluster_id == cluster_id))))
        return per_row, figures

    one_by_one = [intake.submit(d, user, "import", prediction=predictions[d["text"]],
                                predicted=True, unit=unit) for d in data]
    db.session.flush()
    expected = snapshot(one_by_one)
    db.session.rollback()

    outcomes = bulk.submit_many([(n, d, unit) for n, d in enumerate(data)], user, "import")
    db.session.flush()
    posts = [db.session.scalar(select(Post).where(Post.text == d["text"])) for d in data]
    assert [o.cluster_id for o in outcomes] == [p.cluster_id for p in posts]
    got = snapshot(posts)
    # the sort keys carry the time they were computed at: compare them as "set or not"
    def keyless(snap):
        per_row, figures = snap
        return [(*r[:3], r[3] is not None, *r[4:]) for r in per_row], figures
    assert keyless(got) == keyless(expected)
    for (_s, _r, _c, key, *_), (_s2, _r2, _c2, want, *_) in zip(*(s[0] for s in (got, expected)),
                                                              strict=True):
        assert (key is None) == (want is None) and (key is None or abs(key - want) < 1e-3)
    # what the rows did, spelled out
    assert [r[0] for r in got[0]] == ["rejected", "pending", "pending", "cleared", "cleared",
                                      "pending", "pending", "pending", "rejected", "rejected"]
    assert got[1]["cleared"][0] == "pending" and got[1]["cleared"][7] == rows[5][0]
    assert got[1]["decided"][1:4] == (4, 1, 300)


def test_a_copy_of_a_cluster_bigger_than_the_keys_read_still_joins_it(importer, monkeypatch):
    """Only the newest PER_KEY posts of an index key are read: a copy of a big cluster finds
    it through them."""
    monkeypatch.setattr(bulk, "PER_KEY", 2)
    (first,) = importer([UNIQUE[1]])
    for tail in (" 👍", " !!!", " 😍", " ❤️"):
        (outcome,) = importer([UNIQUE[1] + tail])
        assert outcome.cluster_id == first.cluster_id
    (last,) = importer(["Chia sẻ ngay: " + UNIQUE[1]])
    assert last.cluster_id == first.cluster_id
    assert db.session.get(Cluster, first.cluster_id).size == 6


def test_a_long_batch_is_scored_in_parts_each_text_keeping_its_own_result(app, monkeypatch):
    from moderation import scoring

    texts = [*UNIQUE, *UNIQUE[:2]]
    whole = scoring.active_model().predict(texts)
    monkeypatch.setattr(scoring, "PREDICT_BATCH", 2)
    calls = []
    model = scoring.active_model()
    original = model.predict
    monkeypatch.setattr(model, "predict", lambda part: calls.append(len(part)) or original(part))
    parts = scoring.classify(texts)
    assert calls == [2, 2, 2, 1]
    assert [p["scores"] for p in parts] == [p["scores"] for p in whole]
