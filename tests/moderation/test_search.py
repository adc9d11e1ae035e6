"""Search: accents or not, posts, officials and accounts, in one's scope, with the filters; the
index follows edits and bulk imports; bad queries get one clear Vietnamese line."""

from __future__ import annotations

import pytest

from core.extensions import db
from core.text import fold
from moderation.services import importing, search

DAM = "Đập THỦY ĐIỆN Nậm Pồn sắp vỡ, bà con ven suối sơ tán ngay trong đêm!"
ROAD = "Bà con bản Pá Phày góp công làm xong con đường bê tông lên nương."


def _search(client, token_for, user="kiemduyet.xa", **args):
    response = client.get("/api/v1/search", query_string=args, headers=token_for(user))
    return response


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_fold_drops_accents_case_and_punctuation():
    assert fold("Đập THỦY điện, thuỷ lợi!") == "dap thuy dien thuy loi"
    assert fold("thu\u0309y") == "thuy"  # typed decomposed (a hook mark after the vowel)
    assert fold(None) == "" and fold("🙂 !!!") == ""


@pytest.mark.parametrize("query", ["dap thuy dien", "ĐẬP thuỷ điện", "thuy dien nam pon",
                                   "thủy   điện!", "SƠ TÁN"])
def test_a_post_is_found_with_or_without_accents(client, token_for, api_post, query):
    dam = api_post("dangvien.banmat", DAM).get_json()["id"]
    api_post("dangvien.banmat", ROAD)
    assert _ids(_search(client, token_for, q=query)) == [dam]


def test_every_word_must_match_and_a_short_last_word_is_not_a_start(client, token_for, api_post):
    dam = api_post("dangvien.banmat", DAM).get_json()["id"]
    assert _ids(_search(client, token_for, q="dap thuy dien xa lu")) == []
    assert dam in _ids(_search(client, token_for, q="vo"))  # "vỡ" itself
    assert dam not in _ids(_search(client, token_for, q="suo"))  # too short to be a start


def test_author_and_link_are_searched(client, token_for, api_post):
    post = api_post("dangvien.banmat", ROAD, author="Lò Văn Pọm",
                    url="https://www.facebook.com/tinbanmat/posts/123").get_json()["id"]
    assert _ids(_search(client, token_for, q="lo van pom")) == [post]
    assert _ids(_search(client, token_for, q="facebook.com/tinbanmat")) == [post]
    assert _ids(_search(client, token_for, q="facebook tinban")) == [post]  # a start of a word


def test_posts_are_scoped_reviewers_their_subtree_members_their_own(client, token_for, api_post):
    dam = api_post("dangvien.banmat", DAM).get_json()["id"]
    mine = api_post("bithu.banmat", DAM + " Ai biết thì báo giúp.").get_json()["id"]
    assert set(_ids(_search(client, token_for, q="dap thuy dien"))) == {dam, mine}
    assert _ids(_search(client, token_for, "kiemduyet.namlanh", q="dap thuy dien")) == []
    assert _ids(_search(client, token_for, "bithu.banmat", q="dap thuy dien")) == [mine]
    outside = _search(client, token_for, "kiemduyet.namlanh", q="dap", unit="muong-leo")
    assert outside.status_code == 404


def test_post_filters(client, token_for, api_post):
    dam = api_post("dangvien.banmat", DAM).get_json()
    road = api_post("dangvien.banmat", ROAD + " Đập tràn cũng đã sửa xong.").get_json()
    both = {dam["id"], road["id"]}

    def found(**filters) -> set[int]:
        return set(_ids(_search(client, token_for, **filters)))

    assert found(q="dap") >= both and found(q="pon") == {dam["id"]}
    for label in {dam["label"], road["label"]}:
        assert found(q="dap", label=label) & both == {
            post["id"] for post in (dam, road) if post["label"] == label}
    assert found(q="dap", unit="ban-mat") >= both
    assert found(q="dap", unit="ban-sam-quang") & both == set()
    assert found(q="dap", status="approved") & both == set()
    assert dam["id"] in found(q="dap", route=dam["route"])
    assert found(q="dap", date_to="2020-01-01") & both == set()
    assert found(q="dap", date_from="2020-01-01") >= both


def test_officials_by_name_or_position_and_a_renamed_official_by_the_new_name(client, token_for):
    headers = token_for("quantri.xa")
    created = client.post("/api/v1/officials", headers=headers, json={
        "full_name": "Hà Thị Nhung", "unit": "ban-mat", "position": "Chủ tịch Hội Phụ nữ"})
    official = created.get_json()["id"]
    assert _ids(_search(client, token_for, "quantri.xa", q="ha thi nhung", kind="officials")) \
        == [official]
    assert _ids(_search(client, token_for, "quantri.xa", q="hoi phu nu", kind="officials")) \
        == [official]
    renamed = client.patch(f"/api/v1/officials/{official}", headers=headers,
                           json={"full_name": "Hà Thị Nhàn"})
    assert renamed.status_code == 200, renamed.get_json()
    assert _ids(_search(client, token_for, "quantri.xa", q="nhung", kind="officials")) == []
    assert _ids(_search(client, token_for, "quantri.xa", q="nhan", kind="officials")) \
        == [official]
    # a member finds only their own record; another commune's admin nothing
    assert _ids(_search(client, token_for, "dangvien.banmat", q="nhan", kind="officials")) == []
    assert _ids(_search(client, token_for, "kiemduyet.namlanh", q="nhan", kind="officials")) == []


