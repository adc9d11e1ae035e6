"""Each demo role logs in on a phone, sees its own menu, and logs out."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# What each role's menu must show and must not show (entries of jobs not built yet are absent).
MENUS = {
    "dangvien.banmat": ({"Hồ sơ"}, {"Nhật ký", "Hàng đợi duyệt"}),
    "kiemduyet.xa": ({"Hồ sơ"}, {"Nhật ký"}),
    "quantri.xa": ({"Nhật ký"}, set()),
    "admin": ({"Nhật ký"}, set()),
}


@pytest.mark.parametrize("username", list(MENUS))
def test_role_sees_its_menu_and_logs_out(page, login, username):
    must, must_not = MENUS[username]
    login(username)
    menu = page.locator("header.site").inner_text()
    page_text = page.locator("body").inner_text()
    assert "Xin chào" in page_text
    for label in must - {"Hồ sơ"}:
        assert label in menu
    for label in must_not:
        assert label not in menu
    assert page.locator("header.site a[href='/profile']").is_visible()
    page.click("text=Đăng xuất")
    page.wait_for_url("**/login")
    assert "Bạn đã đăng xuất." in page.locator("main").inner_text()


def test_wrong_password_message_on_phone(page):
    page.goto("/login")
    page.fill("#f-username", "quantri.xa")
    page.fill("#f-password", "sai-mat-khau")
    page.click("button[type=submit]")
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
