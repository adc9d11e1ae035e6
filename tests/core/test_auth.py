"""Logging in and out, throttling, CSRF, and API tokens — as a user meets them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.extensions import db
from core.models import ApiToken, AuditEntry, as_utc, utcnow
from core.services import get_user
from tests.conftest import csrf_from, post_form


def _login(client, username, password):
    return post_form(client, "/login", {"username": username, "password": password})


def test_login_shows_dashboard_and_logs_audit(client, demo):
    response = _login(client, "quantri.xa", demo["password"])
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Lò Văn Thành" in page
    assert "Nhật ký" in page  # the unit admin's audit-log menu entry, in Vietnamese
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "login" in actions


def test_wrong_password_and_unknown_user_get_the_same_message(client, demo):
    wrong = _login(client, "quantri.xa", "not-the-password")
    unknown = _login(client, "nobody-here", "whatever-password")
    assert wrong.status_code == unknown.status_code == 401
    message = "Tên đăng nhập hoặc mật khẩu không đúng."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    assert "nobody-here" not in unknown.get_data(as_text=True).split(message)[1][:200]


def test_empty_login_form_shows_field_errors(client, demo):
    response = _login(client, "", "")
    assert response.status_code == 401
    assert "Trường này là bắt buộc." in response.get_data(as_text=True)


def test_five_failures_per_account_then_429(client, demo):
    for _ in range(5):
        assert _login(client, "kiemduyet.xa", "wrong-password").status_code == 401
    blocked = _login(client, "kiemduyet.xa", demo["password"])
    assert blocked.status_code == 429
    assert "Bạn đã thử quá nhiều lần" in blocked.get_data(as_text=True)


def test_successful_logins_do_not_count_towards_the_limit(client, demo):
    for _ in range(7):
        assert _login(client, "kiemduyet.xa", demo["password"]).status_code == 302
        post_form(client, "/logout", {}, page="/profile")


def test_forged_csrf_token_is_refused(client, demo):
    response = client.post("/login", data={"csrf_token": "forged", "username": "admin",
                                           "password": demo["password"]})
    assert response.status_code == 400
    assert "Phiên làm việc đã hết hạn" in response.get_data(as_text=True)


def test_logout_requires_post_and_ends_the_session(client, demo, login_as):
    login_as("dangvien.banmat")
    assert client.get("/logout").status_code == 405
    response = post_form(client, "/logout", {}, page="/profile")
    assert response.status_code == 302
    assert client.get("/profile").status_code == 302


def test_next_parameter_cannot_redirect_off_site(client, demo):
    token = csrf_from(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "username": "admin",
                                           "password": demo["password"],
                                           "next": "https://evil.example/phish"})
    assert response.headers["Location"] == "/"


def test_token_shown_once_works_and_revocation_stops_it(client, demo, login_as):
    login_as("kiemduyet.xa")
    page = post_form(client, "/profile/tokens", {"name": "Zalo bot"}, page="/profile")
    html = page.get_data(as_text=True)
    plain = html.split('aria-label="Mã truy cập mới">')[1].split("<")[0].strip()
    assert plain.startswith("cd_")
    stored = db.session.scalars(select(ApiToken)).one()
    assert plain not in (stored.token_hash, stored.prefix)
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/me", headers=headers).get_json()["username"] == "kiemduyet.xa"
    assert plain not in client.get("/profile").get_data(as_text=True)

    post_form(client, f"/profile/tokens/{stored.id}/revoke", {}, page="/profile")
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "invalid_token"


def test_expired_token_is_refused(client, demo, token_for):
    headers = token_for("admin")
    token = db.session.scalars(select(ApiToken)).one()
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert "hết hạn" in response.get_json()["error"]["message"]


def test_token_of_a_deactivated_user_is_refused(client, demo, token_for):
    headers = token_for("dangvien.banmat")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    get_user("dangvien.banmat").active = False
    db.session.commit()
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_token"


def test_token_use_is_noted_at_most_once_a_minute(client, demo, token_for):
    headers = token_for("admin")
    token = db.session.scalars(select(ApiToken)).one()
    assert token.last_used_at is None
    client.get("/api/v1/me", headers=headers)
    db.session.expire_all()
    first = token.last_used_at
    assert first is not None
    client.get("/api/v1/me", headers=headers)
    db.session.expire_all()
    assert token.last_used_at == first  # a second call within the minute writes nothing
    token.last_used_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    client.get("/api/v1/me", headers=headers)
    db.session.expire_all()
    assert as_utc(token.last_used_at) > utcnow() - timedelta(minutes=1)


def test_someone_elses_token_cannot_be_revoked(client, demo, login_as, token_for):
    token_for("admin")
    other = db.session.scalars(select(ApiToken)).one()
    login_as("dangvien.banmat")
    response = post_form(client, f"/profile/tokens/{other.id}/revoke", {}, page="/profile")
    assert response.status_code == 404
    assert db.session.get(ApiToken, other.id).revoked_at is None


def test_empty_token_name_is_refused(client, demo, login_as):
    login_as("dangvien.banmat")
    response = post_form(client, "/profile/tokens", {"name": ""}, page="/profile")
    assert response.status_code == 422
    assert db.session.scalars(select(ApiToken)).all() == []


def test_english_is_available(client, demo):
    client.get("/lang/en?next=/login")
    assert "Log in" in client.get("/login").get_data(as_text=True)
    client.get("/lang/vi?next=/login")
    assert "Đăng nhập" in client.get("/login").get_data(as_text=True)


def test_five_failures_from_one_address_then_429_for_any_account(client, demo):
    for n in range(5):
        assert _login(client, f"nobody{n}", "wrong-password").status_code == 401
    assert _login(client, "admin", demo["password"]).status_code == 429
