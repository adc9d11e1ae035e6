"""Browser tests: the app served on a free port, driven by Debian's chromium through Playwright.

Without /usr/bin/chromium these tests skip (a fresh laptop), except under CI=true where a
missing browser fails the run: CI must prove the pages work.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from core import create_app
from core import demo as demo_module
from core.extensions import db
from tests.conftest import make_config

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _require_browser():
    if Path(CHROMIUM).exists() and shutil.which(CHROMIUM):
        return
    reason = f"no browser at {CHROMIUM} (install Debian's chromium to run the browser tests)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs the browser tests: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """An app on its own SQLite file, with the demo commune loaded."""
    folder = tmp_path_factory.mktemp("live")
    app = create_app(make_config(folder, f"sqlite:///{folder / 'live.sqlite3'}",
                                 WTF_CSRF_TIME_LIMIT=None))
    with app.app_context():
        db.create_all()
        demo_module.seed()
        db.session.commit()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    """The app served over HTTP on a free local port, for the length of the session."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with live_app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh phone-sized page; a screenshot is kept under test-artifacts/ for every test."""
    context = browser.new_context(viewport=PHONE, locale="vi-VN", base_url=live_server)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def login(page, live_app):
    """Log in through the form, as a person would."""

    def _login(username: str):
        page.goto("/login")
        page.fill("#f-username", username)
        page.fill("#f-password", live_app.config["DEMO_PASSWORD"])
        page.click("button[type=submit]")
        page.wait_for_load_state()

    return _login
