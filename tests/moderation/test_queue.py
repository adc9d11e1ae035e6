"""GET /api/v1/queue and the queue page: contract, tabs, filters, priority order, scoping."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from core.extensions import db
from core.models import utcnow
from core.services import get_user
from moderation.models import Cluster, Post
from moderation.services import queue
from tests.conftest import post_form
from tests.moderation.conftest import HARMFUL, NEUTRAL, POSITIVE, UNVERIFIED

ITEM_FIELDS = {"id", "label", "scores", "priority", "cluster_id", "cluster_size", "status"}


def _queue(client, headers, **params):
    response = client.get("/api/v1/queue", query_string=params, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_queue_contract_and_priority_order(client, token_for, api_post):
    harmful = api_post("dangvien.banmat", HARMFUL).get_json()
    api_post("bithu.banmat", "Chia sẻ gấp!!! " + HARMFUL + " 😡😡")
    api_post("dangvien.banmat", UNVERIFIED)
    api_post("dangvien.banmat", POSITIVE)
    cleared = api_post("dangvien.banmat", NEUTRAL).get_json()
    body = _queue(client, token_for("kiemduyet.xa"))
    assert {"items", "page", "total"} <= set(body)
    assert body["page"] == 1 and body["total"] == len(body["items"])
    for item in body["items"]:
        assert set(item) >= ITEM_FIELDS
    priorities = [item["priority"] for item in body["items"]]
    assert priorities == sorted(priorities, reverse=True)
    ids = [item["id"] for item in body["items"]]
    assert cleared["id"] not in ids
    mine = next(item for item in body["items"] if item["cluster_id"] == harmful["cluster_id"])
    assert mine["cluster_size"] == 2  # the copy is shown once, with its cluster's size
    assert sum(item["cluster_id"] == harmful["cluster_id"] for item in body["items"]) == 1


def test_pages_follow_priority_order_without_overlap(app, api_post):
    for text in (POSITIVE, HARMFUL, UNVERIFIED):
        api_post("dangvien.banmat", text)
    reviewer = get_user("kiemduyet.xa")
    whole = queue.page_of(queue.queue_query(reviewer), 1, per_page=100)
    assert whole.total >= 3 and len(whole.items) == whole.total
    keys = [post.priority_key for post in whole.items]
    assert keys == sorted(keys, reverse=True)
    pages = [queue.page_of(queue.queue_query(reviewer), n, per_page=2)
             for n in range(1, (whole.total + 1) // 2 + 1)]
    assert {p.total for p in pages} == {whole.total} and all(len(p.items) == 2 for p in pages[:-1])
    assert [post.id for p in pages for post in p.items] == [post.id for post in whole.items]
    assert all(post.unit is not None and post.cluster is not None for post in whole.items)


def test_tabs(client, token_for, api_post):
    for text in (HARMFUL, UNVERIFIED, POSITIVE):
        api_post("dangvien.banmat", text)
    headers = token_for("kiemduyet.xa")
    for tab in ("harmful", "unverified", "positive"):
        items = _queue(client, headers, tab=tab)["items"]
        assert items and {item["label"] for item in items} == {tab}
    everything = _queue(client, headers, tab="all")["total"]
    assert everything == sum(_queue(client, headers, tab=t)["total"]
                             for t in ("harmful", "unverified", "positive", "neutral")
                             if t != "neutral")
    bad = client.get("/api/v1/queue?tab=nonsense", headers=headers)
    assert bad.status_code == 422 and "tab" in bad.get_json()["error"]["fields"]


def test_filters(client, token_for, api_post):
    api_post("dangvien.banmat", HARMFUL, platform="facebook")
    api_post("kiemduyet.xa", UNVERIFIED, unit="ban-sam-quang", platform="zalo")
    headers = token_for("kiemduyet.xa")
    facebook = _queue(client, headers, platform="facebook")["items"]
    assert facebook and {i["platform"] for i in facebook} == {"facebook"}
    sam_quang = _queue(client, headers, unit="ban-sam-quang")["items"]
    assert sam_quang and {i["unit"] for i in sam_quang} == {"ban-sam-quang"}
    today = utcnow().date().isoformat()
    assert _queue(client, headers, date_from=today)["total"] >= 2
    old = (utcnow() - timedelta(days=400)).date().isoformat()
    assert _queue(client, headers, date_to=old)["total"] == 0
    assert _queue(client, headers, status="escalated")["total"] == 0
    unclaimed = _queue(client, headers, status="unclaimed")["total"]
    first = _queue(client, headers)["items"][0]
    client.post(f"/api/v1/posts/{first['id']}/claim", headers=headers)
    assert _queue(client, headers, status="claimed")["total"] == 1
    assert _queue(client, headers, status="unclaimed")["total"] == unclaimed - 1
    claimed = _queue(client, headers, status="claimed")["items"][0]
    assert claimed["claimed_by"] == "kiemduyet.xa" and claimed["claimed_until"]


def test_waiting_time_raises_priority(client, token_for, api_post):
    from moderation.services import clusters

    first = api_post("dangvien.banmat", HARMFUL).get_json()
    second = api_post("dangvien.banmat", UNVERIFIED).get_json()
    for posted, harmful, unverified in ((first, 0.95, 0.0), (second, 0.0, 0.6)):
        cluster = db.session.get(Cluster, posted["cluster_id"])
        cluster.max_harmful, cluster.max_unverified = harmful, unverified
        clusters.refresh_lead(cluster)
    db.session.commit()
    headers = token_for("kiemduyet.xa")
    ids = [i["id"] for i in _queue(client, headers)["items"]]
    assert ids.index(first["id"]) < ids.index(second["id"])
    # The unverified rumour has waited five days: 240 points outrank the harmful score.
    cluster = db.session.get(Cluster, second["cluster_id"])
    cluster.queued_at = utcnow() - timedelta(days=5)
    clusters.refresh_lead(cluster)
    db.session.commit()
    items = _queue(client, headers)["items"]
    ids = [i["id"] for i in items]
    assert ids.index(second["id"]) < ids.index(first["id"])
    assert items[ids.index(second["id"])]["priority"] >= 240


def test_reach_and_groups_from_the_registry(app, client, token_for, api_post, demo):
    from registry.models import Account, Official

    units = demo["units"]
    official = Official(unit=units["ban-mat"], full_name="Lò Văn Quản")
    db.session.add(official)
    db.session.flush()
    groups = []
    for code, name, members in (("g/test-a", "Nhóm A", 300), ("g/test-b", "Nhóm B", 700)):
        account = Account(platform="zalo", kind="group", canonical_id=code, identifier=code,
                          display_name=name, member_count=members, official=official,
                          unit=units["ban-mat"])
        db.session.add(account)
        groups.append(account)
    db.session.commit()
    text = "Nghe nói đập thủy điện phía trên sắp xả lũ mà không báo, bà con ven suối sơ tán ngay."
    first = api_post("dangvien.banmat", text, account_id=groups[0].id).get_json()
    assert first["status"] == "pending"
    api_post("dangvien.banmat", "Chia sẻ gấp!!! " + text, account_id=groups[1].id)
    api_post("bithu.banmat", text + " 😱", account_id=groups[1].id)
    cluster = db.session.get(Cluster, first["cluster_id"])
    assert (cluster.size, cluster.groups, cluster.reach) == (3, 2, 1000)
    item = next(i for i in _queue(client, token_for("kiemduyet.xa"))["items"]
                if i["cluster_id"] == first["cluster_id"])
    assert sorted(g["display_name"] for g in item["groups"]) == ["Nhóm A", "Nhóm B"]
    assert item["account_rejected_30d"] == 0


def test_scoping_reviewer_of_another_commune_sees_nothing(client, token_for, api_post):
    post = api_post("dangvien.banmat", HARMFUL).get_json()
    neighbour = token_for("kiemduyet.namlanh")
    assert post["id"] not in [i["id"] for i in _queue(client, neighbour)["items"]]
    assert client.get("/api/v1/queue?unit=muong-leo", headers=neighbour).status_code == 404
    for path in (f"/api/v1/posts/{post['id']}", ):
        assert client.get(path, headers=neighbour).status_code == 404
    for path in (f"/api/v1/posts/{post['id']}/claim", f"/api/v1/posts/{post['id']}/detach"):
        assert client.post(path, headers=neighbour).status_code == 404
    decision = client.post(f"/api/v1/posts/{post['id']}/decision", headers=neighbour,
                           json={"action": "reject", "reason": "hate"})
    assert decision.status_code == 404
    # and the neighbour's own queue works
    own = api_post("kiemduyet.namlanh", HARMFUL, unit="ban-na-hin").get_json()
    assert [i["id"] for i in _queue(client, neighbour)["items"]] == [own["id"]]
    assert own["id"] not in [i["id"] for i in _queue(client, token_for("kiemduyet.xa"))["items"]]


def test_members_and_unit_admins_have_no_queue(client, token_for):
    for username in ("dangvien.banmat", "bithu.banmat", "quantri.xa"):
        response = client.get("/api/v1/queue", headers=token_for(username))
        assert response.status_code == 403


def test_queue_page_shows_highlighted_words_and_history(client, login_as, api_post, demo):
    api_post("dangvien.banmat", HARMFUL)
    login_as("kiemduyet.xa")
    page = client.get("/moderation/queue?tab=harmful")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<mark class="h-harmful"' in html
    assert "Xấu độc" in html and "Chưa kiểm chứng" in html and "Tích cực" in html
    assert "Nhận xử lý" in html
    # The demo group already has posts rejected in the last 30 days.
    assert "bị từ chối trong 30 ngày" in html
    assert len(page.data) < 100_000


def test_queue_page_says_why_it_shows_nothing(client, login_as, api_post):
    api_post("dangvien.banmat", HARMFUL)
    login_as("kiemduyet.xa")
    past = client.get("/moderation/queue?tab=all&page=50").get_data(as_text=True)
    assert "Trang này đã quá cuối hàng đợi." in past and "Làm tốt lắm" not in past
    assert 'href="/moderation/queue?tab=all">Về trang đầu' in past
    filtered = client.get("/moderation/queue?date_from=2099-01-01").get_data(as_text=True)
    assert "Không có mục nào khớp bộ lọc này." in filtered and "Làm tốt lắm" not in filtered


def test_queue_page_filters_keep_values_and_reject_bad_ones(client, login_as):
    login_as("kiemduyet.xa")
    page = client.get("/moderation/queue?platform=zalo&date_from=2026-01-01&tab=unverified")
    assert page.status_code == 200
    assert 'value="2026-01-01"' in page.get_data(as_text=True)
    bad = client.get("/moderation/queue?date_from=hôm-qua")
    assert bad.status_code == 200 and "Vui lòng sửa" in bad.get_data(as_text=True) or \
        "không hợp lệ" in bad.get_data(as_text=True)
    assert client.get("/moderation/queue?unit=nam-lanh").status_code == 404


def test_submit_page_form(client, login_as, app):
    login_as("dangvien.banmat")
    response = post_form(client, "/moderation/submit", {
        "text": HARMFUL, "url": "vov.vn/tin-bai", "platform": "zalo", "unit": "ban-mat",
        "seen_at": "2026-11-20T09:15", "author": ""})
    assert response.status_code == 302
    post = db.session.scalars(select(Post).order_by(Post.id.desc())).first()
    assert (post.channel, post.url, post.source_check) == ("form", "https://vov.vn/tin-bai",
                                                           "official")
    assert post.seen_at.hour in (2,)  # 09:15 in Vietnam is 02:15 UTC
    page = client.get(response.headers["Location"])
    assert "Cảm ơn bạn" in page.get_data(as_text=True)
    empty = post_form(client, "/moderation/submit", {"text": "  "})
    assert empty.status_code == 422 and "Trường này là bắt buộc." in empty.get_data(as_text=True)
    mine = client.get("/moderation/mine").get_data(as_text=True)
    assert f"#{post.id}" in mine


def test_expired_claims_are_not_shown_as_claimed(client, token_for, api_post):
    post = api_post("dangvien.banmat", HARMFUL).get_json()
    headers = token_for("kiemduyet.xa")
    client.post(f"/api/v1/posts/{post['id']}/claim", headers=headers)
    db.session.execute(update(Cluster).values(claimed_until=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert _queue(client, headers, status="claimed")["total"] == 0


def test_queue_item_without_a_platform_has_no_empty_field(client, login_as, api_post):
    api_post("dangvien.banmat", HARMFUL)
    login_as("kiemduyet.xa")
    html = client.get("/moderation/queue?tab=harmful").get_data(as_text=True)
    meta = re.findall(r'<span class="muted">(Bản Mạt ·[^<]*)</span>', html)
    assert meta and all("·  ·" not in m and "· ·" not in m for m in meta), meta


def test_refreshing_a_lead_the_session_holds_updates_it_in_memory_too(api_post):
    """refresh_lead without the lead at hand writes with one UPDATE; a lead already loaded
    (as rescoring loads every post) must see the new sort key, not keep the old one."""
    from moderation.services import clusters

    first = api_post("dangvien.banmat", HARMFUL).get_json()
    lead = db.session.get(Post, first["id"])
    cluster = db.session.get(Cluster, first["cluster_id"])
    before = lead.priority_key
    cluster.size += 7
    clusters.refresh_lead(cluster)
    stored = db.session.scalar(select(Post.priority_key).where(Post.id == lead.id))
    assert stored > before
    assert lead.priority_key == stored


def test_a_copy_joining_an_open_cluster_is_written_whole_with_its_leads_new_key(demo):
    """Intake writes the copy, its bands, the cluster's count and the lead's new sort key
    together (one statement on PostgreSQL). An import runs every row in one session: the
    lead it holds from an earlier row must see the new key, not keep the old one."""
    from core.services import get_user
    from moderation.models import Channel, PostBand
    from moderation.services import intake

    member = get_user("dangvien.banmat")
    lead = intake.submit({"text": HARMFUL, "platform": "zalo"}, member, Channel.IMPORT)
    before = lead.priority_key
    copy = intake.submit({"text": "Chia sẻ gấp!!! " + HARMFUL + " 😡😡"}, member,
                         Channel.IMPORT)
    assert copy.cluster is lead.cluster and copy.cluster.size == 2
    stored = db.session.scalar(select(Post.priority_key).where(Post.id == lead.id))
    assert stored > before  # the size term: 15·log2(2)
    assert lead.priority_key == stored
    assert copy.priority_key is None and copy.status == lead.status == "pending"
    assert db.session.scalar(select(Post.priority_key).where(Post.id == copy.id)) is None
    bands = db.session.scalars(select(PostBand.band_key).where(PostBand.post_id == copy.id))
    assert len(set(bands)) >= 16
    size, top = db.session.execute(select(Cluster.size, Cluster.max_harmful)
                                   .where(Cluster.id == lead.cluster_id)).one()
    assert size == 2 and top == max(lead.score_harmful, copy.score_harmful)
