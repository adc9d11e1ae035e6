"""The core commands as an operator runs them."""

from __future__ import annotations

from core.services import get_unit, get_user


def test_units_create_builds_the_tree(runner, app):
    assert runner.invoke(args=["units", "create", "--code", "son-la", "--name", "Sơn La",
                               "--kind", "tỉnh"]).exit_code == 0
    result = runner.invoke(args=["units", "create", "--code", "muong-leo", "--name", "Mường Lèo",
                                 "--kind", "commune", "--parent", "son-la"])
    assert result.exit_code == 0, result.output
    child, parent = get_unit("muong-leo"), get_unit("son-la")
    assert parent.contains(child) and not child.contains(parent)


def test_unknown_parent_code_is_a_clear_error(runner, app):
    result = runner.invoke(args=["units", "create", "--code", "x", "--name", "X",
                                 "--kind", "village", "--parent", "khong-co"])
    assert result.exit_code != 0
    assert "Không có đơn vị mã 'khong-co'" in result.output
    assert get_unit("x") is None


def test_unknown_kind_is_refused(runner, app):
    result = runner.invoke(args=["units", "create", "--code", "x", "--name", "X", "--kind", "lâu đài"])
    assert result.exit_code != 0
    assert "Loại đơn vị không hợp lệ" in result.output


def test_users_create_and_duplicate_username(runner, demo):
    args = ["users", "create", "--username", "Moi.Nguoi", "--password", "mat-khau-dai",
            "--unit", "ban-mat", "--role", "member", "--role", "reviewer"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert get_user("moi.nguoi").roles == {"member", "reviewer"}
    second = runner.invoke(args=args)
    assert second.exit_code != 0
    assert "Tên đăng nhập đã tồn tại: moi.nguoi" in second.output


def test_users_create_unknown_unit(runner, demo):
    result = runner.invoke(args=["users", "create", "--username", "a", "--password", "mat-khau-dai",
                                 "--unit", "khong-co", "--role", "member"])
    assert result.exit_code != 0
    assert "Không có đơn vị mã 'khong-co'" in result.output
    assert get_user("a") is None


def test_users_create_short_password(runner, demo):
    result = runner.invoke(args=["users", "create", "--username", "b", "--password", "ngan",
                                 "--unit", "ban-mat", "--role", "member"])
    assert result.exit_code != 0
    assert "ít nhất 8 ký tự" in result.output


def test_users_token_prints_a_working_token(runner, client, demo):
    result = runner.invoke(args=["users", "token", "dangvien.banmat"])
    assert result.exit_code == 0
    token = result.output.strip()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.get_json()["unit"] == "ban-mat"


def test_users_token_unknown_user(runner, demo):
    result = runner.invoke(args=["users", "token", "ai-do"])
    assert result.exit_code != 0
    assert "Không có người dùng 'ai-do'" in result.output


def test_seed_demo_is_idempotent_and_prints_logins(runner, app):
    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])
    assert first.exit_code == second.exit_code == 0
    assert "quantri.xa" in first.output and "caidep-demo-2026" in first.output
    commune = get_unit("muong-leo")
    assert len(commune.children) == 17


def test_click_speaks_vietnamese_too(runner, app, tmp_path):
    """The command line's own errors and help, not only ours, are in Vietnamese."""
    missing = runner.invoke(args=["moderation", "import", str(tmp_path / "khong-co.csv"),
                                  "--user", "admin"])
    assert missing.exit_code == 2
    assert "Lỗi: Giá trị không hợp lệ cho 'FILE': Tệp" in missing.output
    assert "không tồn tại." in missing.output and "Cách dùng: " in missing.output
    no_argument = runner.invoke(args=["classifiers", "activate"])
    assert "Lỗi: Thiếu tham số 'VERSION'." in no_argument.output
    assert "Không có tùy chọn '--khong'" in runner.invoke(args=["units", "list", "--khong"]).output
    help_text = runner.invoke(args=["moderation", "import", "--help"]).output
    assert "Tùy chọn:" in help_text and "[bắt buộc]" in help_text
    assert "Hiện hướng dẫn này rồi thoát." in help_text
