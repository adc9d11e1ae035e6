"""On a phone: a member declares a Zalo group by pasting its link; a unit admin verifies it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def _fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_member_declares_a_zalo_group_and_admin_verifies_it(page, login):
    login("dangvien.banmat")
    page.click("header.site nav >> text=Tài khoản của tôi")
    page.click("text=Khai báo tài khoản")
    page.fill("#f-identifier", "https://zalo.me/g/xombanmat77")
    page.fill("#f-display_name", "Xóm dưới Bản Mạt")
    page.fill("#f-member_count", "58")
    page.select_option("#f-public", "false")
    page.select_option("#f-role", "admin")
    _fits_the_phone(page)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/registry/my-accounts")
    listed = page.locator("ul.accounts").inner_text()
    assert "Xóm dưới Bản Mạt" in listed and "g/xombanmat77" in listed and "58 thành viên" in listed
    assert "Đã khai báo tài khoản" in page.locator("main").inner_text()
    _fits_the_phone(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "registry-member-declared.png"), full_page=True)

    page.click("text=Đăng xuất")
    login("bithu.banmat")
    page.goto("/registry/accounts?status=declared")
    page.click("text=Xóm dưới Bản Mạt")
    page.click("text=Xác nhận: đây đúng là tài khoản của họ")
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert "Đã ghi nhận quyết định." in main and "đã xác minh" in main
    assert "Cầm Thị Duyên" in main
    _fits_the_phone(page)


def test_a_pasted_post_link_gets_the_vietnamese_message_on_the_phone(page, login):
    login("dangvien.banmat")
    page.goto("/registry/declare")
    page.fill("#f-identifier", "https://www.facebook.com/duyen.cam/posts/123456")
    page.click("button[type=submit].primary")
    errors = page.locator("#identifier-errors").inner_text()
    assert "bài viết" in errors and "facebook.com/" in errors
    _fits_the_phone(page)
