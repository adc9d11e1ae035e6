"""A reviewer on a phone: the queue, a harmful post with its words highlighted, claim, reject with
a reason, undo — and the commune's admin finds all three in the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers import ModelStore, train_recipe
from core.extensions import db
from core.services import get_user
from moderation.models import Channel
from moderation.services import intake

pytestmark = pytest.mark.browser

TOY = Path(__file__).resolve().parents[1] / "moderation" / "data" / "toy.toml"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TEXT = ("Thằng trưởng bản Nà Lan ngu như bò, ăn tiền hỗ trợ của dân. "
        "Tối nay kéo đến đập phá nhà nó cho biết tay.")


@pytest.fixture(scope="module")
def harmful_post(live_app, tmp_path_factory):
    """The toy model made active in the live app, and a harmful post submitted by a member."""
    store = ModelStore(tmp_path_factory.mktemp("browser-models"))
    store.activate(store.save(train_recipe(TOY, None)))
    live_app.config["CAIDEP_MODELS_DIR"] = str(store.models_dir)
    with live_app.app_context():
        post = intake.submit({"text": TEXT, "platform": "zalo"}, get_user("dangvien.banmat"),
                             Channel.FORM)
        db.session.commit()
        assert post.label == "harmful" and post.explanation
        return post.id


def _shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"moderation-{name}.png"), full_page=True)


def test_reviewer_claims_rejects_and_undoes_on_a_phone(page, login, harmful_post):
    login("kiemduyet.xa")
    page.click("header.site nav >> text=Hàng đợi duyệt")
    page.click("nav.tabs >> text=Xấu độc")
    card = page.locator(f"#item-{harmful_post}")
    card.wait_for()
    marks = card.locator("p.post-text mark")
    assert marks.count() >= 1
    assert "ngu" in " ".join(marks.all_inner_texts())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "queue")

    card.locator("button", has_text="Nhận xử lý").click()
    page.wait_for_url(f"**/moderation/posts/{harmful_post}")
    assert "Bạn đã nhận xử lý mục này trong 15 phút." in page.locator("main").inner_text()

    reject = page.locator("details.d-reject")
    reject.locator("summary").click()
    reject.locator("label.radio", has_text="Kích động").click()
    reject.locator("textarea[name=note]").fill("Kích động đập phá.")
    _shot(page, "decide")
    reject.locator("button[type=submit]").click()
    main = page.locator("main")
    assert "Đã ghi quyết định: Từ chối." in main.inner_text()
    assert "Đã từ chối" in main.inner_text()

    page.click("button.undo")
    assert "Đã hoàn tác quyết định" in main.inner_text()
    assert "Chờ duyệt" in main.inner_text()
    _shot(page, "undone")

    page.click("text=Đăng xuất")
    login("quantri.xa")
    page.goto("/audit?actor=kiemduyet.xa")
    log = page.locator("ol.audit").inner_text()
    for label in ("Nhận xử lý bài", "Từ chối bài", "Hoàn tác quyết định"):
        assert label in log
    assert "Từ chối: Kích động" in log and "Hoàn tác: Từ chối: Kích động" in log
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize(("user", "path"), [("dangvien.banmat", "/moderation/submit"),
                                             ("kiemduyet.xa", "/moderation/queue"),
                                             ("quantri.xa", "/audit")])
def test_every_form_control_is_a_thumb_sized_target_on_a_phone(page, login, user, path):
    """Fields filled in on a phone: at least 44 px high and inside the screen."""
    login(user)
    page.goto(path)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    controls = page.locator("form input:visible, form select:visible, form textarea:visible")
    assert controls.count() > 0
    small = []
    for index in range(controls.count()):
        control = controls.nth(index)
        kind = control.get_attribute("type") or control.evaluate("e => e.tagName.toLowerCase()")
        if kind in ("checkbox", "radio", "hidden", "submit"):
            continue
        box = control.bounding_box()
        if box["height"] < 44 or box["x"] + box["width"] > 390:
            small.append((control.get_attribute("name"), kind, box["height"], box["width"]))
    assert small == []


def test_reviewer_rejects_two_ticked_items_at_once_on_a_phone(page, login, live_app):
    texts = ["Bọn lừa đảo ở chợ bản Mạt, mai kéo nhau đến đánh cho chúng nó một trận nhớ đời.",
             "Thằng cha bán phân bón ăn cướp của bà con, tối nay đốt kho hàng nhà nó cho biết tay."]
    prediction = {"label": "harmful", "explanation": [], "model_version": None,
                  "scores": {"harmful": 0.9, "unverified": 0.1, "positive": 0.0}}
    with live_app.app_context():
        ids = [intake.submit({"text": text}, get_user("dangvien.banmat"), Channel.FORM,
                             prediction=prediction, predicted=True).id for text in texts]
        db.session.commit()
    login("kiemduyet.xa")
    page.goto("/moderation/queue?tab=harmful")
    for post_id in ids:
        page.locator(f"#item-{post_id} input[name=ids]").check()
    page.click("summary:has-text('Xử lý các mục đã chọn')")
    page.select_option("#f-choice", "reject:incitement")
    _shot(page, "bulk")
    page.click("button:has-text('Áp dụng cho các mục đã chọn')")
    page.wait_for_load_state()
    assert "Đã xử lý 2 mục." in page.locator("main").inner_text()
    for post_id in ids:
        assert page.locator(f"#item-{post_id}").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_reviewer_reads_the_stats_charts_on_a_phone(page, login):
    login("kiemduyet.xa")
    page.goto("/moderation/stats?days=30")
    charts = page.locator("figure.chart svg")
    assert charts.count() == 4  # decisions, backlog, stories, coverage
    for index in range(4):
        box = charts.nth(index).bounding_box()
        assert box["height"] > 40 and box["x"] + box["width"] <= 390
    assert "Số quyết định mỗi ngày" in page.locator("main").inner_text()
    _shot(page, "stats")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_reviewer_finds_a_post_typed_without_accents_on_a_phone(page, login, live_app):
    text = "Đập thủy điện Nậm Pồn sắp vỡ, bà con ven suối Huổi Khằm sơ tán ngay trong đêm!"
    with live_app.app_context():
        post_id = intake.submit({"text": text}, get_user("dangvien.banmat"), Channel.FORM).id
        db.session.commit()
    login("kiemduyet.xa")
    page.goto("/")
    page.click("nav >> text=Tìm kiếm")
    page.fill("#f-q", "dap thuy dien nam pon")
    page.click("form.search button")
    page.wait_for_load_state()
    main = page.locator("main")
    assert "1 kết quả" in main.inner_text()
    _shot(page, "search")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click(f"a[href='/moderation/posts/{post_id}']")
    assert "Huổi Khằm" in page.locator("main").inner_text()
