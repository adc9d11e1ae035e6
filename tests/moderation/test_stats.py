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
    assert page.count("<svg") == 2 and 'role="img"' in page and "<script" not in page
    assert "Số quyết định mỗi ngày, 7 ngày qua" in page
    assert '">kiemduyet.xa</td>' in page
    answer = client.get("/moderation/stats.csv?days=7")
    lines = answer.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert answer.mimetype == "text/csv" and lines[0] == "ngay,so_quyet_dinh" and len(lines) > 8
    assert any(line.startswith("kiemduyet.xa,") for line in lines)