def test_accounts_by_name_handle_or_link(client, token_for, demo):
    def found(user, **args):
        items = _search(client, token_for, user, kind="accounts", **args).get_json()["items"]
        return [item["display_name"].lower() for item in items]

    assert "tin tức xã mường lèo" in found("quantri.xa", q="tin tuc muong leo")
    assert "tin tức xã mường lèo" in found("quantri.xa", q="facebook.com/tintucmuongleo")
    assert "tin tức xã mường lèo" in found("quantri.xa", q="muong leo", platform="facebook")
    assert "tin tức xã mường lèo" not in found("quantri.xa", q="muong leo", platform="zalo")
    assert found("kiemduyet.namlanh", q="tin tuc muong leo") == []


def test_bulk_imported_posts_are_found(app, client, token_for, demo):
    user = demo["users"]["kiemduyet.xa"]
    rows = [(2, {"text": DAM}), (3, {"text": ROAD})]
    valid, errors = importing.validate_rows(rows, user)
    assert not errors
    importing.import_rows(valid, user, "hom-nay.csv")
    db.session.commit()
    assert len(_ids(_search(client, token_for, q="pa phay duong be tong"))) == 1


@pytest.mark.parametrize("window", [2, 100])  # PostgreSQL: the matches through the index, or
def test_counts_stop_at_the_cap_and_say_there_are_more(client, token_for, api_post, monkeypatch,
                                                       window):  # among the newest posts
    posts = [api_post("dangvien.banmat", f"Bản tin số {n}: {ROAD}").get_json()["id"]
             for n in range(4)]
    monkeypatch.setattr(search, "MAX_TOTAL", 3)
    monkeypatch.setattr(search, "PER_PAGE", 2)
    monkeypatch.setattr(search, "WINDOW", window)
    body = _search(client, token_for, q="pa phay").get_json()
    assert (body["total"], body["more"], body["pages"], len(body["items"])) == (3, True, 2, 2)
    assert [item["id"] for item in body["items"]] == posts[:-3:-1]  # the newest first
    second = _search(client, token_for, q="pa phay", page=2).get_json()
    assert [item["id"] for item in second["items"]] == posts[1::-1]
    body = _search(client, token_for, q="ban tin so 2").get_json()
    assert (body["total"], body["more"]) == (1, False)


@pytest.mark.parametrize(("args", "field", "message"), [
    ({"q": "!!! ???"}, "q", "Hãy gõ ít nhất một từ để tìm."),
    ({}, "q", "Trường này là bắt buộc."),
    ({"q": "dap", "kind": "users"}, "kind", "Phải là một trong: posts, officials, accounts."),
    ({"q": "dap", "kind": "officials", "status": "pending"}, "status",
     "Bộ lọc này không dùng cho loại tìm kiếm này."),
    ({"q": "dap", "status": "verified_ok"}, "status", "Phải là một trong:"),
    ({"q": "dap", "kind": "accounts", "label": "harmful"}, "label",
     "Bộ lọc này không dùng cho loại tìm kiếm này."),
    ({"q": "dap", "date_from": "2026-05-02", "date_to": "2026-05-01"}, "date_to",
     "Ngày kết thúc trước ngày bắt đầu."),
    ({"q": "dap", "page": "11"}, "page", "Trong khoảng từ 1 đến 10."),
])
def test_bad_queries_get_a_clear_vietnamese_error(client, token_for, demo, args, field, message):
    response = _search(client, token_for, **args)
    assert response.status_code == 422
    errors = response.get_json()["error"]["fields"]
    assert field in errors and errors[field][0].startswith(message), errors


def test_the_search_page(client, login_as, api_post):
    dam = api_post("dangvien.banmat", DAM).get_json()["id"]
    login_as("kiemduyet.xa")
    page = client.get("/moderation/search").get_data(as_text=True)
    assert "<h1>Tìm kiếm</h1>" in page and 'role="status"' not in page  # no results yet
    found = client.get("/moderation/search", query_string={"q": "dap thuy dien"})
    html = found.get_data(as_text=True)
    assert found.status_code == 200 and f'/moderation/posts/{dam}"' in html and "1 kết quả" in html
    empty = client.get("/moderation/search", query_string={"q": "khong co gi"}).get_data(as_text=True)
    assert "Không có kết quả nào." in empty
    bad = client.get("/moderation/search", query_string={"q": "?!"}).get_data(as_text=True)
    assert "Hãy gõ ít nhất một từ để tìm." in bad
