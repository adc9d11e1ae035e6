"""The registry rows of SPEC §6's API table, as a client sees them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.extensions import db
from core.models import AuditEntry, utcnow
from registry.models import Account, AccountEvent, Official


@pytest.fixture
def api(client, token_for):
    """Call the API as a demo user: api("quantri.xa", "post", "/api/v1/…", json={…})."""
    tokens = {}

    def _call(username, method, path, **kwargs):
        if username not in tokens:
            tokens[username] = token_for(username) if username else {}
        return getattr(client, method)(path, headers=tokens[username], **kwargs)

    return _call


def _official(name: str) -> Official:
    return db.session.scalar(select(Official).where(Official.full_name == name))


def _owner(canonical_id: str) -> Official:
    """The declarant of a demo account (demo names repeat across villages)."""
    return db.session.scalar(select(Account).where(Account.canonical_id == canonical_id)).official


def _error(response) -> dict:
    body = response.get_json()
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


# ---------------------------------------------------------------- officials

def test_unit_admin_adds_an_official_with_a_normalised_phone(api):
    response = api("quantri.xa", "post", "/api/v1/officials", json={
        "full_name": "  Lò Thị Mai ", "unit": "ban-sam-quang", "position": "Trưởng bản",
        "party_member": True, "phone": "0912 345 678"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["id"] and body["full_name"] == "Lò Thị Mai" and body["unit"] == "ban-sam-quang"
    assert body["phone"] == "+84912345678" and body["party_member"] is True
    listed = api("quantri.xa", "get", "/api/v1/officials?unit=ban-sam-quang").get_json()
    assert body["id"] in [item["id"] for item in listed["items"]]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "official_created"))


@pytest.mark.parametrize(("payload", "field"), [
    ({"unit": "ban-mat"}, "full_name"),
    ({"full_name": "   ", "unit": "ban-mat"}, "full_name"),
    ({"full_name": "A", "unit": "ban-mat", "phone": "0912 34"}, "phone"),
    ({"full_name": "A", "unit": "ban-mat", "party_member": "có lẽ"}, "party_member"),
    ({"full_name": "A" * 201, "unit": "ban-mat"}, "full_name"),
])
def test_bad_official_input_is_a_422_naming_the_field(api, payload, field):
    response = api("bithu.banmat", "post", "/api/v1/officials", json=payload)
    assert response.status_code == 422
    assert field in _error(response)["fields"]
    assert db.session.scalar(select(Official).where(Official.full_name == "A")) is None


def test_officials_outside_the_subtree_are_404_and_members_cannot_add(api):
    assert api("bithu.banmat", "post", "/api/v1/officials",
               json={"full_name": "X", "unit": "ban-sam-quang"}).status_code == 404
    assert api("dangvien.banmat", "post", "/api/v1/officials",
               json={"full_name": "X", "unit": "ban-mat"}).status_code == 403
    assert api("dangvien.banmat", "get", "/api/v1/officials?unit=ban-sam-quang").status_code == 404
    other = _owner("g/samquang88")  # ban-sam-quang
    assert api("dangvien.banmat", "get", f"/api/v1/officials/{other.id}").status_code == 404
    assert api("bithu.banmat", "patch", f"/api/v1/officials/{other.id}",
               json={"position": "x"}).status_code == 404


def test_a_member_lists_only_their_own_record_and_sees_no_phones_of_others(api):
    items = api("dangvien.banmat", "get", "/api/v1/officials?unit=ban-mat").get_json()["items"]
    assert [item["username"] for item in items] == ["dangvien.banmat"]
    masked = api("kiemduyet.xa", "get", "/api/v1/accounts?unit=ban-mat").get_json()["items"]
    phone = next(item for item in masked if item["canonical_id"].startswith("+84"))
    assert "*" in phone["canonical_id"] and phone["url"] is None
    assert "0912" not in str(masked) and "345601" not in str(masked)
    full = api("quantri.xa", "get", "/api/v1/accounts?unit=ban-mat").get_json()["items"]
    assert "+84912345601" in [item["canonical_id"] for item in full]


def test_move_within_the_subtree_deactivate_and_reactivate(api):
    person = _owner("g/samquang88")
    moved = api("quantri.xa", "patch", f"/api/v1/officials/{person.id}",
                json={"unit": "ban-mat", "position": "Phó trưởng bản"})
    assert moved.status_code == 200 and moved.get_json()["unit"] == "ban-mat"
    accounts = db.session.scalars(select(Account).where(Account.official_id == person.id)).all()
    assert accounts and {a.unit.code for a in accounts} == {"ban-mat"}
    assert api("quantri.xa", "patch", f"/api/v1/officials/{person.id}",
               json={"unit": "ban-na-hin"}).status_code == 404  # the neighbour commune
    off = api("quantri.xa", "patch", f"/api/v1/officials/{person.id}", json={"active": False})
    assert off.get_json()["active"] is False
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"official_moved", "official_deactivated"} <= actions


# ---------------------------------------------------------------- declarations

FACEBOOK_FORMS = ["https://m.facebook.com/nguyen.van.a/", "fb.com/Nguyen.Van.A",
                  "facebook.com/nguyen.van.a?ref=x"]
ZALO_FORMS = ["0912 345 678", "+84912345678", "84-912-345-678"]


@pytest.mark.parametrize(("platform", "forms", "canonical"), [
    ("facebook", FACEBOOK_FORMS, "nguyenvana"), ("zalo", ZALO_FORMS, "+84912345678")])
def test_spec_forms_are_one_account_and_a_second_personal_declarant_gets_409(
        api, platform, forms, canonical):
    first = api("dangvien.banmat", "post", "/api/v1/accounts",
                json={"platform": platform, "kind": "personal", "identifier": forms[0]})
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert {"id", "platform", "canonical_id", "status"} <= set(body)
    assert (body["platform"], body["canonical_id"], body["status"]) == (
        platform, canonical, "declared")
    for other in forms[1:]:
        again = api("dangvien.banmat", "post", "/api/v1/accounts",
                    json={"platform": platform, "kind": "personal", "identifier": other})
        assert again.status_code == 409  # the same person, the same account
        someone = api("kiemduyet.xa", "post", "/api/v1/accounts",
                      json={"platform": platform, "kind": "personal", "identifier": other})
        assert someone.status_code == 409
        assert _error(someone)["code"] == "conflict"
    assert len(db.session.scalars(select(Account).where(Account.canonical_id == canonical))
               .all()) == 1


def test_the_conflict_names_the_declarant_only_to_who_may_see_them(api):
    assert api("dangvien.banmat", "post", "/api/v1/accounts",
               json={"identifier": "facebook.com/nguyen.van.a"}).status_code == 201
    stranger = api("kiemduyet.namlanh", "post", "/api/v1/accounts",
                   json={"identifier": "fb.com/nguyen.van.a"})
    assert stranger.status_code == 409 and "Cầm Thị Duyên" not in stranger.get_data(as_text=True)
    admin = api("quantri.xa", "post", "/api/v1/accounts",
                json={"identifier": "fb.com/nguyen.van.a"})
    assert admin.status_code == 409 and "Cầm Thị Duyên" in _error(admin)["message"]


def test_a_bad_identifier_is_a_422_with_the_vietnamese_message(api):
    response = api("dangvien.banmat", "post", "/api/v1/accounts", json={
        "platform": "facebook", "identifier": "https://www.facebook.com/nguyen.van.a/posts/1"})
    assert response.status_code == 422
    message = _error(response)["fields"]["identifier"][0]
    assert "bài viết" in message and "facebook.com/" in message
    bad_kind = api("dangvien.banmat", "post", "/api/v1/accounts",
                   json={"identifier": "https://zalo.me/g/abcxyz123", "kind": "personal"})
    assert bad_kind.status_code == 422 and "kind" in _error(bad_kind)["fields"]
    assert db.session.scalar(select(Account).where(Account.canonical_id == "g/abcxyz123")) is None


def test_groups_get_co_declarants_each_with_their_role(api):
    first = api("dangvien.banmat", "post", "/api/v1/accounts", json={
        "identifier": "https://zalo.me/g/abcxyz123", "display_name": "Nhóm bản",
        "member_count": 120, "public": False, "role": "owner"})
    assert first.status_code == 201 and first.get_json()["kind"] == "group"
    second = api("kiemduyet.xa", "post", "/api/v1/accounts",
                 json={"identifier": "zalo.me/g/ABCXYZ123", "role": "admin"})
    assert second.status_code == 201
    body = second.get_json()
    assert body["id"] == first.get_json()["id"] and body["outcome"] == "co_declared"
    assert {(d["full_name"], d["role"]) for d in body["declarants"]} == {
        ("Cầm Thị Duyên", "owner"), ("Quàng Thị Hiên", "admin")}


def test_a_unit_admin_declares_on_behalf_of_someone_on_the_roster(api):
    elder = _owner("g/samquang88")
    assert api("bithu.banmat", "post", "/api/v1/accounts", json={
        "identifier": "0977 111 222", "official_id": elder.id}).status_code == 404
    done = api("quantri.xa", "post", "/api/v1/accounts",
               json={"identifier": "0977 111 222", "official_id": elder.id})
    assert done.status_code == 201 and done.get_json()["official_id"] == elder.id
    account = db.session.get(Account, done.get_json()["id"])
    assert account.declared_by.username == "quantri.xa"
    # nobody verifies what they entered themselves
    assert api("quantri.xa", "post", f"/api/v1/accounts/{account.id}/verify",
               json={"decision": "verified"}).status_code == 403
    assert api("admin", "post", f"/api/v1/accounts/{account.id}/verify",
               json={"decision": "verified"}).status_code == 200


def test_accounts_of_another_village_are_404_to_a_member_and_visible_to_the_commune(api):
    other = db.session.scalar(select(Account).where(Account.canonical_id == "g/samquang88"))
    for path in ("/api/v1/accounts?unit=ban-sam-quang", f"/api/v1/accounts/{other.id}"):
        assert api("dangvien.banmat", "get", path).status_code == 404
        assert api("bithu.banmat", "get", path).status_code == 404
        assert api("quantri.xa", "get", path).status_code == 200
    assert api("bithu.banmat", "post", f"/api/v1/accounts/{other.id}/verify",
               json={"decision": "rejected", "reason": "x"}).status_code == 404
    own = api("dangvien.banmat", "get", "/api/v1/accounts").get_json()["items"]
    assert own and all("Cầm Thị Duyên" in str(item["declarants"]) for item in own)


def test_list_filters_by_status_and_platform(api):
    overdue = api("quantri.xa", "get", "/api/v1/accounts?status=overdue").get_json()["items"]
    assert overdue and all(item["overdue"] and item["status"] == "verified" for item in overdue)
    zalo = api("quantri.xa", "get", "/api/v1/accounts?platform=zalo&status=declared").get_json()
    assert zalo["items"] and {i["platform"] for i in zalo["items"]} == {"zalo"}
    assert api("quantri.xa", "get", "/api/v1/accounts?status=nope").status_code == 422


# ---------------------------------------------------------------- lifecycle

def _declared_by_member(api, identifier="https://www.facebook.com/duyen.cam.2"):
    response = api("dangvien.banmat", "post", "/api/v1/accounts", json={"identifier": identifier})
    assert response.status_code == 201
    return response.get_json()["id"]


def test_lifecycle_declared_verified_reconfirmed_retired_with_history(api):
    account_id = _declared_by_member(api)
    url = f"/api/v1/accounts/{account_id}/verify"
    assert api("dangvien.banmat", "post", url, json={"decision": "verified"}).status_code == 403
    assert api("kiemduyet.xa", "post", url, json={"decision": "verified"}).status_code == 403
    done = api("bithu.banmat", "post", url, json={"decision": "verified"})
    assert done.status_code == 200
    body = done.get_json()
    assert body["status"] == "verified" and body["overdue"] is False and body["reconfirm_due"]
    account = db.session.get(Account, account_id)
    account.confirmed_at = utcnow() - timedelta(days=181)
    db.session.commit()
    assert api("bithu.banmat", "get", f"/api/v1/accounts/{account_id}").get_json()["overdue"]
    again = api("bithu.banmat", "post", url, json={"decision": "verified"}).get_json()
    assert again["overdue"] is False
    retired = api("dangvien.banmat", "post", f"/api/v1/accounts/{account_id}/retire")
    assert retired.get_json()["status"] == "retired"
    assert api("bithu.banmat", "post", url, json={"decision": "verified"}).status_code == 409
    events = db.session.scalars(select(AccountEvent.action).where(
        AccountEvent.account_id == account_id).order_by(AccountEvent.id)).all()
    assert events == ["declared", "verified", "reconfirmed", "retired"]
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"account_declared", "account_verified", "account_reconfirmed",
            "account_retired"} <= actions


def test_rejection_needs_a_reason_and_own_declarations_cannot_be_verified(api):
    account_id = _declared_by_member(api)
    url = f"/api/v1/accounts/{account_id}/verify"
    missing = api("bithu.banmat", "post", url, json={"decision": "rejected"})
    assert missing.status_code == 422 and "reason" in _error(missing)["fields"]
    assert api("bithu.banmat", "post", url, json={"decision": "maybe"}).status_code == 422
    rejected = api("bithu.banmat", "post", url,
                   json={"decision": "rejected", "reason": "Không phải tài khoản của chị"})
    assert rejected.get_json()["status"] == "rejected"
    assert rejected.get_json()["reject_reason"] == "Không phải tài khoản của chị"
    mine = api("bithu.banmat", "post", "/api/v1/accounts",
               json={"identifier": "https://www.tiktok.com/@piengbanmat"}).get_json()["id"]
    own = api("bithu.banmat", "post", f"/api/v1/accounts/{mine}/verify",
              json={"decision": "verified"})
    assert own.status_code == 403 and "chính mình" in _error(own)["message"]


def test_a_retired_account_can_be_declared_again_by_its_new_owner(api):
    account_id = _declared_by_member(api)
    api("dangvien.banmat", "post", f"/api/v1/accounts/{account_id}/retire")
    again = api("kiemduyet.xa", "post", "/api/v1/accounts",
                json={"identifier": "https://www.facebook.com/duyen.cam.2"})
    assert again.status_code == 201 and again.get_json()["id"] == account_id
    assert again.get_json()["outcome"] == "redeclared"
    assert [d["full_name"] for d in again.get_json()["declarants"]] == ["Quàng Thị Hiên"]


def test_a_co_declarant_leaving_keeps_the_group_for_the_others(api):
    group = db.session.scalar(select(Account).where(Account.canonical_id == "g/banmat2024"))
    left = api("bithu.banmat", "post", f"/api/v1/accounts/{group.id}/retire").get_json()
    assert left["status"] == "verified"
    assert [d["full_name"] for d in left["declarants"]] == ["Cầm Thị Duyên"]
    assert left["official_id"] == _official("Cầm Thị Duyên").id


def test_viewing_someone_elses_personal_declaration_is_audited(api):
    theirs = db.session.scalar(select(Account).where(Account.canonical_id == "pomlosamquang"))
    assert api("quantri.xa", "get", f"/api/v1/accounts/{theirs.id}").status_code == 200
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "personal_accounts_viewed"))
    assert entry is not None and entry.actor.username == "quantri.xa"
    assert entry.details["accounts"] == [theirs.id]


# ---------------------------------------------------------------- coverage

def test_coverage_has_the_contract_shape_and_counts(api):
    response = api("quantri.xa", "get", "/api/v1/coverage?unit=muong-leo")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"unit", "children"} and body["unit"] == "muong-leo"
    assert len(body["children"]) == 17
    rows = {row["unit"]: row for row in body["children"]}
    assert set(rows["ban-mat"]) == {"unit", "roster", "declared", "verified", "overdue",
                                    "coverage"}
    # Bản Mạt: 3 on the roster + the two demo users; both declared, one overdue.
    assert rows["ban-mat"] == {"unit": "ban-mat", "roster": 5, "declared": 2, "verified": 2,
                               "overdue": 1, "coverage": 40.0}
    assert api("bithu.banmat", "get", "/api/v1/coverage?unit=muong-leo").status_code == 404
    assert api("dangvien.banmat", "get", "/api/v1/coverage?unit=ban-sam-quang").status_code == 404
    assert api("dangvien.banmat", "get", "/api/v1/coverage?unit=ban-mat").status_code == 403


# ---------------------------------------------------------------- public verification

@pytest.mark.parametrize(("url", "verified"), [
    ("https://facebook.com/tintucmuongleo/", True),     # a verified page
    ("zalo.me/g/samquang88", True),                    # a verified public group
    ("https://zalo.me/g/banmat2024", False),           # verified, but a private group
    ("https://m.facebook.com/pom.lo.samquang", False),  # a verified personal account
    ("0912 345 601", False),                           # a phone number, never
    ("https://zalo.me/0912345601", False),
    ("https://zalo.me/g/pakhoang01", False),           # declared, not verified
    ("https://www.youtube.com/@pakhoang.tv", False),   # rejected
    ("https://www.facebook.com/khong.ai.khai.bao", False),
])
def test_public_verify_reveals_only_verified_public_accounts(client, demo, url, verified):
    response = client.get("/api/v1/verify", query_string={"url": url})
    assert response.status_code == 200
    body = response.get_json()
    assert body["verified"] is verified
    if verified:
        assert set(body["account"]) >= {"platform", "display_name", "unit"}
    else:
        assert set(body) == {"verified"}
    assert "+84" not in response.get_data(as_text=True)


def test_public_verify_refuses_bad_input_and_is_rate_limited(client, demo, app):
    bad = client.get("/api/v1/verify?url=javascript:alert(1)")
    assert bad.status_code == 422 and "url" in _error(bad)["fields"]
    assert client.get("/api/v1/verify").status_code == 422
    limit = int(app.config["REGISTRY_VERIFY_LIMIT"].split()[0])
    statuses = [client.get("/api/v1/verify?url=fb.com/abcde").status_code
                for _ in range(limit + 1)]
    assert statuses[-1] == 429 and set(statuses[:-3]) == {200}
