"""Unit tree, scoping, security headers, audit log and the language catalogue."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from core.extensions import db
from core.i18n import vn_sort_key
from core.models import AppendOnlyError, AuditEntry, Unit
from core.scoping import scoped
from core.services import audit
from tests.conftest import post_form
from tests.factories import make_unit, make_user

ROOT = Path(__file__).resolve().parents[2]


def test_subtree_query_spans_any_depth(app):
    root = make_unit("root", kind="province")
    mid = make_unit("mid", root, kind="commune")
    leaf = make_unit("leaf", mid)
    other = make_unit("other", root)
    user = make_user(unit=mid)
    seen = set(db.session.scalars(scoped(select(Unit.code), Unit.id, user)))
    assert seen == {"mid", "leaf"}
    assert other.code not in seen and leaf.depth == 2


def test_unit_codes_that_share_a_prefix_do_not_leak(app):
    root = make_unit("r", kind="province")
    first = make_unit("a", root)
    for _ in range(10):  # ids 1..12: "/1/2/" must not match "/1/12/"
        make_unit(parent=root)
    user = make_user(unit=first)
    assert set(db.session.scalars(scoped(select(Unit.code), Unit.id, user))) == {"a"}


def test_security_headers_and_cookie_flags(client, demo):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"]
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_config_marks_cookies_secure():
    from core.config import Config

    assert Config.SESSION_COOKIE_SECURE or Config.DEBUG


def test_refuses_development_secret_in_production(monkeypatch):
    from core import create_app

    monkeypatch.delenv("CAIDEP_ALLOW_DEV_SECRET", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": False, "DEBUG": False})


def test_missing_secret_is_one_clear_line_for_the_operator(tmp_path):
    """`flask --app wsgi …` or gunicorn without SECRET_KEY: what to do, not a traceback."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "CAIDEP_ALLOW_DEV_SECRET", "FLASK_DEBUG")}
    env["CAIDEP_INSTANCE_DIR"] = str(tmp_path)
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 4  # gunicorn's master then stops: no restart loop
    assert "Traceback" not in result.stderr
    assert "SECRET_KEY chưa được đặt" in result.stderr
    assert "CAIDEP_ALLOW_DEV_SECRET=1" in result.stderr  # the way to try it on one's own machine


def test_audit_log_is_append_only(app):
    entry = audit("test_action", summary="x")
    db.session.commit()
    entry.summary = "changed"
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()


def test_audit_page_filters_by_action_and_actor(client, demo, login_as):
    login_as("dangvien.banmat")
    post_form(client, "/logout", {}, page="/profile")
    login_as("quantri.xa")
    page = client.get("/audit?action=login&actor=dangvien.banmat").get_data(as_text=True)
    assert "dangvien.banmat" in page
    assert "quantri.xa</strong>" not in page


def test_audit_page_rejects_bad_dates_with_a_message(client, demo, login_as):
    login_as("quantri.xa")
    response = client.get("/audit?date_from=31/02/2026")
    assert response.status_code == 200
    assert "Ngày không hợp lệ" in response.get_data(as_text=True)


def test_vietnamese_collation():
    names = ["Đinh", "Bùi", "Ánh", "Âu", "Ăn", "Dũng", "An", "Ơn", "Ôn", "Óc"]
    assert sorted(names, key=vn_sort_key) == ["An", "Ánh", "Ăn", "Âu", "Bùi", "Dũng", "Đinh",
                                              "Óc", "Ôn", "Ơn"]


def test_name_key_orders_by_given_name_in_binary_order():
    from core.i18n import vn_name_key

    names = ["Nguyễn Văn Anh", "Trần An", "Lê Thị Ánh", "Phạm Đức", "Bùi Dũng", "Vừ A Dính",
             "Lò Văn Ơn", "Hà Ôn", "", "Giàng A Zơ"]
    assert sorted(names, key=vn_name_key) == [
        "", "Trần An", "Nguyễn Văn Anh", "Lê Thị Ánh", "Vừ A Dính", "Bùi Dũng", "Phạm Đức",
        "Hà Ôn", "Lò Văn Ơn", "Giàng A Zơ"]
    key = vn_name_key("Đinh Thị Hồng " * 40)
    assert len(key) <= 400 and key.isprintable() is False  # a control separator, no NUL
    assert "\x00" not in key and max(map(ord, key)) < 0x400


def test_healthz_reports_database(client):
    body = client.get("/healthz").get_json()
    assert body["db"] == "ok" and "model" in body


def test_insert_now_writes_one_row_and_leaves_a_loaded_object(app):
    """The hot-path INSERT fills defaults and foreign keys like the unit of work would."""
    from core.extensions import insert_now
    from core.models import User

    unit = make_unit("xa", kind="commune")
    user = User(username="nguoi.moi", password_hash="x", unit=unit)  # unit_id via relationship
    insert_now(user)
    assert user.id is not None and user.unit_id == unit.id
    assert user.active is True and user.full_name == "" and user.created_at is not None
    assert user in db.session and not db.session.dirty and not db.session.new
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, user.id).unit.code == "xa"
    with pytest.raises(ValueError):
        insert_now(user)  # already written
