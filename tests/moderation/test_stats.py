"""GET /api/v1/stats: a subtree's backlog, decisions per day, time to decision, flag precision
and overdue items, scoped like everything else."""

from __future__ import annotations

from datetime import timedelta

from core.extensions import db
from core.models import utcnow
from moderation.models import Cluster
from tests.moderation.test_batch import TEXTS


def _stats(client, headers, **params):
    response = client.get("/api/v1/stats", query_string=params, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_stats_follow_the_reviewers_work(client, token_for, api_post):
    headers = token_for("kiemduyet.xa")
    ids = [api_post("dangvien.banmat", text).get_json() for text in TEXTS]
    late = db.session.get(Cluster, ids[2]["cluster_id"])
    late.created_at = utcnow() - timedelta(hours=30)
    db.session.commit()
    before = _stats(client, headers, unit="muong-leo", days=7)
    assert set(before) >= {"backlog", "decisions_per_day", "time_to_decision", "flag_precision",
                           "overdue"}
    assert before["overdue"] == 1 and len(before["decisions_per_day"]) == 7
    for post, action, reason in ((ids[0], "reject", "incitement"), (ids[1], "approve", "fine")):
        assert client.post(f"/api/v1/posts/{post['id']}/decision", headers=headers,
                           json={"action": action, "reason": reason}).status_code == 200
    after = _stats(client, headers, unit="muong-leo", days=7)
    assert after["backlog"]["total"] == before["backlog"]["total"] - 2
    assert after["backlog"]["by_label"]["harmful"] == before["backlog"]["by_label"]["harmful"] - 2
    today = after["decisions_per_day"][-1]
    assert today["decisions"] == before["decisions_per_day"][-1]["decisions"] + 2
    ttd = after["time_to_decision"]
    assert ttd["decisions"] == before["time_to_decision"]["decisions"] + 2
    assert ttd["p50_s"] is not None and ttd["p90_s"] >= ttd["p50_s"]
    assert after["time_to_decision_by_reviewer"]["kiemduyet.xa"]["decisions"] >= 2
    precision = after["flag_precision"]
    assert precision["n"] == before["flag_precision"]["n"] + 2
    assert precision["hits"] == before["flag_precision"]["hits"] + 1
    assert after["overdue"] == 1  # the late one is still waiting


def test_stats_are_scoped(client, token_for):
    assert _stats(client, token_for("quantri.xa"))["unit"] == "muong-leo"
    assert client.get("/api/v1/stats", headers=token_for("dangvien.banmat")).status_code == 403
    outsider = client.get("/api/v1/stats?unit=muong-leo", headers=token_for("kiemduyet.namlanh"))
    assert outsider.status_code == 404
    bad = client.get("/api/v1/stats?days=0", headers=token_for("kiemduyet.xa"))
    assert bad.status_code == 422 and "days" in bad.get_json()["error"]["fields"]


def test_the_stats_page_draws_its_charts_over_tables(client, login_as, token_for, api_post):
    post = api_post("dangvien.banmat", TEXTS[0]).get_json()
    client.post(f"/api/v1/posts/{post['id']}/decision", headers=token_for("kiemduyet.xa"),
                json={"action": "reject", "reason": "incitement"})
    login_as("kiemduyet.xa")
    page = client.get("/moderation/stats?days=7").get_data(as_text=True)
    assert "Thống kê kiểm duyệt · Xã Mường Lèo" in page
    assert page.count("<svg") == 4 and 'role="img"' in page and "<script" not in page
    assert "Số quyết định mỗi ngày, 7 ngày qua" in page
    assert '">kiemduyet.xa</td>' in page
    answer = client.get("/moderation/stats.csv?days=7")
    lines = answer.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert answer.mimetype == "text/csv" and lines[0] == "ngay,so_quyet_dinh" and len(lines) > 8
    assert any(line.startswith("kiemduyet.xa,") for line in lines)


def test_stories_and_registry_coverage_per_week(client, token_for, api_post, demo):
    from feed.models import Story, StoryStatus
    from registry.models import Account, AccountDeclarant, Official

    headers = token_for("quantri.xa")
    before = _stats(client, headers, unit="muong-leo", days=28)
    assert len(before["stories_per_week"]) == len(before["coverage_per_week"]) == 4
    now = utcnow()
    post = api_post("dangvien.banmat", "Bà con bản Pá Phày làm xong cầu treo qua suối.").get_json()
    db.session.add(Story(post_id=post["id"], unit_id=demo["units"]["ban-mat"].id, title="Cầu treo",
                         body="Bà con làm xong cầu treo.", status=StoryStatus.PUBLISHED,
                         published_at=now - timedelta(days=10)))
    official = Official(unit=demo["units"]["ban-sam-quang"], full_name="Hà Thị Nhung",
                        created_at=now - timedelta(days=20))
    db.session.add(official)
    db.session.flush()
    account = Account(platform="zalo", kind="group", canonical_id="g-pa-phay", identifier="g-pa-phay",
                      official=official, unit=official.unit, created_at=now - timedelta(days=3))
    db.session.add(account)
    db.session.flush()
    db.session.add(AccountDeclarant(account_id=account.id, official_id=official.id,
                                    created_at=now - timedelta(days=3)))
    db.session.commit()
    after = _stats(client, headers, unit="muong-leo", days=28)

    def change(key, field):
        return [a[field] - b[field] for a, b in zip(after[key], before[key], strict=True)]

    assert change("stories_per_week", "stories") == [0, 0, 1, 0]  # published 10 days ago
    assert change("coverage_per_week", "roster") == [0, 1, 1, 1]  # on the roster 20 days ago
    assert change("coverage_per_week", "declared") == [0, 0, 0, 1]  # declared 3 days ago
    last = after["coverage_per_week"][-1]
    assert last["coverage"] == round(100 * last["declared"] / last["roster"], 1)
    elsewhere = _stats(client, token_for("kiemduyet.namlanh"), days=28)
    assert elsewhere["stories_per_week"] == [
        {**row, "stories": 0} for row in elsewhere["stories_per_week"]]


def test_the_stats_page_and_csv_show_stories_and_coverage(client, login_as):
    login_as("quantri.xa")
    page = client.get("/moderation/stats?days=28").get_data(as_text=True)
    assert "Câu chuyện đã đăng mỗi tuần" in page and "Tỷ lệ khai báo tài khoản theo tuần" in page
    assert page.count("<svg") == 4
    csv_text = client.get("/moderation/stats.csv?days=28").get_data().decode("utf-8-sig")
    assert "tuan_ket_thuc,so_cau_chuyen,da_ke_khai,danh_sach,ty_le_phan_tram" in csv_text


def test_time_to_first_claim_counts_from_the_first_copy_to_the_first_claim(
        client, token_for, api_post, login_as, demo):
    from core.models import User
    from tests.factories import make_user

    headers = token_for("kiemduyet.xa")
    other = make_user("kiemduyet2", demo["units"]["muong-leo"], ("reviewer",))
    db.session.commit()
    post = api_post("dangvien.banmat", TEXTS[0]).get_json()
    cluster = db.session.get(Cluster, post["cluster_id"])
    cluster.created_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    assert client.post(f"/api/v1/posts/{post['id']}/claim", headers=headers).status_code == 200
    released = client.post("/api/v1/queue/bulk", headers=headers,
                           json={"ids": [post["id"]], "action": "release"})
    assert released.get_json()["done"] == [post["id"]]
    # Claimed an hour after the first copy, released, then decided by someone else: the
    # first claim is what the team's pick-up time counts, the decision what the deadline does.
    cluster = db.session.get(Cluster, post["cluster_id"], populate_existing=True)
    cluster.created_at -= timedelta(hours=1)
    cluster.first_claimed_at -= timedelta(hours=1)
    db.session.commit()
    from core.services import create_token

    _, plain = create_token(db.session.get(User, other.id), "t")
    db.session.commit()
    decided = client.post(f"/api/v1/posts/{post['id']}/decision",
                          headers={"Authorization": f"Bearer {plain}"},
                          json={"action": "reject", "reason": "incitement"}).get_json()
    assert 7200 <= decided["claim_seconds"] < 7260 and decided["open_seconds"] >= 10800
    figures = _stats(client, headers, unit="muong-leo", days=7)
    claim = figures["time_to_first_claim_by_reviewer"]["kiemduyet2"]
    decision = figures["time_to_decision_by_reviewer"]["kiemduyet2"]
    assert claim["decisions"] == decision["decisions"] == 1
    assert 7200 <= claim["p50_s"] == claim["p90_s"] < 7260
    assert 10800 <= decision["p50_s"] < 10860
    every = figures["time_to_first_claim"]
    assert every["decisions"] == figures["time_to_decision"]["decisions"] >= 1
    assert every["p90_s"] >= every["p50_s"]
    assert figures["time_to_first_claim_by_unit"]["ban-mat"]["p90_s"] >= 7200  # its queue
    login_as("kiemduyet.xa")
    page = client.get("/moderation/stats?days=7").get_data(as_text=True)
    assert "Thời gian đến khi có người nhận xử lý: <strong>trung vị" in page
    assert '<td data-label="Đơn vị">Bản Mạt</td>' in page  # the unit's name, not its code
    assert ('kiemduyet2</td><td data-label="Số quyết định">1</td>'
            '<td data-label="Nhận xử lý: trung vị">2 giờ 00 phút</td>') in page
    csv_lines = client.get("/moderation/stats.csv?days=7").get_data().decode("utf-8-sig")
    assert any(line.startswith("kiemduyet2,1,108") and ",720" in line
               for line in csv_lines.splitlines())
