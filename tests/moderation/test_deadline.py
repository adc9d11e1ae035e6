"""The 24-hour deadline (Decree 147/2024): each harmful or unverified item counts down from its
first copy; the overdue ones are counted, listed first and can be filtered; a decision records
how long its item waited."""

from __future__ import annotations

from datetime import timedelta

from core.extensions import db
from core.models import utcnow
from moderation.models import Cluster
from tests.moderation.conftest import HARMFUL, POSITIVE, UNVERIFIED


def _aged(posted, hours: float):
    cluster = db.session.get(Cluster, posted["cluster_id"])
    cluster.created_at = utcnow() - timedelta(hours=hours)
    db.session.commit()


def _three(api_post):
    old = api_post("dangvien.banmat", HARMFUL).get_json()
    fresh = api_post("dangvien.banmat", UNVERIFIED).get_json()
    good = api_post("dangvien.banmat", POSITIVE).get_json()
    _aged(old, 30)
    _aged(good, 30)  # the deadline is for harmful and unverified items only
    return old, fresh, good


def test_the_queue_counts_down_and_puts_the_overdue_first(client, login_as, api_post):
    old, fresh, good = _three(api_post)
    login_as("kiemduyet.xa")
    page = client.get("/moderation/queue").get_data(as_text=True)
    banner = page[page.index('class="card overdue"'):page.index('class="filters-box"')]
    assert "1 mục đã quá hạn 24 giờ" in banner and f"/moderation/posts/{old['id']}" in banner
    assert f"/moderation/posts/{fresh['id']}" not in banner
    item = page[page.index(f'id="item-{old["id"]}"'):]
    assert "Quá hạn 6 giờ 00 phút" in item[:item.index("</li>")]
    item = page[page.index(f'id="item-{fresh["id"]}"'):]
    assert "Còn 23 giờ 59 phút" in item[:item.index("</li>")]
    item = page[page.index(f'id="item-{good["id"]}"'):]
    assert "deadline" not in item[:item.index("</li>")]
    only = client.get("/moderation/queue?status=overdue").get_data(as_text=True)
    assert f'id="item-{old["id"]}"' in only and f'id="item-{fresh["id"]}"' not in only


def test_the_api_gives_each_item_its_deadline(client, token_for, api_post):
    old, fresh, good = _three(api_post)
    headers = token_for("kiemduyet.xa")
    items = {i["id"]: i for i in client.get("/api/v1/queue", headers=headers).get_json()["items"]}
    assert items[old["id"]]["overdue"] is True and items[fresh["id"]]["overdue"] is False
    assert items[fresh["id"]]["deadline_at"] > items[old["id"]]["deadline_at"]
    assert items[good["id"]]["deadline_at"] is None and items[good["id"]]["overdue"] is False
    only = client.get("/api/v1/queue?status=overdue", headers=headers).get_json()["items"]
    assert [i["id"] for i in only] == [old["id"]]


def test_a_decision_records_how_long_its_item_waited(client, token_for, login_as, api_post):
    old, _fresh, _good = _three(api_post)
    headers = token_for("kiemduyet.xa")
    decided = client.post(f"/api/v1/posts/{old['id']}/decision", headers=headers,
                          json={"action": "reject", "reason": "incitement"})
    assert decided.status_code == 200, decided.get_json()
    (decision,) = client.get(f"/api/v1/posts/{old['id']}", headers=headers).get_json()["decisions"]
    assert 30 * 3600 <= decision["open_seconds"] < 30 * 3600 + 120
    login_as("kiemduyet.xa")
    page = client.get(f"/moderation/posts/{old['id']}").get_data(as_text=True)
    assert "sau 30 giờ 00 phút" in page or "sau 30 giờ 01 phút" in page
    assert "Hạn xử lý" not in page  # decided: no countdown any more
    queue = client.get("/moderation/queue").get_data(as_text=True)
    assert 'class="card overdue"' not in queue
