"""Acting on many queue items at once: each post its own decision and audit entry, each
undone alone; items claimed by someone else, out of scope or unknown are skipped and listed,
never silently changed; a bad reason refuses the whole batch with nothing written."""

from __future__ import annotations

from sqlalchemy import func, select

from core.extensions import db
from core.models import AuditEntry
from moderation.models import Decision
from tests.conftest import post_form

TEXTS = ["Thằng trưởng bản ngu như bò, ăn tiền của dân. Tối nay kéo đến đập phá nhà nó.",
         "Bọn cán bộ xã toàn lũ ăn cướp, đứa nào gặp thì cứ đánh cho chừa, đốt nhà chúng nó đi.",
         "Con mụ bán hàng chợ bản lừa đảo, mai cả bản kéo đến đập nát quầy của nó, đánh chết nó."]


def _items(api_post):
    ours = [api_post("dangvien.banmat", text).get_json()["id"] for text in TEXTS]
    theirs = api_post("kiemduyet.namlanh", TEXTS[0] + " Ở Nậm Lạnh cũng thế.").get_json()["id"]
    return ours, theirs


def _bulk(client, headers, **body):
    return client.post("/api/v1/queue/bulk", json=body, headers=headers)


def test_a_bulk_decision_decides_each_item_alone_and_lists_what_it_skipped(
        client, token_for, api_post):
    (a, b, held), theirs = _items(api_post)
    assert client.post(f"/api/v1/posts/{held}/claim",
                       headers=token_for("admin")).status_code == 200
    headers = token_for("kiemduyet.xa")
    rejections = select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "post_rejected")
    before = db.session.scalar(rejections)
    answer = _bulk(client, headers, ids=[a, b, held, theirs, 999999, a], action="reject",
                   reason="incitement", note="Kích động bạo lực")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["done"] == [a, b]
    skipped = {s["id"]: s for s in body["skipped"]}
    assert set(skipped) == {held, theirs, 999999}
    assert skipped[held]["why"] == "claimed" and "Quản trị hệ thống" in skipped[held]["message"]
    assert skipped[theirs]["why"] == skipped[999999]["why"] == "not_found"
    decisions = {pid: client.get(f"/api/v1/posts/{pid}", headers=headers).get_json()["decisions"]
                 for pid in (a, b, held)}
    assert len(decisions[a]) == len(decisions[b]) == 1 and decisions[held] == []
    assert decisions[a][0]["id"] != decisions[b][0]["id"]
    assert db.session.scalar(rejections) == before + 2
    undone = client.post(f"/api/v1/decisions/{decisions[a][0]['id']}/undo", headers=headers)
    assert undone.status_code == 200
    statuses = {pid: client.get(f"/api/v1/posts/{pid}", headers=headers).get_json()["status"]
                for pid in (a, b)}
    assert statuses == {a: "pending", b: "rejected"}


def test_a_reason_that_does_not_fit_refuses_the_whole_batch(client, token_for, api_post):
    (a, b, _c), _theirs = _items(api_post)
    headers = token_for("kiemduyet.xa")
    bad = _bulk(client, headers, ids=[a, b], action="reject", reason="rumour")
    assert bad.status_code == 422 and "reason" in bad.get_json()["error"]["fields"]
    assert _bulk(client, headers, ids=[], action="claim").status_code == 422
    assert _bulk(client, headers, ids=[a], action="mark_false", reason="rumour").status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Decision).where(
        Decision.post_id.in_([a, b]))) == 0


def test_bulk_claim_then_release(client, token_for, api_post):
    (a, b, _c), _theirs = _items(api_post)
    headers = token_for("kiemduyet.xa")
    assert _bulk(client, headers, ids=[a, b], action="claim").get_json()["done"] == [a, b]
    other = _bulk(client, token_for("admin"), ids=[a], action="claim").get_json()
    assert other["done"] == [] and other["skipped"][0]["why"] == "claimed"
    released = _bulk(client, headers, ids=[a, b, _c], action="release").get_json()
    assert released["done"] == [a, b] and released["skipped"][0]["why"] == "not_claimed"
    assert _bulk(client, token_for("admin"), ids=[a], action="claim").get_json()["done"] == [a]


def test_members_cannot_act_in_bulk(client, token_for, api_post):
    (a, _b, _c), _theirs = _items(api_post)
    assert _bulk(client, token_for("dangvien.banmat"), ids=[a], action="claim").status_code == 403


def test_the_queue_page_decides_the_ticked_items(client, login_as, api_post):
    (a, b, c), _theirs = _items(api_post)
    login_as("kiemduyet.xa")
    page = client.get("/moderation/queue").get_data(as_text=True)
    assert f'name="ids" value="{a}" form="bulk"' in page
    response = post_form(client, "/moderation/queue/bulk",
                         {"ids": [str(a), str(b)], "choice": "reject:incitement"},
                         page="/moderation/queue", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Đã xử lý 2 mục" in text
    assert f'id="item-{c}"' in text and f'id="item-{a}"' not in text
