"""On a phone: a reviewer turns an approved positive post into a story and publishes it, a
reader finds it on the public page and in /feed.json, the reviewer withdraws it and it is gone."""

from __future__ import annotations

import json

import pytest

from core.extensions import db
from tests.browser.conftest import ARTIFACTS, PHONE

pytestmark = pytest.mark.browser

TEXT = ("Chị Cầm Thị Hoa mở lớp học chữ buổi tối cho phụ nữ Bản Mạt. Sau ba tháng, mười bảy chị "
        "đã tự đọc được sổ tiêm chủng của con và tờ hướng dẫn trồng ngô giống mới.")
TITLE = "Chị Cầm Thị Hoa mở lớp học chữ buổi tối cho phụ nữ Bản Mạt"


@pytest.fixture
def approved_post(live_app):
    """An approved positive post of Bản Mạt, waiting for its story."""
    from tests.feed.factories import make_post

    with live_app.app_context():
        post_id = make_post(TEXT, unit="ban-mat").id
        db.session.remove()
    return post_id


@pytest.fixture
def reader(browser, live_server):
    """A second phone, not logged in."""
    context = browser.new_context(viewport=PHONE, locale="vi-VN", base_url=live_server)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


def _shot(tab, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"test_feed_{name}.png"), full_page=True)


def _feed_titles(tab) -> list[str]:
    response = tab.request.get("/feed.json")
    assert response.status == 200
    return [item["title"] for item in json.loads(response.text())["items"]]


def test_story_from_post_to_public_page_and_back(page, login, reader, approved_post):
    login("kiemduyet.xa")
    page.goto("/stories/manage")
    page.locator("ul.candidates li", has_text="Cầm Thị Hoa").get_by_role(
        "link", name="Làm câu chuyện").click()
    assert page.input_value("#f-title") == TITLE
    page.get_by_label("Gương người tốt").check()
    page.get_by_label("Y tế – Giáo dục").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "1_create_form")
    page.get_by_role("button", name="Lưu bản nháp").click()
    assert "Đã lưu bản nháp" in page.locator("main").inner_text()
    page.get_by_role("button", name="Đăng", exact=True).click()
    assert "Đã đăng câu chuyện." in page.locator("main").inner_text()

    reader.goto("/stories")
    reader.get_by_role("link", name=TITLE).click()
    assert reader.locator("h1").inner_text() == TITLE
    assert reader.locator("svg.qr").is_visible()
    pack = reader.input_value("#share-pack")
    assert pack.splitlines()[0] == TITLE and pack.splitlines()[-1] == reader.url
    reader.get_by_text("Sao chép", exact=True).click()
    assert reader.locator("#copy-status").inner_text() in ("Đã sao chép!", "")
    assert reader.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(reader, "2_story_page")
    story_url = reader.url
    assert TITLE in _feed_titles(reader)

    page.get_by_role("button", name="Gỡ bài").click()
    assert "Đã gỡ câu chuyện." in page.locator("main").inner_text()
    reader.goto("/stories")
    assert TITLE not in reader.locator("main").inner_text()
    _shot(reader, "3_list_after_withdrawal")
    assert reader.goto(story_url).status == 410
    assert TITLE not in _feed_titles(reader)
