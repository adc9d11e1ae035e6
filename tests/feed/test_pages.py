"""Reviewers draft, edit, publish and withdraw stories on pages; readers see only what is public."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.extensions import db
from feed.models import Story
from tests.conftest import post_form
from tests.feed.factories import add_image, make_post, make_story
from tests.feed.html import elements


def _story_path(story: Story) -> str:
    return f"/stories/{story.id}-{story.slug}"


def test_create_form_is_prefilled_from_the_post(client, demo, login_as):
    post = make_post("Bà Lò Thị Én hiến đất làm sân chơi cho trẻ em bản. Sân rộng hơn trăm mét "
                     "vuông!")
    login_as("kiemduyet.xa")
    page = client.get(f"/stories/new?post_id={post.id}")
    assert page.status_code == 200
    fields = {a.get("name"): a for tag, a in elements(page.get_data(as_text=True))
              if tag == "input"}
    assert fields["title"]["value"] == "Bà Lò Thị Én hiến đất làm sân chơi cho trẻ em bản"
    assert "Sân rộng hơn trăm mét vuông!" in page.get_data(as_text=True)


def test_reviewer_drafts_edits_publishes_and_withdraws(client, demo, login_as):
    post = make_post()
    image = add_image(post)
    login_as("kiemduyet.xa")
    response = post_form(client, "/stories/new", {
        "post_id": post.id, "title": "Đồi keo xanh", "summary": "Hai nghìn cây keo.",
        "body": "Nội dung.", "tags": ["san-xuat", "nong-thon-moi"], "unit": "muong-leo",
        "image_id": str(image.id)}, page=f"/stories/new?post_id={post.id}")
    assert response.status_code == 302
    story = db.session.scalar(select(Story).where(Story.post_id == post.id))
    assert (story.status, story.unit.code, story.tags, story.image_id) == \
        ("draft", "muong-leo", ["san-xuat", "nong-thon-moi"], image.id)
    assert client.get(_story_path(story)).status_code == 200  # the reviewer's preview

    edit = f"/stories/{story.id}/edit"
    assert post_form(client, edit, {"title": "Đồi keo đã xanh", "summary": "Tóm tắt.",
                                    "body": "Nội dung mới.", "unit": "ban-sam-quang",
                                    "image_id": ""}).status_code == 302
    db.session.expire_all()
    story = db.session.get(Story, story.id)
    assert (story.title, story.tags, story.unit.code, story.image_id) == \
        ("Đồi keo đã xanh", [], "ban-sam-quang", None)

    assert post_form(client, f"/stories/{story.id}/publish", {}, page=edit).status_code == 302
    db.session.expire_all()
    assert db.session.get(Story, story.id).status == "published"
    assert "Đã đăng câu chuyện." in client.get(edit).get_data(as_text=True)
    assert post_form(client, f"/stories/{story.id}/withdraw", {}, page=edit).status_code == 302
    db.session.expire_all()
    assert db.session.get(Story, story.id).status == "withdrawn"


def test_form_errors_keep_what_was_typed(client, demo, login_as):
    post = make_post()
    login_as("kiemduyet.xa")
    response = post_form(client, "/stories/new", {"post_id": post.id, "title": "  ",
                                                   "summary": "Giữ lại", "body": "x",
                                                   "unit": "ban-mat"},
                         page=f"/stories/new?post_id={post.id}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Trường này là bắt buộc." in html or "bắt buộc" in html
    assert "Giữ lại" in html
    assert db.session.scalar(select(Story.id).where(Story.post_id == post.id)) is None
    response = post_form(client, "/stories/new", {"post_id": post.id, "title": "T",
                                                   "summary": "S", "body": "B",
                                                   "unit": "ban-mat"},
                         page=f"/stories/new?post_id={post.id}")
    assert response.status_code == 422  # ban-mat is not the post's unit nor above it
    assert "đơn vị cấp trên" in response.get_data(as_text=True)


def test_unapproved_post_cannot_become_a_story_on_the_page(client, demo, login_as):
    post = make_post(approve=False)
    login_as("kiemduyet.xa")
    response = client.get(f"/stories/new?post_id={post.id}")
    assert response.status_code == 409
    assert "chưa được duyệt" in response.get_data(as_text=True)


def test_second_story_of_a_post_leads_to_the_first(client, demo, login_as):
    story = make_story(publish=False)
    login_as("kiemduyet.xa")
    response = client.get(f"/stories/new?post_id={story.post_id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/stories/{story.id}/edit")


def test_neighbour_reviewer_never_sees_nor_edits_our_stories(client, demo, login_as):
    story = make_story(publish=False)
    post = make_post()
    login_as("kiemduyet.namlanh")
    assert client.get(f"/stories/{story.id}/edit").status_code == 404
    assert client.get(f"/stories/new?post_id={post.id}").status_code == 404
    assert client.get(_story_path(story)).status_code == 404
    manage = client.get("/stories/manage").get_data(as_text=True)
    assert story.title not in manage and "Bản Mạt" not in manage
    token = re.search(r'name="csrf_token" value="([^"]+)"', manage).group(1)
    response = client.post(f"/stories/{story.id}/publish", data={"csrf_token": token})
    assert response.status_code == 404
    assert db.session.get(Story, story.id).status == "draft"


def test_manage_lists_states_and_candidates(client, demo, login_as):
    draft = make_story(publish=False, title="Bản nháp thử")
    candidate = make_post("Một bài tốt đã duyệt, chờ được làm thành câu chuyện.")
    login_as("kiemduyet.xa")
    html = client.get("/stories/manage").get_data(as_text=True)
    assert "Bản nháp thử" in html
    assert f"/stories/new?post_id={candidate.id}" in html
    assert f"/stories/new?post_id={draft.post_id}" not in html
    published = client.get("/stories/manage?status=published").get_data(as_text=True)
    assert "Bản nháp thử" not in published and "nhà văn hóa mới" in published


def test_public_pages_show_only_published_stories(client, demo):
    draft = make_story(publish=False, title="Chưa đăng đâu")
    live = make_story(title="Đã đăng rồi", tags=["van-hoa"])
    withdrawn = make_story(title="Đã gỡ xuống")
    from core.services import get_user
    from feed import services

    services.withdraw(withdrawn, get_user("kiemduyet.xa"))
    db.session.commit()
    listing = client.get("/stories").get_data(as_text=True)
    assert "Đã đăng rồi" in listing
    assert "Chưa đăng đâu" not in listing and "Đã gỡ xuống" not in listing
    assert client.get(_story_path(live)).status_code == 200
    assert client.get(_story_path(draft)).status_code == 404
    assert client.get(_story_path(withdrawn)).status_code == 410
    assert "Đã đăng rồi" in client.get("/stories/tag/van-hoa").get_data(as_text=True)
    assert "Đã đăng rồi" not in client.get("/stories/tag/san-xuat").get_data(as_text=True)
    assert client.get("/stories/tag/khong-co").status_code == 404


def test_unit_list_covers_its_subtree_only(client, demo):
    make_story(title="Chuyện ở Sam Quang")
    assert "Chuyện ở Sam Quang" in client.get("/units/muong-leo/stories").get_data(as_text=True)
    assert "Chuyện ở Sam Quang" in client.get("/units/ban-sam-quang/stories").get_data(as_text=True)
    assert "Chuyện ở Sam Quang" not in client.get("/units/ban-mat/stories").get_data(as_text=True)
    assert "Chuyện ở Sam Quang" not in client.get("/units/nam-lanh/stories").get_data(as_text=True)
    assert client.get("/units/khong-co/stories").status_code == 404


def test_list_is_paginated(client, demo):
    for number in range(11):
        make_story(title=f"Chuyện số {number:02d}")
    first = client.get("/stories").get_data(as_text=True)
    assert "Chuyện số 10" in first and "Chuyện số 00" not in first
    assert 'rel="next" href="/stories?page=2"' in first
    second = client.get("/stories?page=2").get_data(as_text=True)
    assert "Chuyện số 00" in second


def test_wrong_or_missing_slug_redirects_to_the_canonical_url(client, demo):
    story = make_story(title="Tiêu đề có dấu: Đường về bản")
    assert story.slug == "tieu-de-co-dau-duong-ve-ban"
    for path in (f"/stories/{story.id}", f"/stories/{story.id}-cu"):
        response = client.get(path)
        assert response.status_code == 301
        assert response.headers["Location"].endswith(_story_path(story))


def test_story_page_has_share_pack_links_and_qr(client, demo):
    story = make_story(title="Đồi keo xanh", summary="Hai nghìn cây keo đã bén rễ.")
    html = client.get(_story_path(story)).get_data(as_text=True)
    url = f"http://localhost{_story_path(story)}"
    tags = elements(html)
    textarea = re.search(r'<textarea id="share-pack"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert textarea.split("\n") == ["Đồi keo xanh", "Hai nghìn cây keo đã bén rễ.", url]
    hrefs = [a.get("href", "") for tag, a in tags if tag == "a"]
    assert any(h.startswith("https://sp.zalo.me/share?url=http%3A%2F%2Flocalhost%2Fstories%2F")
               for h in hrefs)
    assert any(h.startswith("https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2F")
               for h in hrefs)
    assert ("svg", {"viewbox": "0 0 37 37", "class": "qr"}) in tags or \
        any(tag == "svg" and a.get("class") == "qr" for tag, a in tags)
    scripts = [a["src"] for tag, a in tags if tag == "script"]
    assert scripts == ["/static/js/feed.js"]
    label = next(a for tag, a in tags if tag == "label" and a.get("id") == "copy-pack")
    assert label["for"] == "share-pack"  # without JavaScript it focuses the text box


def test_story_picture_is_public_once_published(client, demo):
    post = make_post()
    image = add_image(post)
    story = make_story(post, image_id=image.id)
    response = client.get(f"/stories/{story.id}/image")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data[:4] == b"\x89PNG"
    response.close()
    draft = make_story(publish=False)
    assert client.get(f"/stories/{draft.id}/image").status_code == 404


def test_pages_speak_english_on_request(client, demo):
    make_story(title="Đồi keo")
    client.get("/lang/en")
    html = client.get("/stories").get_data(as_text=True)
    assert "Good stories" in html and "Follow these stories" in html
